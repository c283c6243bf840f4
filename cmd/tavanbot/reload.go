package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/tavan7/tavan/bot"
)

// reloadOnHangup reloads the content on SIGHUP until ctx ends; a broken set is logged and the old content
// stays live.
func reloadOnHangup(ctx context.Context, b *bot.Bot, logger *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := b.Reload(); err != nil {
				logger.Error("content reload rejected; the previous content stays live", "err", err)
			} else {
				logger.Info("content reloaded")
				warnWritingRules(logger, b.Content())
			}
		}
	}
}
