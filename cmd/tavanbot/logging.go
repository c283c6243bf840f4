package main

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
)

// newLogger writes slog records as text or JSON; the token (and the ops token and webhook secret) are
// cut out of everything written, whatever library error carried them.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var secrets [][]byte
	for _, s := range []string{cfg.Token, cfg.HTTPToken, cfg.WebhookSecret} {
		if s != "" {
			secrets = append(secrets, []byte(s))
		}
	}
	if len(secrets) > 0 {
		w = &redactWriter{w: w, secrets: secrets}
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redactWriter replaces secrets in each write; slog handlers write a whole record at once.
type redactWriter struct {
	w       io.Writer
	secrets [][]byte
}

func (r *redactWriter) Write(p []byte) (int, error) {
	out := p
	for _, s := range r.secrets {
		if bytes.Contains(out, s) {
			out = bytes.ReplaceAll(out, s, []byte("[redacted]"))
		}
	}
	if _, err := r.w.Write(out); err != nil {
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
