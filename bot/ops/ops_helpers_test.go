package ops_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/bot/tgsim"
)

const testOpsToken = "ops-token-0123456789abcdef"

// The people of the tests.
var (
	maryam    = apptest.Maryam
	john      = apptest.John
	reza      = apptest.Reza
	adminUser = apptest.Admin
)

// harness is the end-to-end harness with the helpers of the operations tests.
type harness struct{ *apptest.Harness }

func newHarness(tb testing.TB, configure func(*app.Config)) *harness {
	return &harness{apptest.New(tb, configure)}
}

func newHarnessOn(tb testing.TB, p bot.Platform, configure func(*app.Config)) *harness {
	return &harness{apptest.NewOn(tb, p, configure)}
}

// cb is a button's callback data, as the bot encodes it.
func cb(action string, args ...string) string { return bot.Action(action).Data(args...) }

// opsGet calls the ops listener's handler in process; token "" sends no Authorization header.
func (h *harness) opsGet(path, token string) *httptest.ResponseRecorder {
	h.T.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.App.OpsHandler().ServeHTTP(rec, req)
	return rec
}

// fa renders a Persian message as the bot would.
func (h *harness) fa(id string, kv ...any) string { return h.App.Texts.T("fa", id, kv...) }

// lastDocument is the newest document the bot sent u, with its bytes.
func (h *harness) lastDocument(u tgsim.User) tgsim.Message {
	h.T.Helper()
	msgs := h.Sim.BotMessages(u.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Kind == "document" && msgs[i].File != nil {
			return msgs[i]
		}
	}
	h.T.Fatalf("no document in chat %d", u.ID)
	return tgsim.Message{}
}

// noticesWaiting decodes what went through the notice lane: delivered, then still waiting of the outbox.
func (h *harness) noticesWaiting() []bot.Notice {
	h.T.Helper()
	h.Drain()
	var out []bot.Notice
	for _, q := range h.Delivered() {
		if q.Lane == store.LaneNotice {
			out = append(out, q.Notice)
		}
	}
	for _, q := range h.Pending(store.LaneNotice) {
		if q.NotBefore.Before(h.Clock.Now().AddDate(1, 0, 0)) {
			out = append(out, q.Notice)
		}
	}
	return out
}

// botMessageCounts counts the bot's messages in every chat.
func (h *harness) botMessageCounts() map[int64]int {
	out := map[int64]int{}
	for _, id := range h.Sim.Chats() {
		out[id] = len(h.Sim.BotMessages(id))
	}
	return out
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
	now := h.App.LocalNow()
	err := h.DB.Update(func(tx *store.Tx) error {
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

// shutdownBegun reports whether the running bot's context ended: its /readyz answers 503 from then on.
// (Tests that must act between the cancellation and Run's return poll it; see /tmp/core_requests.md.)
func (h *harness) shutdownBegun() bool {
	rec := httptest.NewRecorder()
	h.App.OpsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return rec.Code != http.StatusOK
}
