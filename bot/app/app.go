// Package app is the composition root: it builds the core and registers every feature into it, in one
// list. cmd/tavanbot, the sandbox and the end-to-end tests build the bot here.
package app

import (
	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/account"
	"github.com/tavan7/tavan/bot/ask"
	"github.com/tavan7/tavan/bot/consult"
	"github.com/tavan7/tavan/bot/dashboard"
	"github.com/tavan7/tavan/bot/events"
	"github.com/tavan7/tavan/bot/learning"
	"github.com/tavan7/tavan/bot/library"
	"github.com/tavan7/tavan/bot/ops"
)

// Config is the core's dependencies and each feature's options.
type Config struct {
	bot.Deps
	Learning  learning.Options
	Events    events.Options
	Consult   consult.Options
	Ops       ops.Options
	Dashboard dashboard.Options
	Ask       ask.Options
}

// App is the core with its features; tests reach a feature's exported test hooks through it.
type App struct {
	*bot.Bot
	Account   *account.Feature
	Learning  *learning.Feature
	Events    *events.Feature
	Consult   *consult.Feature
	Library   *library.Feature
	Ops       *ops.Feature
	Dashboard *dashboard.Feature
	Ask       *ask.Feature
}

// New builds the bot and registers every feature. A registration that clashes with another (a command,
// button action, step or deep-link prefix taken twice) is an error here, before anything runs.
func New(cfg Config) (*App, error) {
	b, err := bot.New(cfg.Deps)
	if err != nil {
		return nil, err
	}
	a := &App{Bot: b}
	if a.Account, err = account.Register(b); err != nil {
		return nil, err
	}
	if a.Learning, err = learning.Register(b, cfg.Learning); err != nil {
		return nil, err
	}
	if a.Events, err = events.Register(b, cfg.Events); err != nil {
		return nil, err
	}
	if a.Consult, err = consult.Register(b, cfg.Consult); err != nil {
		return nil, err
	}
	if a.Library, err = library.Register(b); err != nil {
		return nil, err
	}
	if a.Ops, err = ops.Register(b, cfg.Ops); err != nil {
		return nil, err
	}
	if a.Dashboard, err = dashboard.Register(b, cfg.Dashboard); err != nil {
		return nil, err
	}
	if a.Ask, err = ask.Register(b, cfg.Ask); err != nil {
		return nil, err
	}
	return a, b.Validate()
}
