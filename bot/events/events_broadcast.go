package events

import (
	"slices"
	"strconv"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// eventAudience offers "an event's attendees" as a /broadcast audience: events from a week ago on,
// members are the learners holding a confirmed seat.
func (f *Feature) eventAudience() bot.AudienceSource {
	return bot.AudienceSource{
		ID:    "ev",
		Label: func(lang string) string { return f.Texts.T(lang, "BroadcastToEvent") },
		Choices: func(tx *store.Tx, lang string) []bot.AudienceChoice {
			var out []bot.AudienceChoice
			_ = tx.EventsFrom(f.LocalNow().Add(-7*24*time.Hour), func(e *store.Event) bool {
				title := e.Title
				if lang == "en" && e.TitleEn != "" {
					title = e.TitleEn
				}
				out = append(out, bot.AudienceChoice{Arg: strconv.FormatInt(e.ID, 10), Label: bot.Truncate(title, 50)})
				return len(out) < 20
			})
			return out
		},
		Members: func(tx *store.Tx, arg string, after int64, limit int) ([]int64, bool, error) {
			id, err := strconv.ParseInt(arg, 10, 64)
			if err != nil {
				return nil, false, nil
			}
			ids, err := tx.EventAttendees(id)
			if err != nil {
				return nil, false, err
			}
			slices.Sort(ids)
			ids = slices.DeleteFunc(ids, func(u int64) bool { return u <= after })
			if len(ids) > limit {
				return ids[:limit], true, nil
			}
			return ids, false, nil
		},
	}
}
