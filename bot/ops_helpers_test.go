package bot

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

const testOpsToken = "ops-token-0123456789abcdef"

// opsGet calls the ops listener's handler in process; token "" sends no Authorization header.
func (h *harness) opsGet(path, token string) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.bot.OpsHandler().ServeHTTP(rec, req)
	return rec
}

// fa renders a Persian message as the bot would.
func (h *harness) fa(id string, kv ...any) string { return h.bot.Texts.T("fa", id, kv...) }

// lastDocument is the newest document the bot sent u, with its bytes.
func (h *harness) lastDocument(u tgsim.User) tgsim.Message {
	h.t.Helper()
	msgs := h.sim.BotMessages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Kind == "document" && msgs[i].File != nil {
			return msgs[i]
		}
	}
	h.t.Fatalf("no document in chat %d", u.ID)
	return tgsim.Message{}
}

// noticesWaiting decodes what went through the notice lane: delivered, then still waiting of the outbox.
func (h *harness) noticesWaiting() []Notice {
	h.t.Helper()
	h.drain()
	var out []Notice
	h.deliveredMu.Lock()
	for _, q := range h.delivered {
		if q.Lane == store.LaneNotice {
			out = append(out, q.Notice)
		}
	}
	h.deliveredMu.Unlock()
	jobs, err := h.db.PendingJobs(store.LaneNotice, h.clock.Now().AddDate(1, 0, 0), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, j := range jobs {
		var n Notice
		if err := json.Unmarshal(j.Payload, &n); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// botMessageCounts counts the bot's messages in every chat.
func (h *harness) botMessageCounts() map[int64]int {
	out := map[int64]int{}
	for _, id := range h.sim.Chats() {
		out[id] = len(h.sim.BotMessages(id))
	}
	return out
}

// webhookUpdate is the JSON Telegram would POST for a user's text message m (sent through tgsim so that
// the chat exists there).
func webhookUpdate(u tgsim.User, m tgsim.Message) []byte {
	upd := map[string]any{
		"update_id": m.UpdateID,
		"message": map[string]any{
			"message_id": m.ID,
			"date":       m.Date.Unix(),
			"chat":       map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName},
			"from":       map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName, "language_code": u.LanguageCode},
			"text":       m.Text,
		},
	}
	b, _ := json.Marshal(upd)
	return b
}

// postWebhook POSTs body to the bot's webhook handler with secret ("" sends no header).
func (h *harness) postWebhook(body []byte, secret string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/tg/hook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	rec := httptest.NewRecorder()
	h.bot.WebhookHandler().ServeHTTP(rec, req)
	return rec
}

func containsAll(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// seedEventsAndConsultations stores what the events and consultations features would have: an upcoming
// event with one seat taken and one learner waiting, a past one with a check-in, a cancelled one; a
// waiting request, an open session and the club's running totals.
func seedEventsAndConsultations(t *testing.T, h *harness) {
	t.Helper()
	now := h.bot.now()
	err := h.db.Update(func(tx *store.Tx) error {
		upcoming := &store.Event{Title: "کارگاه قیمت‌گذاری", TitleEn: "Pricing workshop", Token: "tokA", Capacity: 10,
			Start: now.Add(48 * time.Hour), End: now.Add(50 * time.Hour), Place: store.Place{Name: "خانهٔ نوآوری"}}
		past := &store.Event{Title: "نمایشگاه مشاغل خانگی", Token: "tokB",
			Start: now.Add(-72 * time.Hour), End: now.Add(-70 * time.Hour), Place: store.Place{Online: "https://meet.example/x"}}
		cancelled := &store.Event{Title: "لغوشده", Token: "tokC", Status: store.EventCancelled,
			Start: now.Add(24 * time.Hour), End: now.Add(25 * time.Hour)}
		for _, e := range []*store.Event{upcoming, past, cancelled} {
			if err := tx.CreateEvent(e); err != nil {
				return err
			}
		}
		for _, r := range []*store.RSVP{
			{EventID: upcoming.ID, UserID: maryam.ID, Status: store.RSVPGoing, At: now.Add(-time.Hour)},
			{EventID: upcoming.ID, UserID: reza.ID, Status: store.RSVPWaitlist, At: now.Add(-time.Hour), Queued: now.Add(-time.Hour)},
			{EventID: past.ID, UserID: maryam.ID, Status: store.RSVPGoing, At: now.Add(-100 * time.Hour), CheckedIn: now.Add(-72 * time.Hour)},
			{EventID: cancelled.ID, UserID: reza.ID, Status: store.RSVPGoing, At: now.Add(-2 * time.Hour)},
		} {
			if err := tx.PutRSVP(r); err != nil {
				return err
			}
		}
		if err := tx.PutConsultant(&store.Consultant{ID: 700, Name: "دکتر نیک‌نام", Status: store.ConsultantActive, ProfileDone: true,
			Sessions: 3, RatingSum: 9, RatingCount: 2}); err != nil {
			return err
		}
		if err := tx.AddConsultation(&store.Consultation{LearnerID: maryam.ID, Topic: "marketing", Status: store.ConsultWaiting}); err != nil {
			return err
		}
		open := &store.Consultation{LearnerID: reza.ID, Topic: "finance", Status: store.ConsultOpen, ConsultantID: 700}
		if err := tx.AddConsultation(open); err != nil {
			return err
		}
		open.Claimed = open.Created.Add(10 * time.Minute)
		if err := tx.PutConsultation(open); err != nil {
			return err
		}
		return tx.AddClubStats(func(s *store.ClubStats) {
			s.Requests, s.Claims, s.WaitSum, s.Ratings = 4, 3, int64(3*10*time.Minute), 2
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
