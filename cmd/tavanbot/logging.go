package main

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
)

// newLogger writes slog records as text or JSON; the token is cut out of everything written, whatever
// library error carried it.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	if cfg.Token != "" {
		w = &redactWriter{w: w, secret: []byte(cfg.Token)}
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redactWriter replaces a secret in each write; slog handlers write a whole record at once.
type redactWriter struct {
	w      io.Writer
	secret []byte
}

func (r *redactWriter) Write(p []byte) (int, error) {
	if _, err := r.w.Write(bytes.ReplaceAll(p, r.secret, []byte("[token]"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[token]")
}
