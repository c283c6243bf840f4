package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/tghtml"
)

// Platform is what differs between the messengers whose Bot API Tavan speaks. One process serves one
// platform (TAVAN_PLATFORM) with its own database; features read b.Platform and b.Supports instead of
// naming a messenger.
type Platform struct {
	Name          string   // "telegram" or "bale"
	APIURL        string   // the Bot API's base URL unless TELEGRAM_API_URL says otherwise
	LinkBase      string   // a deep link is LinkBase + the bot's username + "?start=" + payload
	ShareURL      string   // the page that shares a link to a chat the user picks ("" = none)
	Markdown      bool     // no parse_mode: texts go as Bale Markdown rendered from the bot's HTML
	QuizPolls     bool     // native quiz polls answered by poll_answer updates; otherwise quizzes are buttons
	MemberUpdates bool     // my_chat_member says at once that a learner blocked the bot; otherwise 403s do
	SecretHeader  bool     // the webhook carries the secret in a header; otherwise in a path segment
	FilterUpdates bool     // getUpdates and setWebhook take allowed_updates
	PaidBroadcast bool     // allow_paid_broadcast (Telegram Stars)
	CaptionMax    int      // characters in the caption of a single media
	Absent        []string // methods the platform lacks: the bot never calls them
	Unsure        []string // methods that may be missing: the first "not found" turns one off for the process
}

// The platforms Tavan runs on. Bale's profile comes from its documentation and maintained Bale
// libraries (README "Telegram and Bale" says which facts were confirmed how).
var (
	TelegramPlatform = Platform{
		Name: "telegram", APIURL: "https://api.telegram.org", LinkBase: "https://t.me/", ShareURL: "https://t.me/share/url",
		QuizPolls: true, MemberUpdates: true, SecretHeader: true, FilterUpdates: true, PaidBroadcast: true,
		CaptionMax: 1024,
	}
	BalePlatform = Platform{
		Name: "bale", APIURL: "https://tapi.bale.ai", LinkBase: "https://ble.ir/",
		Markdown: true, CaptionMax: 4096,
		Absent: []string{"sendPoll", "stopPoll", "sendVenue", "sendDice"},
		Unsure: []string{"setMyCommands", "sendSticker"},
	}
)

// PlatformNamed is the platform called name ("telegram" or "bale").
func PlatformNamed(name string) (Platform, bool) {
	for _, p := range []Platform{TelegramPlatform, BalePlatform} {
		if p.Name == name {
			return p, true
		}
	}
	return Platform{}, false
}

// DeepLink is the link that opens the bot with /start payload.
func (b *Bot) DeepLink(payload string) string {
	return b.Platform.LinkBase + b.Username + "?start=" + payload
}

// Supports reports whether method may be called: the platform has it and no "not found" turned it off.
func (b *Bot) Supports(method string) bool {
	return !slices.Contains(b.Platform.Absent, method) && !b.api.off(method)
}

// SendVenue sends a place the learner can open in their map: a venue, or where the platform has none,
// its title and address as text followed by the location.
func (b *Bot) SendVenue(ctx context.Context, chatID int64, title, address string, lat, lon float64) error {
	if b.Supports("sendVenue") {
		_, err := b.Send(ctx, tgbotapi.NewVenue(chatID, title, address, lat, lon))
		return err
	}
	if _, err := b.SendText(ctx, chatID, "📍 <b>"+tghtml.Escape(title)+"</b>\n"+tghtml.Escape(address), nil); err != nil {
		return err
	}
	_, err := b.Send(ctx, tgbotapi.NewLocation(chatID, lat, lon))
	return err
}

// ErrUnsupported is returned for a call to a method the platform lacks or that answered "not found".
var ErrUnsupported = errors.New("method not supported by this platform")

// platformAPI is Deps.API seen through the platform: on Bale every text is rendered from the bot's
// Telegram HTML to Bale Markdown (one renderer at the send path, so no template or lesson needs a Bale
// copy), and an unsure method that answers "not found" is turned off for the process, with one log line.
type platformAPI struct {
	Telegram
	b   *Bot
	mu  sync.Mutex
	dis map[string]bool
}

func (a *platformAPI) off(method string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.dis[method]
}

func (a *platformAPI) Send(c tgbotapi.Chattable) (tgbotapi.Message, error) {
	method := methodOf(c)
	if err := a.check(method); err != nil {
		return tgbotapi.Message{}, err
	}
	c, err := a.render(c)
	if err != nil {
		return tgbotapi.Message{}, err
	}
	m, err := a.Telegram.Send(c)
	return m, a.noteMissing(method, err)
}

func (a *platformAPI) Request(c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	method := methodOf(c)
	if err := a.check(method); err != nil {
		return nil, err
	}
	c, err := a.render(c)
	if err != nil {
		return nil, err
	}
	resp, err := a.Telegram.Request(c)
	return resp, a.noteMissing(method, err)
}

func (a *platformAPI) MakeRequest(method string, p tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	if err := a.check(method); err != nil {
		return nil, err
	}
	if a.b.Platform.Markdown && p["parse_mode"] == tgbotapi.ModeHTML {
		q := make(tgbotapi.Params, len(p))
		for k, v := range p {
			q[k] = v
		}
		delete(q, "parse_mode")
		for _, field := range []string{"text", "caption"} {
			if v, ok := q[field]; ok {
				md, err := a.markdown(v, field == "caption")
				if err != nil {
					return nil, err
				}
				q[field] = md
			}
		}
		p = q
	}
	resp, err := a.Telegram.MakeRequest(method, p)
	return resp, a.noteMissing(method, err)
}

func (a *platformAPI) check(method string) error {
	if slices.Contains(a.b.Platform.Absent, method) || a.off(method) {
		return fmt.Errorf("%s: %w", method, ErrUnsupported)
	}
	return nil
}

// noteMissing turns an unsure method off when the server says it does not exist: a 404, or a body that
// is not the Bot API's JSON (tgbotapi then fails to decode it). Other methods are never turned off: a
// proxy's error page on sendMessage is an outage, not a missing method.
func (a *platformAPI) noteMissing(method string, err error) error {
	if err == nil || !slices.Contains(a.b.Platform.Unsure, method) {
		return err
	}
	var tgErr *tgbotapi.Error
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if !(errors.As(err, &tgErr) && tgErr.Code == 404) && !errors.As(err, &syntax) && !errors.As(err, &typ) {
		return err
	}
	a.mu.Lock()
	first := !a.dis[method]
	if a.dis == nil {
		a.dis = map[string]bool{}
	}
	a.dis[method] = true
	a.mu.Unlock()
	if first {
		a.b.Logger.Warn("the platform has no such method; turned off for this process", "platform", a.b.Platform.Name, "method", method)
	}
	return fmt.Errorf("%s: %w", method, ErrUnsupported)
}

// render rewrites a request for the platform: on Bale, HTML text and captions become Bale Markdown and
// parse_mode goes. It works on any tgbotapi config by its Text/Caption/ParseMode fields, so a request
// type added later is rendered too.
func (a *platformAPI) render(c tgbotapi.Chattable) (tgbotapi.Chattable, error) {
	if !a.b.Platform.Markdown {
		return c, nil
	}
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Struct {
		return c, nil
	}
	mode := v.FieldByName("ParseMode")
	if !mode.IsValid() || mode.Kind() != reflect.String || mode.String() != tgbotapi.ModeHTML {
		return c, nil
	}
	copyOf := reflect.New(v.Type()).Elem()
	copyOf.Set(v)
	for _, field := range []string{"Text", "Caption"} {
		f := copyOf.FieldByName(field)
		if !f.IsValid() || f.Kind() != reflect.String {
			continue
		}
		md, err := a.markdown(f.String(), field == "Caption")
		if err != nil {
			return nil, err
		}
		f.SetString(md)
	}
	copyOf.FieldByName("ParseMode").SetString("")
	out, ok := copyOf.Interface().(tgbotapi.Chattable)
	if !ok {
		return c, nil
	}
	return out, nil
}

// markdown renders one text or caption as Bale Markdown. Texts are split and checked by their length on
// Telegram (after HTML parsing); the markers and link targets Bale Markdown adds could push a text that
// fit over the limit, and then it goes as plain text, which is never longer than what Telegram counted.
func (a *platformAPI) markdown(html string, caption bool) (string, error) {
	md, err := tghtml.BaleMarkdown(html)
	if err != nil {
		return "", fmt.Errorf("render for %s: %w", a.b.Platform.Name, err)
	}
	limit := 4096
	if caption {
		limit = a.b.Platform.CaptionMax
	}
	if tghtml.UTF16Len(md) <= limit {
		return md, nil
	}
	plain, _ := tghtml.Plain(html)
	return tghtml.BalePlain(plain), nil
}
