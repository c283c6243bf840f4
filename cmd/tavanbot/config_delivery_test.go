package main

import (
	"errors"
	"io"
	"testing"
)

func TestParseConfigDelivery(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		rate    float64
		paid    bool
		quiet   string
		wantErr bool
	}{
		{name: "defaults", quiet: "23:00-07:00"},
		{name: "rate within the free limit", env: map[string]string{"TAVAN_SEND_RATE": "25"}, rate: 25, quiet: "23:00-07:00"},
		{name: "fractional rate", env: map[string]string{"TAVAN_SEND_RATE": "0.5"}, rate: 0.5, quiet: "23:00-07:00"},
		{name: "above 30 needs paid broadcasts", env: map[string]string{"TAVAN_SEND_RATE": "100"}, wantErr: true},
		{name: "paid up to 1000", env: map[string]string{"TAVAN_SEND_RATE": "1000", "TAVAN_PAID_BROADCAST": "true"}, rate: 1000, paid: true, quiet: "23:00-07:00"},
		{name: "paid above 1000", env: map[string]string{"TAVAN_SEND_RATE": "1001", "TAVAN_PAID_BROADCAST": "true"}, wantErr: true},
		{name: "paid without a rate", env: map[string]string{"TAVAN_PAID_BROADCAST": "1"}, paid: true, quiet: "23:00-07:00"},
		{name: "zero rate", env: map[string]string{"TAVAN_SEND_RATE": "0"}, wantErr: true},
		{name: "negative rate", env: map[string]string{"TAVAN_SEND_RATE": "-3"}, wantErr: true},
		{name: "rate is not a number", env: map[string]string{"TAVAN_SEND_RATE": "fast"}, wantErr: true},
		{name: "NaN", env: map[string]string{"TAVAN_SEND_RATE": "NaN"}, wantErr: true},
		{name: "paid is not a bool", env: map[string]string{"TAVAN_PAID_BROADCAST": "yes please"}, wantErr: true},
		{name: "quiet hours", env: map[string]string{"TAVAN_QUIET_HOURS": "22:30-06:00"}, quiet: "22:30-06:00"},
		{name: "quiet hours off", env: map[string]string{"TAVAN_QUIET_HOURS": "off"}, quiet: "off"},
		{name: "quiet hours flag wins", env: map[string]string{"TAVAN_QUIET_HOURS": "off"}, args: []string{"-quiet-hours", "00:00-06:00"}, quiet: "00:00-06:00"},
		{name: "quiet hours in Persian digits", env: map[string]string{"TAVAN_QUIET_HOURS": "۲۳:۰۰-۰۷:۰۰"}, quiet: "۲۳:۰۰-۰۷:۰۰"},
		{name: "bad quiet hours", env: map[string]string{"TAVAN_QUIET_HOURS": "late"}, wantErr: true},
		{name: "quiet hour 25", env: map[string]string{"TAVAN_QUIET_HOURS": "25:00-07:00"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			cfg, _, err := parseConfig("tavanbot", tt.args, getenv, io.Discard)
			if tt.wantErr {
				var ue usageError
				if !errors.As(err, &ue) || ue.msg == "" {
					t.Fatalf("parseConfig = %v; want a usage error with a message", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			if cfg.SendRate != tt.rate || cfg.PaidBroadcast != tt.paid || cfg.QuietHours != tt.quiet {
				t.Errorf("rate, paid, quiet = %v, %v, %q; want %v, %v, %q", cfg.SendRate, cfg.PaidBroadcast, cfg.QuietHours, tt.rate, tt.paid, tt.quiet)
			}
		})
	}
}
