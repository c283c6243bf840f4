package metrics

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestResultOf(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, ResultOK},
		{&tgbotapi.Error{Code: 429, ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 3}}, ResultRateLimited},
		{fmt.Errorf("sendMessage: %w", &tgbotapi.Error{Code: 403, Message: "Forbidden: bot was blocked by the user"}), ResultForbidden},
		{&tgbotapi.Error{Code: 400, Message: "Bad Request: chat not found"}, ResultBadRequest},
		{&tgbotapi.Error{Code: 502}, ResultServerError},
		{&tgbotapi.Error{Code: 0, Message: "upload failed"}, ResultNetwork},
		{errors.New("dial tcp: connection refused"), ResultNetwork},
	} {
		if got := ResultOf(tt.err); got != tt.want {
			t.Errorf("ResultOf(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestPrivateRegistriesDoNotCollide(t *testing.T) {
	a, b := New(), New() // would panic on the global registry
	a.Sent(LaneBulk, ResultRateLimited)
	b.SchedulerLag(-time.Second) // a clock step backwards reads as no lag
	a.SetSources(Sources{Lanes: []string{"notice"}, OutboxDepth: func(string) (int, error) { return 0, errors.New("closed") }})
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{`tavan_telegram_sends_total{lane="bulk",result="429"} 1`, `tavan_outbox_depth{lane="notice"} NaN`, "tavan_scrape_source_errors 1", "tavan_consultation_sessions_open NaN"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	rec = httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "tavan_scheduler_lag_seconds 0") || strings.Contains(rec.Body.String(), `result="429"} 1`) {
		t.Error("the second registry shares series with the first")
	}
}
