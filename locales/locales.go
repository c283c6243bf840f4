// Package locales holds every user-facing string of Tavan, in Persian (first) and English, and loads them
// into a go-i18n bundle embedded in the binary.
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed *.toml
var files embed.FS

// Languages the bot speaks, the first being the default.
var Languages = []string{"fa", "en"}

// Bundle translates message ids into a language. It is read-only after Load, so safe for concurrent use.
type Bundle struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	ids        map[string][]string
	// usesMessenger holds the ids whose text names the messenger ({{.Messenger}}): Telegram or Bale,
	// filled in from Messenger_<platform> so that one copy serves both.
	usesMessenger map[string]bool
	messenger     string // the platform's name; "" is Telegram
}

// Load reads the embedded message files.
func Load() (*Bundle, error) {
	b := i18n.NewBundle(language.Persian)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	out := &Bundle{bundle: b, localizers: map[string]*i18n.Localizer{}, ids: map[string][]string{}, usesMessenger: map[string]bool{}}
	for _, lang := range Languages {
		// active.<lang>.toml holds the core messages; a feature may keep its own <feature>.<lang>.toml.
		names, err := fs.Glob(files, "*."+lang+".toml")
		if err != nil {
			return nil, err
		}
		seen := map[string]string{}
		for _, name := range names {
			mf, err := b.LoadMessageFileFS(files, name)
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", name, err)
			}
			for _, m := range mf.Messages {
				// go-i18n lets a later file silently replace a message: a clash between features is a bug.
				if other, dup := seen[m.ID]; dup {
					return nil, fmt.Errorf("message %s is defined in both %s and %s", m.ID, other, name)
				}
				seen[m.ID] = name
				out.ids[lang] = append(out.ids[lang], m.ID)
				for _, text := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
					if strings.Contains(text, ".Messenger") {
						out.usesMessenger[m.ID] = true
					}
				}
			}
		}
		sort.Strings(out.ids[lang])
		out.localizers[lang] = i18n.NewLocalizer(b, lang)
	}
	return out, nil
}

// Lang maps a user's choice or Telegram's language_code to a supported language: "en…" is English,
// anything else Persian.
func Lang(chosen, telegramCode string) string {
	if chosen == "fa" || chosen == "en" {
		return chosen
	}
	if strings.HasPrefix(strings.ToLower(telegramCode), "en") {
		return "en"
	}
	return "fa"
}

// ForMessenger is the bundle for a bot on platform ("telegram" or "bale"): {{.Messenger}} in a message
// reads as that messenger's name (Messenger_<platform>).
func (b *Bundle) ForMessenger(platform string) *Bundle {
	out := *b
	out.messenger = platform
	return &out
}

// T renders message id in lang with template data (pairs of key, value). A missing message renders as
// its id so that a gap is visible, never a crash; a test keeps both files complete.
func (b *Bundle) T(lang, id string, kv ...any) string {
	return b.render(lang, id, nil, kv)
}

// N renders a plural message chosen by count.
func (b *Bundle) N(lang, id string, count int, kv ...any) string {
	return b.render(lang, id, count, kv)
}

func (b *Bundle) render(lang, id string, count any, kv []any) string {
	l, ok := b.localizers[lang]
	if !ok {
		l = b.localizers[Languages[0]]
	}
	data := make(map[string]any, len(kv)/2+1)
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	if _, given := data["Messenger"]; b.usesMessenger[id] && !given {
		platform := b.messenger
		if platform == "" {
			platform = "telegram"
		}
		data["Messenger"] = b.render(lang, "Messenger_"+platform, nil, nil)
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

// IDs lists the message ids defined for lang.
func (b *Bundle) IDs(lang string) []string { return b.ids[lang] }
