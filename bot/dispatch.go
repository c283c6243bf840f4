package bot

import (
	"context"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxChatBacklog bounds the updates one chat may have waiting: a forward of 100 messages into a
// consultation must all be relayed, but a flood must not grow without end. Beyond it, updates are marked
// handled and dropped, and the sender gets one short "slow down" notice a minute.
const maxChatBacklog = 300

// slowDownEvery is how often a flooding chat is told to slow down.
const slowDownEvery = time.Minute

// dispatcher runs updates by chat: one chat strictly in order, different chats in parallel on a pool of
// workers. Each chat has its own backlog, so a chat that floods the bot waits behind itself only, and
// dispatch never blocks the update loop.
type dispatcher struct {
	b *Bot

	mu      sync.Mutex
	cond    *sync.Cond
	chats   map[int64]*chatBacklog
	ready   []int64 // chats with work and no worker, in arrival order
	stopped bool
	done    sync.WaitGroup
}

type chatBacklog struct {
	jobs     []job
	busy     bool      // a worker is handling this chat's head
	warnedAt time.Time // the last "slow down" notice
}

type job struct {
	ctx      context.Context
	update   tgbotapi.Update
	received time.Time
}

func newDispatcher(b *Bot) *dispatcher {
	d := &dispatcher{b: b, chats: map[int64]*chatBacklog{}}
	d.cond = sync.NewCond(&d.mu)
	for range b.Workers {
		d.done.Add(1)
		go d.work()
	}
	return d
}

// dispatch queues u behind its chat's earlier updates. It never blocks.
func (d *dispatcher) dispatch(ctx context.Context, u tgbotapi.Update, received time.Time) {
	key := chatKey(u)
	d.mu.Lock()
	q := d.chats[key]
	if q == nil {
		q = &chatBacklog{}
		d.chats[key] = q
	}
	if len(q.jobs) >= maxChatBacklog {
		warn := d.b.Now().Sub(q.warnedAt) >= slowDownEvery
		if warn {
			q.warnedAt = d.b.Now()
		}
		d.mu.Unlock()
		d.b.dropFlood(ctx, u, key, warn)
		return
	}
	d.b.inflight.add()
	q.jobs = append(q.jobs, job{ctx: ctx, update: u, received: received})
	if !q.busy && len(q.jobs) == 1 {
		d.ready = append(d.ready, key)
		d.cond.Signal()
	}
	d.mu.Unlock()
}

// work handles one update of a ready chat at a time, then puts the chat back at the end of the line if
// it has more: chats take turns, so a long backlog does not starve the others.
func (d *dispatcher) work() {
	defer d.done.Done()
	for {
		d.mu.Lock()
		for len(d.ready) == 0 && !d.stopped {
			d.cond.Wait()
		}
		if d.stopped {
			d.mu.Unlock()
			return
		}
		key := d.ready[0]
		d.ready = d.ready[1:]
		q := d.chats[key]
		j := q.jobs[0]
		q.busy = true
		d.mu.Unlock()

		d.b.handle(j.ctx, j.update, j.received)
		d.b.finishDispatched(j.update.UpdateID) // counts as done for WaitIdle once committed

		d.mu.Lock()
		q.jobs = q.jobs[1:]
		q.busy = false
		switch {
		case len(q.jobs) > 0:
			d.ready = append(d.ready, key)
			d.cond.Signal()
		case d.b.Now().Sub(q.warnedAt) >= slowDownEvery:
			delete(d.chats, key) // nothing waiting and no recent warning to remember
		}
		d.mu.Unlock()
	}
}

// stop ends the workers once the updates being handled are done; updates still waiting stay in the
// inbox and are handled first at the next start. It is called by the loop that owns the dispatcher.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	for _, q := range d.chats {
		n := len(q.jobs)
		if q.busy {
			n-- // its worker finishes it
		}
		for range n {
			d.b.inflight.done()
		}
	}
	d.cond.Broadcast()
	d.mu.Unlock()
	d.done.Wait()
}

// chatKey is the chat an update belongs to; updates of one chat are handled in order.
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

// WaitIdle returns when every dispatched update has been handled and its answers went out, or ctx ends.
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
