package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// runSandbox starts the bot against the built-in Telegram emulator with a browser chat.
func runSandbox(ctx context.Context, cfg Config, getenv func(string) string, stdout io.Writer, logger *slog.Logger) error {
	fmt.Fprintln(stdout, "The local sandbox is not built yet. To serve Telegram, set TELEGRAM_BOT_TOKEN (from @BotFather) and run: go run ./cmd/tavanbot run")
	return usageError{}
}
