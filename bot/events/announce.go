package events

// New events are announced to the learners of their tracks (everyone, for an event without tracks) who
// want to hear of them: a choice in /settings, offered after a learner's first RSVP. A learner who has
// not chosen hears of them when they have ever RSVPed (they showed an interest in events), and not
// otherwise. The announcement is a bulk outbox notice per learner (the global rate and quiet hours
// apply), fanned out by the events loop in batches of announceBatch learners per transaction and
// resumed from its cursor (Event.AnnouncedTo) after a restart.

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

const announceBatch = 500

// wantsEventNews reports whether u hears of new events.
func wantsEventNews(tx *store.Tx, u *store.User) (bool, error) {
	if on, chosen := tx.EventNews(u.ID); chosen {
		return on, nil
	}
	rs, err := tx.UserRSVPs(u.ID)
	return len(rs) > 0, err
}

// newsSettingsRow is the /settings line and button for new-event announcements.
func (f *Feature) newsSettingsRow(c *bot.Ctx) ([]string, []tgbotapi.InlineKeyboardButton) {
	on := false
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		on, err = wantsEventNews(tx, c.User)
		return err
	}); err != nil {
		f.Logger.Warn("read event news choice", "err", err)
		return nil, nil
	}
	state, button, next := "EvNewsOn", "EvNewsTurnOff", "0"
	if !on {
		state, button, next = "EvNewsOff", "EvNewsTurnOn", "1"
	}
	return []string{c.T("EvNewsSetting", "State", c.T(state))},
		[]tgbotapi.InlineKeyboardButton{tgbotapi.NewInlineKeyboardButtonData(c.T(button), actEventNews.Data(next, "s"))}
}

// handleEventNews records a learner's choice: from /settings (then the screen is redrawn) or from the
// question on an event card (then the card is redrawn without it).
func (f *Feature) handleEventNews(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) < 2 || (c.Data[0] != "0" && c.Data[0] != "1") {
		return bot.HandleStaleButton(ctx, c)
	}
	var eventID int64
	switch {
	case c.Data[1] == "s" && len(c.Data) == 2:
	case c.Data[1] == "c" && len(c.Data) == 3:
		id, err := strconv.ParseInt(c.Data[2], 10, 64)
		if err != nil {
			return bot.HandleStaleButton(ctx, c)
		}
		eventID = id
	default:
		return bot.HandleStaleButton(ctx, c)
	}
	on := c.Data[0] == "1"
	if err := c.ApplyTx(func(tx *store.Tx) error { return tx.SetEventNews(c.User.ID, on) }); err != nil {
		return err
	}
	if eventID == 0 {
		_ = c.Toast(ctx, "", false)
		return f.ShowSettings(ctx, c)
	}
	answer := "EvNewsChosenOff"
	if on {
		answer = "EvNewsChosenOn"
	}
	return f.refreshCard(ctx, c, eventID, c.T(answer))
}

// askNewsOnCard reports whether a learner's card asks them about new-event announcements: after their
// first RSVP, until they choose.
func (f *Feature) askNewsOnCard(c *bot.Ctx, mine *store.RSVP) bool {
	if mine == nil || (mine.Status != store.RSVPGoing && mine.Status != store.RSVPWaitlist) {
		return false
	}
	chosen := true
	_ = f.Store.View(func(tx *store.Tx) error {
		_, chosen = tx.EventNews(c.User.ID)
		return nil
	})
	return !chosen
}

// announceDue sends the next batches of every announcement under way; the events loop calls it.
func (f *Feature) announceDue(ctx context.Context) error {
	var due []int64
	if err := f.Store.View(func(tx *store.Tx) error {
		return tx.EventsFrom(tx.Now(), func(e *store.Event) bool {
			if e.Announcing {
				due = append(due, e.ID)
			}
			return true
		})
	}); err != nil {
		return err
	}
	for _, id := range due {
		for more := true; more; {
			if err := ctx.Err(); err != nil {
				return err
			}
			var err error
			if more, err = f.announceBatch(id); err != nil {
				return fmt.Errorf("announce event %d: %w", id, err)
			}
		}
	}
	return nil
}

// announceBatch announces event id to the next batch of learners; more reports whether any remain.
func (f *Feature) announceBatch(id int64) (more bool, err error) {
	err = f.Store.Update(func(tx *store.Tx) error {
		e, err := tx.Event(id)
		if err != nil {
			return err
		}
		if !e.Announcing || e.Status == store.EventCancelled || !tx.Now().Before(e.Start) {
			e.Announcing, more = false, false
			return tx.PutEvent(e)
		}
		ids := strconv.FormatInt(e.ID, 10)
		last, rest, err := tx.UsersFrom(e.AnnouncedTo, announceBatch, func(u *store.User) error {
			if !u.Onboarded || u.Blocked || (len(e.Tracks) > 0 && !slices.Contains(e.Tracks, u.Track)) {
				return nil
			}
			if want, err := wantsEventNews(tx, u); err != nil || !want {
				return err
			}
			if r, err := tx.RSVP(e.ID, u.ID); err != nil || r != nil {
				return err // already knows it
			}
			v := f.voiceOf(u)
			kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData(v.T("EvCardButton"), actEventCard.Data(ids, "n"))))
			return f.Enqueue(tx, bot.Notice{ChatID: u.ID, Bulk: true, Keyboard: &kb, Expires: e.Start,
				Text:   v.T("EvNewEventNotice", "Title", bot.Escape(v.title(e)), "When", v.span(e), "Place", v.place(e)),
				Dedupe: fmt.Sprintf("%snew:%d", eventJobPrefix(e.ID), u.ID)})
		})
		if err != nil {
			return err
		}
		e.AnnouncedTo, e.Announcing, more = last, rest, rest
		return tx.PutEvent(e)
	})
	return more, err
}
