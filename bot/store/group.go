package store

import (
	"errors"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// groupCommit commits the update loop's writes (saving a polled batch, applying an update, taking
// finished ones out of the inbox) many per transaction with no added delay: a write that finds no commit
// running commits at once; those that arrive meanwhile go together in the next commit, one fsync for all.
// bbolt's Batch instead holds every write up to MaxBatchDelay (10 ms) unless 1,000 are waiting, which
// put 10 ms into each reply of a learner who is talking to the bot.
type groupCommit struct {
	mu    sync.Mutex
	queue []*groupCall
	busy  bool // a caller is committing; the others wait in queue
}

type groupCall struct {
	fn   func(*bolt.Tx) error
	done chan error // its result, or errLead: commit the next group
}

var errLead = errors.New("lead the next group commit")

// commit runs fn in a read-write transaction that may be shared with concurrent callers; fn may run more
// than once (alone, when another in its group failed), so it must be idempotent within its transaction.
func (db *DB) commit(fn func(*bolt.Tx) error) error {
	g := &db.group
	c := &groupCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead {
		if err := <-c.done; err != errLead {
			return err
		}
	}
	g.mu.Lock()
	calls := g.queue // c is among them
	g.queue = nil
	g.mu.Unlock()
	db.commitGroup(calls)
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- errLead // the first waiter commits the next group; this caller returns
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return <-c.done
}

// commitGroup commits calls in one transaction; if one fails, each runs alone so that it fails alone.
func (db *DB) commitGroup(calls []*groupCall) {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, c := range calls {
			if err := c.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(calls) == 1 {
		for _, c := range calls {
			c.done <- err
		}
		return
	}
	for _, c := range calls {
		c.done <- db.bolt.Update(c.fn)
	}
}
