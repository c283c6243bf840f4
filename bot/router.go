package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// HandlerFunc handles one update. It returns an error instead of answering failures itself: the router
// turns a *userError into its localized message and anything else into a generic apology.
type HandlerFunc func(ctx context.Context, c *Ctx) error

// Router finds the handler of an update.
type Router struct {
	commands   map[string]HandlerFunc
	callbacks  map[string]HandlerFunc
	steps      map[string]HandlerFunc // typed input a conversation step waits for, by store.User.Step
	admin      map[string]bool        // admin-only commands and callback actions
	text       HandlerFunc            // plain text outside any step
	location   HandlerFunc            // a shared location outside any step
	pollAnswer HandlerFunc
}

func newRouter() *Router {
	return &Router{
		commands:  map[string]HandlerFunc{},
		callbacks: map[string]HandlerFunc{},
		steps:     map[string]HandlerFunc{},
		admin:     map[string]bool{},
	}
}

// Command registers /name.
func (r *Router) Command(name string, h HandlerFunc) { r.commands[name] = h }

// AdminCommand registers /name for admins; to anyone else it is exactly an unknown command.
func (r *Router) AdminCommand(name string, h HandlerFunc) {
	r.commands[name] = h
	r.admin["/"+name] = true
}

// Callback registers a button action.
func (r *Router) Callback(action string, h HandlerFunc) { r.callbacks[action] = h }

// AdminCallback registers a button action for admins; to anyone else it is an expired button.
func (r *Router) AdminCallback(action string, h HandlerFunc) {
	r.callbacks[action] = h
	r.admin[action] = true
}

// Step registers the handler of typed input while a user is in conversation step name.
func (r *Router) Step(name string, h HandlerFunc) { r.steps[name] = h }

// handle runs one update: recover, skip redeliveries, route, report errors, answer the callback, and make
// sure the update is marked handled.
func (b *Bot) handle(ctx context.Context, u tgbotapi.Update) {
	start := b.Now()
	c := &Ctx{b: b, Update: u, ChatID: chatKey(u)}
	outcome := "ok"
	b.Metrics.Update(updateKind(u))
	defer func() {
		if p := recover(); p != nil {
			b.panics.Add(1)
			outcome = "panic"
			b.Logger.Error("handler panic", "update_id", u.UpdateID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.apologize(ctx, c)
			b.markHandled(c) // a panicking update replayed at every start would panic at every start
		}
		// One line per update at info: ids, route and timing, never what the user wrote.
		d := b.Now().Sub(start)
		name := b.router.label(c)
		b.Metrics.Handled(name, outcome, d)
		b.Logger.Info("update", "update_id", u.UpdateID, "kind", updateKind(u), "handler", name, "outcome", outcome, "duration", d)
	}()

	if done, err := b.Store.Handled(u.UpdateID); err != nil {
		b.Logger.Error("read handled updates", "err", err)
	} else if done {
		outcome = "duplicate"
		return
	}
	from := sender(u)
	if from == nil {
		outcome = "ignored" // channel posts and other updates without a person behind them
		if _, err := b.Store.Apply(u.UpdateID, nil); err != nil {
			b.Logger.Error("mark update handled", "err", err)
		}
		return
	}
	if err := b.loadUser(c, from); err != nil {
		b.Logger.Error("load user", "err", err)
		outcome = "error"
		b.apologize(ctx, c)
		return
	}

	h := b.router.find(c)
	var err error
	if h != nil {
		err = h(ctx, c)
	}
	if err == nil && !c.applied {
		if c.touches() {
			err = c.Apply(nil)
		} else {
			_, err = b.Store.Apply(u.UpdateID, nil) // nothing changes, but the update leaves the inbox
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, errDuplicate):
		outcome = "duplicate"
	default:
		outcome = "error"
		var ue *userError
		if errors.As(err, &ue) {
			b.answerUserError(ctx, c, ue)
		} else {
			b.Logger.Error("handler failed", "update_id", u.UpdateID, "handler", c.handlerName(), "err", err)
			b.apologize(ctx, c)
		}
		// The refusal or apology was the answer: the update is done with. Left in the inbox, it would be
		// replayed at every start, and the user would read the same refusal again each time.
		b.markHandled(c)
	}
	if !c.answered && u.CallbackQuery != nil {
		_ = c.Toast(ctx, "", false) // every callback query is answered, or the user's button keeps spinning
	}
}

// markHandled takes an update whose handler failed out of the inbox, changing nothing else.
func (b *Bot) markHandled(c *Ctx) {
	if c.applied {
		return
	}
	if _, err := b.Store.Apply(c.Update.UpdateID, nil); err != nil {
		b.Logger.Error("mark update handled", "update_id", c.Update.UpdateID, "err", err)
	}
}

// touches reports whether the update is a person's action that counts as activity.
func (c *Ctx) touches() bool {
	u := c.Update
	return u.Message != nil || u.CallbackQuery != nil || u.PollAnswer != nil
}

// label names the route an update took, from the router's own names only: a command nobody registered
// (what the user typed) or an admin command refused to a non-admin is "/unknown", so neither logs nor
// metric labels carry user input.
func (r *Router) label(c *Ctx) string {
	if c.Command != "" {
		if r.commands[c.Command] == nil || (r.admin["/"+c.Command] && c.User != nil && !c.IsAdmin()) {
			return "/unknown"
		}
	}
	return c.handlerName()
}

func (c *Ctx) handlerName() string {
	switch {
	case c.Command != "":
		return "/" + c.Command
	case c.Action != "":
		return "cb:" + c.Action
	}
	return updateKind(c.Update)
}

func updateKind(u tgbotapi.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.PollAnswer != nil:
		return "poll_answer"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChannelPost != nil:
		return "channel_post"
	}
	return "other"
}

// sender is the person behind an update, or nil.
func sender(u tgbotapi.Update) *tgbotapi.User {
	switch {
	case u.Message != nil:
		return u.Message.From
	case u.EditedMessage != nil:
		return u.EditedMessage.From
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From
	case u.PollAnswer != nil:
		return &u.PollAnswer.User
	case u.MyChatMember != nil:
		return &u.MyChatMember.From
	}
	return nil
}

// loadUser reads the sender's record, or prepares a new one that the first Apply saves.
func (b *Bot) loadUser(c *Ctx, from *tgbotapi.User) error {
	u, err := b.Store.GetUser(from.ID)
	if errors.Is(err, store.ErrNotFound) {
		u = &store.User{ID: from.ID, DailyMinute: store.NoDailyTime}
		b.refreshProfile(u, c.Update, b.Now())
	} else if err != nil {
		return err
	}
	c.User = u
	c.Lang = userLang(u)
	return nil
}

// refreshProfile copies what Telegram tells about the sender onto their record.
func (b *Bot) refreshProfile(u *store.User, upd tgbotapi.Update, now time.Time) {
	if from := sender(upd); from != nil && from.ID == u.ID {
		u.FirstName, u.LastName, u.Username = from.FirstName, from.LastName, from.UserName
		if from.LanguageCode != "" {
			u.LanguageCode = from.LanguageCode
		}
	}
	if u.Created.IsZero() {
		u.Created = now
	}
	if upd.MyChatMember == nil {
		u.LastActive = now
		u.Blocked = false // whoever writes to the bot can receive from it
	}
}

// find picks the handler and fills the routing fields of c.
func (r *Router) find(c *Ctx) HandlerFunc {
	u := c.Update
	switch {
	case u.Message != nil:
		return r.findMessage(c, u.Message)
	case u.CallbackQuery != nil:
		action, args, ok := parseCallback(u.CallbackQuery.Data)
		h := r.callbacks[action]
		if !ok || h == nil || (r.admin[action] && !c.IsAdmin()) {
			return handleStaleButton
		}
		c.Action, c.Data = action, args
		return h
	case u.PollAnswer != nil:
		return r.pollAnswer
	case u.MyChatMember != nil:
		return handleMembership
	}
	return nil // edited messages change nothing: the original was handled when it arrived
}

func (r *Router) findMessage(c *Ctx, m *tgbotapi.Message) HandlerFunc {
	if m.Chat == nil || !m.Chat.IsPrivate() {
		return nil // Tavan talks to people one to one
	}
	if name, args, ok := parseCommand(m, c.b.Username); ok {
		c.Command, c.Args, c.clearStep = name, args, true
		h := r.commands[name]
		if h == nil || (r.admin["/"+name] && !c.IsAdmin()) {
			return handleUnknownCommand
		}
		return h
	}
	// A step the user started on purpose (feedback, a search, an admin's answer, a consultant's summary …)
	// takes their next message, even during a consultation: relayed, a learner's feedback about their
	// consultant would reach the consultant. A session takes over the chat by clearing stale steps when it
	// begins (handleTake).
	if step := c.User.Step; step != "" {
		if h := r.steps[step]; h != nil {
			return h
		}
	}
	// The consultants club (consult_relay.go): a learner or consultant in an open session is talking to
	// the other side, so their messages are relayed before the text handler sees them.
	if c.b.inConsultSession(c) {
		return c.b.handleRelay
	}
	switch {
	case m.Text != "":
		if r.text != nil {
			return r.text
		}
	case m.Location != nil && r.location != nil:
		return r.location
	}
	return handleUnexpected
}

// parseCommand reads "/name@bot args". A command addressed to another bot is not ours.
func parseCommand(m *tgbotapi.Message, username string) (name, args string, ok bool) {
	text := m.Text
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	word, rest, _ := strings.Cut(text, " ")
	word = strings.TrimPrefix(word, "/")
	if at := strings.IndexByte(word, '@'); at >= 0 {
		if !strings.EqualFold(word[at+1:], username) {
			return "", "", false
		}
		word = word[:at]
	}
	if word == "" || len(word) > 32 {
		return "", "", false
	}
	return strings.ToLower(word), strings.TrimSpace(rest), true
}

func handleStaleButton(ctx context.Context, c *Ctx) error {
	return c.Toast(ctx, c.T("ButtonExpired"), false)
}

func handleUnknownCommand(ctx context.Context, c *Ctx) error {
	_, err := c.Reply(ctx, c.T("UnknownCommand"), nil)
	return err
}

// handleUnexpected answers stickers, media, or text the bot has no use for right now.
func handleUnexpected(ctx context.Context, c *Ctx) error {
	id := "UnexpectedMedia"
	if c.Update.Message.Text != "" {
		id = "UnexpectedText"
	}
	_, err := c.Reply(ctx, c.T(id), nil)
	return err
}

func (b *Bot) answerUserError(ctx context.Context, c *Ctx, ue *userError) {
	text := c.T(ue.id, ue.kv...)
	if c.Update.CallbackQuery != nil && !c.answered {
		_ = c.Toast(ctx, truncateRunes(text, 200), true)
		return
	}
	if _, err := c.Reply(ctx, text, nil); err != nil {
		b.Logger.Warn("send error message", "err", err)
	}
}

// apologize tells the user something went wrong, without Go error text.
func (b *Bot) apologize(ctx context.Context, c *Ctx) {
	lang := c.Lang
	if lang == "" {
		lang = "fa"
	}
	text := b.Texts.T(lang, "SomethingWentWrong")
	if c.Update.CallbackQuery != nil && !c.answered {
		c.answered = true
		_, _ = b.API.Request(tgbotapi.NewCallbackWithAlert(c.Update.CallbackQuery.ID, text))
		return
	}
	if c.ChatID != 0 {
		_, _ = b.sendText(ctx, c.ChatID, text, nil)
	}
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
