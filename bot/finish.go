package bot

import (
	"context"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// finisher takes updates whose answers went out out of the inbox, many per commit: the reply path never
// waits for this write, and under load one fsync covers a whole group. An update not yet taken out when
// the process dies is replayed at the next start (at most one duplicate answer, nothing applied twice).
type finisher struct {
	b       *Bot
	mu      sync.Mutex
	ids     []int
	counted int // of ids, dispatched updates that WaitIdle waits for
	wake    chan struct{}
	done    chan struct{}
}

func (b *Bot) startFinisher() *finisher {
	f := &finisher{b: b, wake: make(chan struct{}, 1), done: make(chan struct{})}
	b.fin.Store(f)
	go f.run()
	return f
}

// add queues a finished update; it never blocks. counted: a dispatched update, in flight until committed.
func (f *finisher) add(id int, counted bool) {
	f.mu.Lock()
	f.ids = append(f.ids, id)
	if counted {
		f.counted++
	}
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *finisher) run() {
	defer close(f.done)
	for range f.wake {
		f.flush()
	}
	f.flush()
}

func (f *finisher) flush() {
	f.mu.Lock()
	ids, counted := f.ids, f.counted
	f.ids, f.counted = nil, 0
	f.mu.Unlock()
	if err := f.b.Store.Done(ids); err != nil {
		// Left in the inbox, they are answered again at the next start: a duplicate, not a loss.
		f.b.Logger.Error("take finished updates out of the inbox", "count", len(ids), "err", err)
	}
	for range counted {
		f.b.inflight.done()
	}
}

// stop commits what is queued and ends the finisher; the dispatcher's workers must have stopped.
func (f *finisher) stop() {
	f.b.fin.CompareAndSwap(f, nil)
	close(f.wake)
	<-f.done
}

// finish hands an update that needs no more answers to the finisher (or, outside the update loop,
// commits it at once).
func (b *Bot) finish(id int) {
	if f := b.fin.Load(); f != nil {
		f.add(id, false)
		return
	}
	if err := b.Store.Done([]int{id}); err != nil {
		b.Logger.Error("take a finished update out of the inbox", "update_id", id, "err", err)
	}
}

// finishDispatched is finish for an update a worker handled: WaitIdle counts it until it is committed.
func (b *Bot) finishDispatched(id int) {
	if f := b.fin.Load(); f != nil {
		f.add(id, true)
		return
	}
	b.finish(id)
	b.inflight.done()
}

// recentWindow is how long after a chat's last update the bot's messages to it are replies, not bulk:
// Telegram's bot-wide limit is for messaging people who are not talking to the bot.
const recentWindow = 60 * time.Second

// recentChats remembers when each chat last sent the bot an update.
type recentChats struct {
	mu      sync.Mutex
	at      map[int64]time.Time
	atSweep int
}

// noteUpdate records that chat sent the bot an update now.
func (b *Bot) noteUpdate(chat int64) {
	r := &b.recent
	now := b.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.at == nil {
		r.at = map[int64]time.Time{}
	}
	r.at[chat] = now
	if len(r.at) >= 1024 && len(r.at) >= 2*r.atSweep { // amortised: forget chats quiet for a window
		for id, t := range r.at {
			if now.Sub(t) > recentWindow {
				delete(r.at, id)
			}
		}
		r.atSweep = len(r.at)
	}
}

// talking reports whether chat sent the bot an update within the window.
func (b *Bot) talking(chat int64) bool {
	r := &b.recent
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.at[chat]
	return ok && b.Now().Sub(t) <= recentWindow
}

// dropFlood drops an update of a chat whose backlog is full: it is marked handled (so it is not fetched
// or replayed again) and, once a minute, the sender is asked to slow down.
func (b *Bot) dropFlood(ctx context.Context, u tgbotapi.Update, chat int64, warn bool) {
	b.Metrics.Dropped()
	b.finish(u.UpdateID)
	if !warn || chat == 0 || !private(u) {
		return
	}
	go func() { // the update loop never waits on a send
		lang := "fa"
		if from := sender(u); from != nil {
			if rec, err := b.Store.GetUser(from.ID); err == nil {
				lang = UserLang(rec)
			}
		}
		if _, err := b.SendText(ctx, chat, b.Texts.T(lang, "SlowDown"), nil); err != nil {
			b.Logger.Warn("slow-down notice", "err", err)
		}
	}()
}
