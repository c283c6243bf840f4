package consult

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// handleHandoff takes a question another feature could not answer (Ask Tavan's [ask a consultant]): the
// learner already chose the question and the topic was guessed, so the topic and question steps are
// skipped; everything /consult checks is checked the same way. A question too short for a consultant
// to work with opens the question step instead, with the topic chosen. Screens are new messages: the
// screen the learner pressed (an answer) stays.
func (f *Feature) handleHandoff(ctx context.Context, c *bot.Ctx, h bot.Handoff) error {
	reply := func(ctx context.Context, text string, kb *tgbotapi.InlineKeyboardMarkup) error {
		var markup any
		if kb != nil {
			markup = kb
		}
		_, err := c.Reply(ctx, text, markup)
		return err
	}
	if done, err := f.gate(ctx, c, reply); done || err != nil {
		return err
	}
	topic := h.Topic
	if !validTopic(topic) {
		topic = topicOther
	}
	if h.MessageID == 0 || h.Length < minQuestionRunes {
		if err := c.Apply(func(tx *store.Tx, u *store.User) error {
			u.Step, u.StepData = stepConsQuestion, topic
			return nil
		}); err != nil {
			return err
		}
		kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			actCancel.Button(c.T("ConsCancelButton"), "0")))
		return reply(ctx, c.T("ConsHandoffTooShort", "Topic", topicName(c.Voice, topic)), &kb)
	}
	return f.submitQuestion(ctx, c, topic, h.MessageID, reply)
}
