package ask

import (
	"testing"

	"github.com/tavan7/tavan/lessons"
)

func BenchmarkBuild(b *testing.B) {
	cat, err := lessons.Load(lessons.Embedded())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ix, err := Build(cat)
		if err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
}
