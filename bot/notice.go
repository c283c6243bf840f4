package bot

import (
	"encoding/json"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// Notice is a message the bot sends on its own initiative (a daily lesson, a reminder, an offer, a
// broadcast): it goes through the durable outbox, written in the same transaction as the state change
// that caused it, and a sender loop delivers it within Telegram's flood limits.
type Notice struct {
	ChatID    int64
	Text      string                         `json:",omitempty"` // Telegram HTML
	Keyboard  *tgbotapi.InlineKeyboardMarkup `json:",omitempty"` // under the text; under the copy when there is no text
	Venue     *NoticeVenue                   `json:",omitempty"` // sent after the text
	Document  *NoticeDocument                `json:",omitempty"` // uploaded as bytes (an .ics, a CSV)
	LessonID  string                         `json:",omitempty"` // a lesson's media and text, as the learner would open it
	CopyFrom  *NoticeCopy                    `json:",omitempty"` // copyMessage (broadcasts, relayed messages)
	Bulk      bool                           `json:",omitempty"` // bulk lane: global rate and quiet hours
	Expires   time.Time                      `json:",omitzero"`  // not sent at or after this (a reminder after the start); counted as expired
	Dedupe    string                         `json:"-"`          // e.g. "remind24:<event>:<user>"; a known key is not enqueued again
	NotBefore time.Time                      `json:"-"`          // deliver at or after
	Group     string                         `json:"-"`          // outcomes are tallied under this name (broadcasts: "bc:<id>")
}

// NoticeVenue is a place sent with sendVenue.
type NoticeVenue struct {
	Lat, Lon       float64
	Title, Address string
}

// NoticeDocument is a small file sent with sendDocument.
type NoticeDocument struct {
	Name    string
	Data    []byte
	Caption string `json:",omitempty"`
}

// NoticeCopy names a message to copy into the notice's chat.
type NoticeCopy struct {
	ChatID    int64
	MessageID int
}

// Enqueue writes n to the outbox in the caller's transaction. A notice whose dedupe key is known is
// silently skipped, so scheduling the same thing twice sends it once.
func (b *Bot) Enqueue(tx *store.Tx, n Notice) error {
	_, err := b.EnqueueAdded(tx, n)
	return err
}

// EnqueueAdded is Enqueue that also reports whether the notice was added (false: its dedupe key was
// known).
func (b *Bot) EnqueueAdded(tx *store.Tx, n Notice) (bool, error) {
	payload, err := json.Marshal(n)
	if err != nil {
		return false, fmt.Errorf("encode notice: %w", err)
	}
	lane := store.LaneNotice
	if n.Bulk {
		lane = store.LaneBulk
	}
	added, err := tx.Enqueue(&store.Job{Lane: lane, ChatID: n.ChatID, Dedupe: n.Dedupe, NotBefore: n.NotBefore, Payload: payload, Group: n.Group})
	if added {
		tx.OnCommit(b.wakeSender) // the sender sees the job once it is committed
	}
	return added, err
}
