package persian

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (wrapped) by the parsers, so callers can pick a localized reason with
// errors.Is.
var (
	ErrEmpty      = errors.New("empty input")
	ErrBadFormat  = errors.New("bad format")
	ErrOutOfRange = errors.New("out of range")
	ErrNotNumber  = errors.New("not a number")
	ErrNoSuchDate = errors.New("no such date")
	// ErrNoSuchMonth is a month outside 1–12; it is also an ErrNoSuchDate.
	ErrNoSuchMonth = fmt.Errorf("month outside 1-12: %w", ErrNoSuchDate)
)
