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
}

func newDispatcher(b *Bot) *dispatcher {
	d := &dispatcher{b: b, queues: make([]chan job, b.Workers)}
	for i := range d.queues {
		d.queues[i] = make(chan job, 32)
		d.done.Add(1)
		go func(q chan job) {
			defer d.done.Done()
			for j := range q {
				b.handle(j.ctx, j.update)
				b.inflight.done()
			}
		}(d.queues[i])
	}
	return d
}

// dispatch queues u on its chat's worker; it blocks when that worker is far behind (back-pressure).
func (d *dispatcher) dispatch(ctx context.Context, u tgbotapi.Update) {
	d.b.inflight.add()
	key := uint64(chatKey(u))
	d.queues[key%uint64(len(d.queues))] <- job{ctx: ctx, update: u}
}

// stop ends the workers after the queued updates; it is called by the loop that owns them.
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

// inflightCounter counts dispatched updates not yet handled; WaitIdle lets tests and shutdown wait.
type inflightCounter struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed while n == 0
}

func (c *inflightCounter) add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		c.idle = make(chan struct{})
	}
	c.n++
}

func (c *inflightCounter) done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n--
	if c.n == 0 {
		close(c.idle)
	}
}

// WaitIdle returns when every dispatched update has been handled, or ctx ends.
func (b *Bot) WaitIdle(ctx context.Context) error {
	b.inflight.mu.Lock()
	if b.inflight.n == 0 {
		b.inflight.mu.Unlock()
		return nil
	}
	ch := b.inflight.idle
	b.inflight.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
