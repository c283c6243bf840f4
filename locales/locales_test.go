package locales

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/tghtml"
)

func mustLoad(t *testing.T) *Bundle {
	t.Helper()
	b, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return b
}

func TestBothLanguagesHaveEveryMessage(t *testing.T) {
	b := mustLoad(t)
	fa, en := b.IDs("fa"), b.IDs("en")
	for _, id := range fa {
		if !slices.Contains(en, id) {
			t.Errorf("message %q is in active.fa.toml but not in active.en.toml", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(fa, id) {
			t.Errorf("message %q is in active.en.toml but not in active.fa.toml", id)
		}
	}
}

var templateField = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// TestEveryTemplateRenders fills each message's fields and checks the result is complete, valid Telegram
// HTML (a broken tag would make Telegram refuse the whole message).
func TestEveryTemplateRenders(t *testing.T) {
	b := mustLoad(t)
	for _, lang := range Languages {
		names, _ := fs.Glob(files, "*."+lang+".toml")
		fields := map[string]bool{}
		for _, name := range names {
			raw, err := files.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range templateField.FindAllStringSubmatch(string(raw), -1) {
				fields[m[1]] = true
			}
		}
		var kv []any
		for f := range fields {
			kv = append(kv, f, "x")
		}
		for _, id := range b.IDs(lang) {
			got := b.N(lang, id, 2, kv...)
			if got == id || strings.Contains(got, "<no value>") || strings.TrimSpace(got) == "" {
				t.Errorf("%s %s renders as %q", lang, id, got)
			}
			if err := tghtml.Validate(got); err != nil {
				t.Errorf("%s %s is not valid Telegram HTML: %v", lang, id, err)
			}
		}
	}
}

func TestPersianUsesPersianLetters(t *testing.T) {
	names, _ := fs.Glob(files, "*.fa.toml")
	for _, name := range names {
		raw, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			if strings.ContainsAny(line, "يك") {
				t.Errorf("%s:%d uses Arabic ي or ك: %s", name, i+1, line)
			}
			if strings.Contains(line, " می ") || strings.Contains(line, "\u200c\u200c") {
				t.Errorf("%s:%d has a missing or doubled نیم‌فاصله: %s", name, i+1, line)
			}
		}
	}
}

func TestLang(t *testing.T) {
	tests := []struct{ chosen, code, want string }{
		{"", "en-US", "en"}, {"", "fa", "fa"}, {"", "de", "fa"}, {"", "", "fa"}, {"fa", "en", "fa"}, {"en", "fa", "en"},
	}
	for _, tt := range tests {
		if got := Lang(tt.chosen, tt.code); got != tt.want {
			t.Errorf("Lang(%q, %q) = %q; want %q", tt.chosen, tt.code, got, tt.want)
		}
	}
}

// Texts that mention the messenger name the platform the bot runs on.
func TestMessengerIsThePlatforms(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.T("fa", "Privacy"); !strings.Contains(got, "شناسهٔ تلگرام") {
		t.Errorf("default messenger: %q", got)
	}
	b = b.ForMessenger("bale")
	for lang, want := range map[string]string{"fa": "شناسهٔ بله", "en": "your Bale name"} {
		if got := b.T(lang, "Privacy"); !strings.Contains(got, want) || strings.Contains(got, "تلگرام") || strings.Contains(got, "Telegram") {
			t.Errorf("%s on Bale: %q", lang, got)
		}
	}
}
