package bot

import (
	"context"
	"encoding/json"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/outbox"
)

// SendParams sends a new message to chatID through MakeRequest, for Bot API fields tgbotapi 5.5.1 does
// not know (a quiz's correct_option_ids). Like Send it passes the flood-limit gate and retries 429s.
func (b *Bot) SendParams(ctx context.Context, method string, chatID int64, p tgbotapi.Params) (tgbotapi.Message, error) {
	d := deliveryOf(ctx)
	class := outbox.Interactive
	if d != nil {
		class = d.class
	}
	p.AddNonZero64("chat_id", chatID)
	var m tgbotapi.Message
	err := b.Retry(ctx, func() error {
		if err := b.dl.gate.Acquire(ctx, class, chatID); err != nil {
			return err
		}
		resp, err := b.API.MakeRequest(method, p)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(resp.Result, &m); err != nil {
			return fmt.Errorf("decode %s result: %w", method, err)
		}
		return nil
	})
	if err == nil && d != nil {
		d.sent++
	}
	return m, Describe(method, err)
}
