package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// HandlerFunc handles one update. It returns an error instead of answering failures itself: the router
// turns an error made by Ctx.Fail into its localized message and anything else into a generic apology.
type HandlerFunc func(ctx context.Context, c *Ctx) error

// Guard decides whether the sender may use a route, on every request. A refused command reads exactly
// like an unknown one and a refused button like an expired one, so a route's existence does not leak.
type Guard func(c *Ctx) bool

// AdminOnly lets admins through.
func AdminOnly(c *Ctx) bool { return c.IsAdmin() }

// Router finds the handler of an update.
type Router struct {
	commands   map[string]route
	callbacks  map[Action]route
	steps      map[string]route // typed input a conversation step waits for, by store.User.Step
	text       HandlerFunc      // plain text outside any step
	location   HandlerFunc      // a shared location outside any step
	pollAnswer HandlerFunc
	intercepts []func(c *Ctx) HandlerFunc // messages outside a step that a feature takes over (a consultation)
	problems   []string
}

type route struct {
	h      HandlerFunc
	guards []Guard
}

func (r route) allows(c *Ctx) bool {
	for _, g := range r.guards {
		if !g(c) {
			return false
		}
	}
	return true
}

func newRouter() *Router {
	return &Router{
		commands:  map[string]route{},
		callbacks: map[Action]route{},
		steps:     map[string]route{},
	}
}

// Routes registers commands, buttons and steps, each behind the guards it was made with.
type Routes struct {
	r      *Router
	guards []Guard
}

// Routes returns a registrar whose routes pass every guard first (none: open to everyone).
func (b *Bot) Routes(guards ...Guard) Routes { return Routes{b.router, guards} }

// Command registers /name.
func (rs Routes) Command(name string, h HandlerFunc) {
	if _, ok := rs.r.commands[name]; ok {
		rs.r.problems = append(rs.r.problems, "command /"+name+" twice")
	}
	rs.r.commands[name] = route{h, rs.guards}
}

// Callback registers a button action.
func (rs Routes) Callback(a Action, h HandlerFunc) {
	if _, ok := rs.r.callbacks[a]; ok {
		rs.r.problems = append(rs.r.problems, "button action "+string(a)+" twice")
	}
	rs.r.callbacks[a] = route{h, rs.guards}
}

// Step registers the handler of typed input while a user is in conversation step name.
func (rs Routes) Step(name string, h HandlerFunc) {
	if _, ok := rs.r.steps[name]; ok {
		rs.r.problems = append(rs.r.problems, "step "+name+" twice")
	}
	rs.r.steps[name] = route{h, rs.guards}
}

// OnText handles plain text outside any step.
func (b *Bot) OnText(h HandlerFunc) {
	if b.router.text != nil {
		b.router.problems = append(b.router.problems, "text handler twice")
	}
	b.router.text = h
}

// OnLocation handles a shared location outside any step.
func (b *Bot) OnLocation(h HandlerFunc) {
	if b.router.location != nil {
		b.router.problems = append(b.router.problems, "location handler twice")
	}
	b.router.location = h
}

// OnPollAnswer handles answers to the bot's quiz polls.
func (b *Bot) OnPollAnswer(h HandlerFunc) {
	if b.router.pollAnswer != nil {
		b.router.problems = append(b.router.problems, "poll answer handler twice")
	}
	b.router.pollAnswer = h
}

// Intercept lets a feature take a private message that no step waits for before the text and location
// handlers see it: it returns the handler, or nil to pass.
func (b *Bot) Intercept(fn func(c *Ctx) HandlerFunc) {
	b.router.intercepts = append(b.router.intercepts, fn)
}

// RouteInfo describes a registered route, for tests that walk every route.
type RouteInfo struct {
	Kind    string // "command", "callback" or "step"
	Name    string
	Guarded bool
}

// RouteList lists every registered command, button action and step.
func (b *Bot) RouteList() []RouteInfo {
	var out []RouteInfo
	for n, r := range b.router.commands {
		out = append(out, RouteInfo{"command", n, len(r.guards) > 0})
	}
	for a, r := range b.router.callbacks {
		out = append(out, RouteInfo{"callback", string(a), len(r.guards) > 0})
	}
	for n, r := range b.router.steps {
		out = append(out, RouteInfo{"step", n, len(r.guards) > 0})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// handle runs one update: recover, route, report errors, answer the callback. Its caller then hands the
// update to the finisher — in every case: a refusal, an apology or a panic was the answer too, and an
// update left in the inbox would be replayed (and refused, or panic) at every start. An update whose state change was applied before a crash
// (handled, yet still in the inbox) is replayed: its handler runs again to answer, and its change is
// rehearsed and rolled back, never applied twice.
func (b *Bot) handle(ctx context.Context, u tgbotapi.Update, received time.Time) {
	start := b.Now()
	c := &Ctx{b: b, Voice: b.Voice(""), Update: u, ChatID: chatKey(u), received: received}
	ctx = context.WithValue(ctx, ctxKey{}, c)
	b.noteUpdate(c.ChatID) // this chat is talking to the bot: what we send it now are replies
	outcome := "ok"
	b.Metrics.Update(updateKind(u))
	defer func() {
		if p := recover(); p != nil {
			b.panics.Add(1)
			outcome = "panic"
			b.Logger.Error("handler panic", "update_id", u.UpdateID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.apologize(ctx, c)
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
		c.replay = true
		outcome = "replay"
	}
	from := sender(u)
	if from == nil || !private(u) {
		// Channel posts, updates without a person behind them, and anything from a group: Tavan talks to
		// people one to one, and a group's members are not learners.
		outcome = "ignored"
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
	if err == nil && !c.applied && c.touches() && !c.replay {
		err = c.Apply(nil) // activity: last seen, the day's active learners
	}
	switch {
	case err == nil:
	case errors.Is(err, ErrDuplicate):
		outcome = "duplicate"
	case IsGone(err):
		// The learner blocked the bot (or the chat is gone): nothing more can reach them, not even an
		// apology. They stop getting messages until they come back.
		outcome = "gone"
		if err := b.markGone(c.ChatID); err != nil {
			b.Logger.Warn("mark chat gone", "err", err)
		}
	default:
		outcome = "error"
		var ue *userError
		if errors.As(err, &ue) {
			b.answerUserError(ctx, c, ue)
		} else {
			b.Logger.Error("handler failed", "update_id", u.UpdateID, "handler", b.router.label(c), "err", err)
			b.apologize(ctx, c)
		}
	}
	if !c.answered && u.CallbackQuery != nil {
		_ = c.Toast(ctx, "", false) // every callback query is answered, or the user's button keeps spinning
	}
}

// private reports whether the update comes from a private chat (or has no chat: poll answers).
func private(u tgbotapi.Update) bool {
	var chat *tgbotapi.Chat
	switch {
	case u.Message != nil:
		chat = u.Message.Chat
	case u.EditedMessage != nil:
		chat = u.EditedMessage.Chat
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil:
		chat = u.CallbackQuery.Message.Chat
	case u.MyChatMember != nil:
		chat = &u.MyChatMember.Chat
	}
	return chat == nil || chat.IsPrivate()
}

// touches reports whether the update is a person's action that counts as activity.
func (c *Ctx) touches() bool {
	u := c.Update
	return u.Message != nil || u.CallbackQuery != nil || u.PollAnswer != nil
}

// label names the route an update took, from the router's own names only: a command nobody registered
// (what the user typed) or a guarded command refused to this sender is "/unknown", so neither logs nor
// metric labels carry user input.
func (r *Router) label(c *Ctx) string {
	if c.Command != "" {
		rt, ok := r.commands[c.Command]
		if !ok || (c.User != nil && !rt.allows(c)) {
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
		return "cb:" + string(c.Action)
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
	c.Lang = UserLang(u)
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
		rt, known := r.callbacks[action]
		if !ok || !known || !rt.allows(c) {
			return HandleStaleButton
		}
		c.Action, c.Data = action, args
		return rt.h
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
		rt, known := r.commands[name]
		if !known || !rt.allows(c) {
			return HandleUnknownCommand
		}
		return rt.h
	}
	// A step the user started on purpose (feedback, a search, an admin's answer, a consultant's summary …)
	// takes their next message, even during a consultation: relayed, a learner's feedback about their
	// consultant would reach the consultant. A session takes over the chat by clearing stale steps when it
	// begins.
	if step := c.User.Step; step != "" {
		if rt, ok := r.steps[step]; ok && rt.allows(c) {
			return rt.h
		}
	}
	// A feature that owns the conversation now (a consultation relays both ways) takes the message before
	// the text handler sees it.
	for _, fn := range r.intercepts {
		if h := fn(c); h != nil {
			return h
		}
	}
	switch {
	case m.Text != "":
		if r.text != nil {
			return r.text
		}
	case m.Location != nil && r.location != nil:
		return r.location
	}
	return HandleUnexpected
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

// HandleStaleButton answers a button the bot no longer knows (or a forged one).
func HandleStaleButton(ctx context.Context, c *Ctx) error {
	return c.Toast(ctx, c.T("ButtonExpired"), false)
}

// HandleUnknownCommand answers a command nobody registered, with the main menu (mainmenu.go).
func HandleUnknownCommand(ctx context.Context, c *Ctx) error {
	return replyWithMainMenu(ctx, c, c.T("UnknownCommand"))
}

// HandleUnexpected answers stickers, media, or text the bot has no use for right now (a stale step's
// input included), with the main menu.
func HandleUnexpected(ctx context.Context, c *Ctx) error {
	id := "UnexpectedMedia"
	if c.Update.Message.Text != "" {
		id = "UnexpectedText"
	}
	return replyWithMainMenu(ctx, c, c.T(id))
}

func (b *Bot) answerUserError(ctx context.Context, c *Ctx, ue *userError) {
	text := c.T(ue.id, ue.kv...)
	if c.Update.CallbackQuery != nil && !c.answered {
		_ = c.Toast(ctx, Truncate(text, 200), true)
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
		_ = c.Toast(ctx, text, true)
		return
	}
	if c.ChatID != 0 {
		_, _ = b.SendText(ctx, c.ChatID, text, nil)
	}
}

// Truncate cuts s to at most n characters, ending with "…" when cut.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
