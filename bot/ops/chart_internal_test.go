package ops

import "testing"

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct{ max, top, step float64 }{
		{0, 5, 1}, {3, 4, 1}, {9, 10, 2}, {100, 120, 20}, {440, 500, 100}, {0.4, 0.5, 0.1}, {12345, 15000, 5000},
	} {
		top, step := niceScale(tt.max)
		if top != tt.top || step != tt.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tt.max, top, step, tt.top, tt.step)
		}
	}
	for _, tt := range []struct{ v, want float64 }{{0, 1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {2.1, 2.5}, {7, 10}, {130, 200}} {
		if got := niceStepAtLeast(tt.v); got != tt.want {
			t.Errorf("niceStepAtLeast(%v) = %v; want %v", tt.v, got, tt.want)
		}
	}
}
