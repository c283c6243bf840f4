// Command tavanbot runs Tavan, the Telegram learning assistant of the city's entrepreneurship program.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Tehran must not depend on the host's zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			if ue.msg != "" {
				fmt.Fprintln(os.Stderr, "tavanbot:", ue.msg)
			}
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "tavanbot:", err)
		os.Exit(1)
	}
}
