package tgsim

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/tavan7/tavan/bot/tghtml"
)

// formatted is a text or caption after parse-mode handling.
type formatted struct {
	text, mode, plain string
	entities          json.RawMessage
	styled            []Entity // Bale: the spans its Markdown rendered (not sent back on the wire)
}

// applyTo stores a formatted text or caption on a message.
func (f formatted) applyTo(r *record) {
	r.msg.Text, r.msg.ParseMode, r.msg.Plain, r.msg.Entities, r.entities = f.text, f.mode, f.plain, f.styled, f.entities
}

// format reads a text (or caption) field with its parse mode and entities and checks Telegram's limits.
// Only HTML is parsed (with tghtml, exactly like Telegram); Markdown modes are accepted but not parsed.
func (s *Server) format(c *call, textField, modeField, entitiesField string, max int, required bool) (formatted, *apiError) {
	if s.bale {
		return s.baleFormat(c, textField, max, required)
	}
	f := formatted{text: c.str(textField)}
	mode := c.str(modeField)
	switch {
	case mode == "":
		f.plain = f.text
		if e := c.str(entitiesField); e != "" {
			f.entities = json.RawMessage(e)
		}
	case strings.EqualFold(mode, "HTML"):
		f.mode = "HTML"
		plain, err := tghtml.Plain(f.text)
		if err != nil {
			return f, badRequest("%s", err.Error())
		}
		f.plain = plain
	case strings.EqualFold(mode, "Markdown"), strings.EqualFold(mode, "MarkdownV2"):
		f.mode = "Markdown"
		if strings.EqualFold(mode, "MarkdownV2") {
			f.mode = "MarkdownV2"
		}
		f.plain = f.text
	default:
		return f, badRequest("unsupported parse_mode")
	}
	n := utf16Len(f.plain)
	if f.mode == "HTML" {
		n, _ = tghtml.Len(f.text) // the measure Telegram's limits use; the text already parsed
	}
	if e := lengthError(textField, f.plain, n, max, required); e != nil {
		return f, e
	}
	return f, nil
}

// markup is a parsed reply_markup.
type markup struct {
	canonical string // canonical JSON of an inline keyboard markup, "" for none
	inline    [][]Button
	reply     [][]string
	remove    bool
	force     bool
}

// inlineActions are the InlineKeyboardButton fields that give a button something to do.
var inlineActions = []string{"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay"}

// parseMarkup checks a reply_markup the spec validation already accepted structurally, applying
// Telegram's limits: at most 100 inline buttons, non-empty text, callback_data of 1-64 bytes, valid URLs.
func parseMarkup(raw string) (*markup, *apiError) {
	if raw == "" {
		return &markup{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	m := &markup{}
	if rows, ok := obj["inline_keyboard"].([]any); ok {
		total := 0
		for _, row := range rows {
			buttons, _ := row.([]any)
			total += len(buttons)
			var out []Button
			for _, b := range buttons {
				btn, _ := b.(map[string]any)
				text, _ := btn["text"].(string)
				if strings.TrimSpace(text) == "" {
					return nil, badRequest("can't parse inline keyboard button: Text must be non-empty")
				}
				actions := 0
				for _, a := range inlineActions {
					if _, ok := btn[a]; ok {
						actions++
					}
				}
				if actions == 0 {
					return nil, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
				}
				pb := Button{Text: text}
				if data, ok := btn["callback_data"].(string); ok {
					if len(data) < 1 || len(data) > 64 {
						return nil, badRequest("BUTTON_DATA_INVALID")
					}
					pb.CallbackData = data
				}
				if u, ok := btn["url"].(string); ok {
					if !validButtonURL(u) {
						return nil, badRequest("inline keyboard button URL '%s' is invalid: Wrong HTTP URL", u)
					}
					pb.URL = u
				}
				out = append(out, pb)
			}
			m.inline = append(m.inline, out)
		}
		if total > 100 {
			return nil, badRequest("reply markup is too long")
		}
		b, err := json.Marshal(map[string]any{"inline_keyboard": rows})
		if err != nil {
			return nil, badRequest("can't parse reply keyboard markup JSON object")
		}
		m.canonical = string(b)
		return m, nil
	}
	if rows, ok := obj["keyboard"].([]any); ok {
		for _, row := range rows {
			buttons, _ := row.([]any)
			var out []string
			for _, b := range buttons {
				var text string
				switch v := b.(type) {
				case string:
					text = v
				case map[string]any:
					text, _ = v["text"].(string)
				}
				if strings.TrimSpace(text) == "" {
					return nil, badRequest("can't parse keyboard button: Text must be non-empty")
				}
				out = append(out, text)
			}
			m.reply = append(m.reply, out)
		}
		return m, nil
	}
	if v, _ := obj["remove_keyboard"].(bool); v {
		m.remove = true
	}
	if v, _ := obj["force_reply"].(bool); v {
		m.force = true
	}
	return m, nil
}

func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "tg":
		return true
	}
	return false
}

// apply copies the markup onto a message.
func (m *markup) apply(r *record) {
	r.markup = m.canonical
	r.msg.InlineKeyboard = m.inline
	r.msg.ReplyKeyboard = m.reply
	r.msg.RemoveKeyboard = m.remove
	r.msg.ForceReply = m.force
}

// lengthError is the Bot API's answer to a text field that is empty (when required) or longer than max
// (n as the platform counts it), or nil.
func lengthError(textField, plain string, n, max int, required bool) *apiError {
	switch {
	case required && strings.TrimSpace(plain) == "":
		if textField == "text" {
			return badRequest("message text is empty")
		}
		return badRequest("%s is empty", textField)
	case n > max && textField == "text":
		return badRequest("message is too long")
	case n > max && textField == "caption":
		return badRequest("message caption is too long")
	case n > max:
		return badRequest("%s is too long", textField)
	}
	return nil
}
