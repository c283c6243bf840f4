package bot

import (
	"context"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// dispatcher runs updates on workers keyed by chat: one chat is handled strictly in order, different
// chats in parallel, so a slow reply to one learner never holds up another.
type dispatcher struct {
	b      *Bot
	queues []chan job
	done   sync.WaitGroup
}

type job struct {
	ctx    context.Context
	update tgbotapi.Update
	wg     *sync.WaitGroup
}

func newDispatcher(b *Bot) *dispatcher {
	d := &dispatcher{b: b, queues: make([]chan job, b.Workers)}
	for i := range d.queues {
		d.queues[i] = make(chan job, 16)
		d.done.Add(1)
		go func(q chan job) {
			defer d.done.Done()
			for j := range q {
				b.handle(j.ctx, j.update)
				j.wg.Done()
			}
		}(d.queues[i])
	}
	return d
}

// handleBatch returns when every update of the batch was handled.
func (d *dispatcher) handleBatch(ctx context.Context, updates []tgbotapi.Update) {
	var wg sync.WaitGroup
	wg.Add(len(updates))
	for _, u := range updates {
		key := uint64(chatKey(u))
		d.queues[key%uint64(len(d.queues))] <- job{ctx: ctx, update: u, wg: &wg}
	}
	wg.Wait()
}

// stop ends the workers; it is called by the loop that owns them, after the last batch.
func (d *dispatcher) stop() {
	for _, q := range d.queues {
		close(q)
	}
	d.done.Wait()
}

// chatKey is the chat an update belongs to; updates of one chat share a worker.
func chatKey(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		if u.CallbackQuery.Message != nil {
			return u.CallbackQuery.Message.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.PollAnswer != nil:
		return u.PollAnswer.User.ID // a quiz is sent in the learner's private chat, whose id is theirs
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	case u.ChannelPost != nil:
		return u.ChannelPost.Chat.ID
	}
	return 0
}
