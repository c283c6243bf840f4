package library_test

import (
	"testing"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/app/apptest"
	"github.com/tavan7/tavan/bot/store"
)

// BenchmarkSearchLibrary is one typed search over the shipped library, as a learner's query costs.
func BenchmarkSearchLibrary(b *testing.B) {
	h := newHarness(b, nil)
	cat := apptest.EmbeddedCatalog(b)
	for b.Loop() {
		if got := h.App.Library.SearchLibrary(cat, "كسب و كار"); got == 0 {
			b.Fatal("no results")
		}
	}
}

// BenchmarkNearestCentres renders the first page of centres sorted by distance, as after a shared location.
func BenchmarkNearestCentres(b *testing.B) {
	h := newHarness(b, nil)
	c := &bot.Ctx{Voice: h.Bot.Voice("fa"), User: &store.User{ID: 1}}
	if err := h.DB.Update(func(tx *store.Tx) error {
		_, err := tx.NewBrowse(1, store.Browse{Section: "cen", Near: true, Lat: hereLat, Lon: hereLon})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := h.App.Library.NearestCentres(c, 1); err != nil {
			b.Fatal(err)
		}
	}
}
