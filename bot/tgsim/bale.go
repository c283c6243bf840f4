package tgsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// The Bale profile: what differs when Options.Platform is "bale". doc.go lists the facts and which of
// them come from Bale's documentation only.

// Platforms a Server emulates.
const (
	PlatformTelegram = "telegram"
	PlatformBale     = "bale"
)

// Platform returns the platform the server emulates: "telegram" or "bale".
func (s *Server) Platform() string {
	if s.bale {
		return PlatformBale
	}
	return PlatformTelegram
}

// baleMethods are the Bot API methods Bale serves. Those tgsim does not emulate (getChatMember,
// sendMediaGroup, sendInvoice …) answer as on Telegram: 404 with a violation naming them.
var baleMethods = map[string]bool{
	"getMe": true, "logOut": true, "close": true,
	"getUpdates": true, "setWebhook": true, "deleteWebhook": true, "getWebhookInfo": true,
	"sendMessage": true, "forwardMessage": true, "copyMessage": true,
	"sendPhoto": true, "sendAudio": true, "sendDocument": true, "sendVideo": true, "sendAnimation": true,
	"sendVoice": true, "sendMediaGroup": true, "sendLocation": true, "sendContact": true,
	"sendChatAction": true, "getFile": true, "getChat": true, "getChatMember": true,
	"getChatAdministrators": true, "getChatMemberCount": true, "answerCallbackQuery": true,
	"editMessageText": true, "editMessageCaption": true, "editMessageReplyMarkup": true, "deleteMessage": true,
	"sendInvoice": true, "answerPreCheckoutQuery": true,
	"banChatMember": true, "unbanChatMember": true, "promoteChatMember": true, "leaveChat": true,
	"setChatTitle": true, "setChatDescription": true, "setChatPhoto": true, "deleteChatPhoto": true,
	"pinChatMessage": true, "unpinChatMessage": true, "unpinAllChatMessages": true,
	"createChatInviteLink": true, "revokeChatInviteLink": true, "exportChatInviteLink": true,
}

// baleKnownAbsent are the absent methods the bot must know from its profile: calling one even once is a
// violation. Other absent methods (setMyCommands, sendSticker …) may be probed once per process.
var baleKnownAbsent = map[string]bool{"sendPoll": true, "stopPoll": true, "sendVenue": true, "sendDice": true}

// baleUpdates are the only update kinds Bale delivers.
var baleUpdates = []string{"message", "edited_message", "callback_query", "pre_checkout_query"}

// serveBaleAbsent answers a method Bale lacks the way Bale's HTTP front does: 404 with a plain-text
// body, which tgbotapi reports as a JSON decode error rather than a *tgbotapi.Error.
func (s *Server) serveBaleAbsent(w http.ResponseWriter, r *http.Request, method string, vals map[string]string, files map[string]*upload) {
	s.mu.Lock()
	isReal := s.spec.isRealMethod(method)
	if isReal {
		method = s.spec.canonical(method)
	}
	s.calls[method]++
	switch {
	case !isReal:
		s.recordViolation(method, vals, files, 404, "Not Found: not a Bot API method")
	case baleKnownAbsent[method]:
		s.recordViolation(method, vals, files, 404, "Not Found: Bale has no "+method+"; the bot's Bale profile must not call it")
	case s.probed[method]:
		s.recordViolation(method, vals, files, 404, "Not Found: "+method+
			" called again after Bale answered 404; the bot must turn the capability off for the process")
	}
	s.probed[method] = true
	s.mu.Unlock()
	http.NotFound(w, r)
}

// baleParseFields carry formatting Bale does not have: whatever they ask for, the learner gets Bale Markdown.
var baleParseFields = []string{"parse_mode", "entities", "caption_entities", "explanation_parse_mode",
	"explanation_entities", "question_parse_mode", "question_entities"}

// baleInlineActions and baleReplyRequests are the button kinds Bale documents.
var (
	baleInlineActions = []string{"url", "callback_data", "web_app", "copy_text"}
	baleReplyRequests = []string{"request_contact", "request_location"}
)

// baleCheck applies Bale's rules to a request the spec validation accepted. What Bale would refuse is
// answered 400; what Bale would silently ignore (parse_mode, secret_token, allowed_updates, force_reply) is
// a violation recorded with code 0 and dropped from the request, so the rest is served as Bale would.
// Callers hold s.mu.
func (s *Server) baleCheck(c *call) *apiError {
	var soft []string
	for _, f := range baleParseFields {
		if c.has(f) {
			soft = append(soft, fmt.Sprintf("%s sent to Bale, which has no parse modes or entities: the learner sees the text as Bale Markdown", f))
			delete(c.p, f)
		}
	}
	switch c.method {
	case "getUpdates":
		if c.has("allowed_updates") {
			soft = append(soft, "allowed_updates sent to Bale, which has no such parameter")
			delete(c.p, "allowed_updates")
		}
	case "setWebhook":
		for _, f := range sortedKeys(c.p) {
			if f != "url" {
				soft = append(soft, fmt.Sprintf("%s sent to Bale's setWebhook, which takes the url only", f))
				delete(c.p, f)
			}
		}
		if u, err := url.Parse(c.str("url")); err == nil && c.str("url") != "" {
			if p := u.Port(); p != "" && p != "443" && p != "88" {
				return badRequest("bad webhook: Webhook can be set up only on ports 443 or 88")
			}
		}
	case "sendChatAction":
		if c.str("action") == "upload_document" {
			return badRequest("wrong parameter action in request (Bale has no upload_document)")
		}
	case "answerCallbackQuery":
		soft = append(soft, rawHTML("text", c.str("text"))...)
	}
	if c.has("reply_markup") {
		hard, force := baleMarkupProblems(c.str("reply_markup"))
		if hard != "" {
			return badRequest("%s", hard)
		}
		if force {
			soft = append(soft, "reply_markup force_reply sent to Bale, which has no ForceReply: the prompt gets no reply field")
			delete(c.p, "reply_markup")
		}
	}
	if len(soft) > 0 {
		s.recordViolation(c.method, c.p, c.files, 0, strings.Join(soft, "; "))
	}
	return nil
}

// baleMarkupProblems reports a keyboard button Bale does not have (hard) and a ForceReply markup.
func baleMarkupProblems(raw string) (hard string, force bool) {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	var obj struct {
		Inline   [][]map[string]json.RawMessage `json:"inline_keyboard"`
		Keyboard [][]json.RawMessage            `json:"keyboard"`
		Force    bool                           `json:"force_reply"`
	}
	if dec.Decode(&obj) != nil {
		return "", false // parseMarkup answers it
	}
	for _, row := range obj.Inline {
		for _, b := range row {
			for _, k := range sortedKeys(b) {
				if k != "text" && !slices.Contains(baleInlineActions, k) {
					return fmt.Sprintf("Bale has no %s inline buttons (only url, callback_data, web_app, copy_text)", k), false
				}
			}
		}
	}
	for _, row := range obj.Keyboard {
		for _, raw := range row {
			var b map[string]json.RawMessage
			if json.Unmarshal(raw, &b) != nil {
				continue // a plain string button
			}
			for _, k := range sortedKeys(b) {
				if (strings.HasPrefix(k, "request_") && !slices.Contains(baleReplyRequests, k)) || k == "web_app" {
					return fmt.Sprintf("Bale has no %s keyboard buttons (only request_contact, request_location)", k), false
				}
			}
		}
	}
	return "", obj.Force
}

// telegramHTML finds Telegram HTML that Bale would show verbatim: formatting tags and character entities.
var telegramHTML = regexp.MustCompile(`(?i)</?(b|strong|i|em|u|ins|s|strike|del|a|code|pre|span|tg-spoiler|tg-emoji|blockquote)(\s[^>]*)?>|&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-f]+);`)

// rawHTML lists the Telegram HTML in a field's text, which a Bale learner would see as raw tags.
func rawHTML(field, text string) []string {
	found := telegramHTML.FindAllString(text, 3)
	if len(found) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s contains Telegram HTML %q that Bale shows raw to the learner", field, found)}
}

// baleFormat is format on Bale: the text is Bale Markdown whatever the request says (baleCheck already
// recorded any parse_mode). Captions of one media may be as long as a message.
func (s *Server) baleFormat(c *call, textField string, max int, required bool) (formatted, *apiError) {
	f := formatted{text: c.str(textField)}
	if textField == "caption" {
		max = 4096
	}
	var soft []string
	soft = append(soft, rawHTML(textField, f.text)...)
	plain, styled, broken := renderBaleMarkdown(f.text)
	for _, b := range broken {
		soft = append(soft, fmt.Sprintf("%s is broken Bale Markdown: %s", textField, b))
	}
	if len(soft) > 0 {
		s.recordViolation(c.method, c.p, c.files, 0, strings.Join(soft, "; "))
	}
	f.plain, f.styled = plain, styled
	// Bale's limits are taken to count the text as sent, markers included, in UTF-16 units (the length
	// its Java-family server sees): never less than what the learner sees.
	n := utf16Len(f.text)
	if e := lengthError(textField, f.plain, n, max, required); e != nil {
		return f, e
	}
	return f, nil
}

// WebhookRequest returns the POST the platform makes to the bot's webhook for the queued update updateID:
// its JSON to the webhook URL, with X-Telegram-Bot-Api-Secret-Token on Telegram when a secret was set and
// never on Bale. tgsim does not dial out: a test serves the request to the bot's handler itself
// (handler.ServeHTTP(httptest.NewRecorder(), req)). Nil, with an entry in Errors, when no webhook is set
// or the update is not queued (the bot confirmed it by getUpdates).
func (s *Server) WebhookRequest(updateID int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook.url == "" {
		s.recordError("WebhookRequest: the bot set no webhook")
		return nil
	}
	i := slices.IndexFunc(s.queue, func(u update) bool { return u.id == updateID })
	if i < 0 {
		s.recordError("WebhookRequest: update %d is not queued", updateID)
		return nil
	}
	req := httptest.NewRequest(http.MethodPost, s.webhook.url, bytes.NewReader(s.queue[i].raw))
	req.Header.Set("Content-Type", "application/json")
	if s.webhook.secret != "" && !s.bale {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", s.webhook.secret)
	}
	return req
}
