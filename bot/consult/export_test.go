package consult

import (
	"context"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// HandleTakeAs runs [Take it] with me as the handler read it before the update's transaction, so a test
// can commit a suspension in between (the race the transaction's own check closes).
func (f *Feature) HandleTakeAs(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	return f.handleTake(ctx, c, me)
}
