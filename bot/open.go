package bot

import (
	"context"
	"errors"
)

// Opening an item from another feature's screen: a feature that owns a kind of item (lessons, library
// items, events …) says which button opens one, and a feature that shows such items elsewhere (the
// answers of Ask Tavan) draws that button without knowing the owner. Kinds are short words: "lesson",
// "library", "resource", "centre", "story", "event".

// Opens registers how a button opens an item of kind: data returns its callback data (at most 64
// bytes), or "" when the id cannot be opened.
func (b *Bot) Opens(kind string, data func(id string) string) {
	if b.reg.openers == nil {
		b.reg.openers = map[string]func(string) string{}
	}
	if _, ok := b.reg.openers[kind]; ok {
		b.reg.clash("opener of %q twice", kind)
	}
	b.reg.openers[kind] = data
}

// OpenData is the callback data of a button that opens the item id of kind; false when no feature
// opens that kind or the id does not fit a button.
func (b *Bot) OpenData(kind, id string) (string, bool) {
	fn := b.reg.openers[kind]
	if fn == nil {
		return "", false
	}
	data := fn(id)
	if data == "" || len(data) > 64 {
		return "", false
	}
	return data, true
}

// Handing a question to a human: a feature that can (the consultants club) offers it, and a feature that
// meets a question it cannot answer (Ask Tavan) hands it over. The question is the learner's own message,
// so the receiver can copy it as written instead of keeping its words.

// Handoff is a learner's question for a human.
type Handoff struct {
	MessageID int    // the question's message in the learner's chat
	Length    int    // its length in characters (the receiver may ask for more words)
	Topic     string // a guess at its topic: the club's topic ids, "" when unknown
}

// HandoffFunc takes a learner's question to a human, answering the learner in c (it may refuse, as the
// club refuses a learner over the daily limit, with c.Fail).
type HandoffFunc func(ctx context.Context, c *Ctx, h Handoff) error

// OfferHandoff registers the one feature that takes questions to humans.
func (b *Bot) OfferHandoff(fn HandoffFunc) {
	if b.reg.handoff != nil {
		b.reg.clash("handoff twice")
	}
	b.reg.handoff = fn
}

// CanHandOff reports whether a feature takes questions to humans.
func (b *Bot) CanHandOff() bool { return b.reg.handoff != nil }

// ErrNoHandoff means no feature takes questions to humans.
var ErrNoHandoff = errors.New("bot: no feature takes questions to humans")

// HandOff gives a question to the feature that takes questions to humans.
func (b *Bot) HandOff(ctx context.Context, c *Ctx, h Handoff) error {
	if b.reg.handoff == nil {
		return ErrNoHandoff
	}
	return b.reg.handoff(ctx, c, h)
}
