package ask

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/tavan7/tavan/lessons"
)

// questionSet is testdata/questions.toml: questions as learners type them, each with the sources that
// answer it, and out-of-scope ones that must not get a confident answer.
type questionSet struct {
	Q []struct {
		Text string   `toml:"text"`
		Lang string   `toml:"lang"`
		Want []string `toml:"want"`
	} `toml:"q"`
	None []struct {
		Text string `toml:"text"`
	} `toml:"none"`
}

func mustIndex(tb testing.TB) *Index {
	tb.Helper()
	cat, err := lessons.Load(lessons.Embedded())
	if err != nil {
		tb.Fatal(err)
	}
	ix, err := Build(cat)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	return ix
}

// TestAccuracy answers every question of the test set and fails below top-3 85 % or top-1 65 %, or when
// more than one out-of-scope question in ten gets a confident answer. It prints the figures and the misses.
func TestAccuracy(t *testing.T) {
	var set questionSet
	if _, err := toml.DecodeFile("testdata/questions.toml", &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Q) < 80 {
		t.Fatalf("the test set has %d questions; want at least 80", len(set.Q))
	}
	ix := mustIndex(t)
	var top1, top3, confident, shown int
	var covRight, covNone []float64
	var misses []string
	for _, q := range set.Q {
		r, err := ix.Search(q.Text, q.Lang, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range r.Matches {
			got = append(got, m.Doc.Key())
		}
		rank := slices.IndexFunc(got, func(k string) bool { return slices.Contains(q.Want, k) })
		if rank == 0 {
			covRight = append(covRight, r.Best().Coverage)
		}
		if rank == 0 && r.Confident() {
			shown++
		}
		switch {
		case rank == 0:
			top1++
			top3++
		case rank >= 0:
			top3++
			misses = append(misses, fmt.Sprintf("  top-%d %q: got %v (confident %v), want %v", rank+1, q.Text, got, r.Confident(), q.Want))
		default:
			misses = append(misses, fmt.Sprintf("  MISS  %q: got %v, want %v", q.Text, got, q.Want))
		}
	}
	var noneMisses []string
	for _, q := range set.None {
		r, err := ix.Search(q.Text, "fa", nil)
		if err != nil {
			t.Fatal(err)
		}
		if b := r.Best(); b != nil {
			covNone = append(covNone, b.Coverage)
		}
		if r.Confident() {
			confident++
			noneMisses = append(noneMisses, fmt.Sprintf("  confident %q: %s (coverage %.2f)", q.Text, r.Best().Doc.Key(), r.Best().Coverage))
		}
	}
	n := float64(len(set.Q))
	p1, p3 := 100*float64(top1)/n, 100*float64(top3)/n
	t.Logf("ask accuracy: %d questions, top-1 %.1f%% (%d), top-3 %.1f%% (%d), right and shown as the answer %.1f%% (%d); out of scope answered confidently: %d of %d",
		len(set.Q), p1, top1, p3, top3, 100*float64(shown)/n, shown, confident, len(set.None))
	slices.Sort(covRight)
	slices.Sort(covNone)
	t.Logf("coverage of right answers %.2f; of out-of-scope best matches %.2f", covRight, covNone)
	if testing.Verbose() || os.Getenv("ASK_MISSES") != "" {
		t.Logf("misses:\n%s\n%s", strings.Join(misses, "\n"), strings.Join(noneMisses, "\n"))
	}
	if p3 < 85 || p1 < 65 {
		t.Errorf("accuracy below the bar: top-1 %.1f%% (want ≥ 65%%), top-3 %.1f%% (want ≥ 85%%)", p1, p3)
	}
	if limit := (len(set.None) + 9) / 10; confident > limit {
		t.Errorf("%d of %d out-of-scope questions got a confident answer; at most %d", confident, len(set.None), limit)
	}
}
