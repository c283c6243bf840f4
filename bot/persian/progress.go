package persian

import (
	"math/bits"
	"strconv"
	"strings"
)

// Percent formats done/total as a whole Persian percentage rounded down ("۶۰٪"). done is clamped
// to [0, total]; a total of zero or less gives "۰٪".
func Percent(done, total int) string {
	p, _ := ratio(done, total, 100)
	return Digits(strconv.Itoa(p)) + "٪"
}

// ProgressBar draws width cells, round(done/total*width) of them filled, followed by Percent:
// "▰▰▰▱▱ ۶۰٪". In right-to-left text the filled cells show on the right. A width of zero or less
// gives the percentage alone.
func ProgressBar(done, total, width int) string {
	if width <= 0 {
		return Percent(done, total)
	}
	filled, half := ratio(done, total, width)
	if half {
		filled++
	}
	return strings.Repeat("▰", filled) + strings.Repeat("▱", width-filled) + " " + Percent(done, total)
}

// ratio returns floor(done*k/total) and whether the remainder is at least half of total, with done
// clamped to [0, total] and k ≥ 0. The product is taken in 128 bits, so it cannot overflow.
func ratio(done, total, k int) (q int, half bool) {
	if total <= 0 || done <= 0 || k <= 0 {
		return 0, false
	}
	done = min(done, total)
	hi, lo := bits.Mul64(uint64(done), uint64(k))
	quo, rem := bits.Div64(hi, lo, uint64(total)) // hi < total as done ≤ total: no panic
	return int(quo), rem >= uint64(total)-rem
}
