package tgsim_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Bot API 10 quizzes: correct_option_ids is a list, and the Poll object sent back carries it (and option
// persistent ids), not the older correct_option_id.
func TestQuizCorrectOptionIDs(t *testing.T) {
	e := newEnv(t)
	e.srv.SendText(alice, "/quiz")
	params := tgbotapi.Params{"chat_id": "1", "question": "Q?", "type": "quiz", "is_anonymous": "false",
		"options": `[{"text":"a"},{"text":"b"},{"text":"c"}]`, "correct_option_ids": "[2]"}
	params.AddFirstValid("chat_id", alice.ID)
	resp, err := e.api.MakeRequest("sendPoll", params)
	if err != nil {
		t.Fatalf("sendPoll with correct_option_ids: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(resp.Result, &raw); err != nil {
		t.Fatal(err)
	}
	var poll struct {
		ID      string          `json:"id"`
		Correct []int           `json:"correct_option_ids"`
		Legacy  json.RawMessage `json:"correct_option_id"`
		Options []struct {
			PersistentID string `json:"persistent_id"`
		} `json:"options"`
	}
	if err := json.Unmarshal(raw["poll"], &poll); err != nil {
		t.Fatal(err)
	}
	if len(poll.Correct) != 1 || poll.Correct[0] != 2 || poll.Legacy != nil || len(poll.Options) != 3 || poll.Options[0].PersistentID == "" {
		t.Errorf("poll = %s; want correct_option_ids [2], option persistent ids, no correct_option_id", raw["poll"])
	}
	if v := e.srv.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %v", v)
	}

	for _, ids := range []string{"[3]", "[1,0]", "[]", "[-1]", "x"} {
		params["correct_option_ids"] = ids
		_, err := e.api.MakeRequest("sendPoll", params)
		var apiErr *tgbotapi.Error
		if err == nil || !errors.As(err, &apiErr) || apiErr.Code != 400 || !strings.Contains(apiErr.Message, "correct_option_ids") {
			t.Errorf("sendPoll correct_option_ids=%s: %v; want 400 naming correct_option_ids", ids, err)
		}
	}
}
