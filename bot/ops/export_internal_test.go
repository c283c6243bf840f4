package ops

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// TestExportContract: a kind no feature registered is not offered and says so; rows a feature reports
// about a learner who is gone are dropped; the menu lists this feature's kinds first, then the others'
// in the order they were registered.
func TestExportContract(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, tehran)
	f := newUnitBot(t, nil, now, nil)
	if kinds := f.exportKinds(); !slices.Equal(kinds, []string{"learners", "progress"}) {
		t.Errorf("export kinds without other features = %q", kinds)
	}
	if f.validExportKind("events") {
		t.Error("events is a valid export kind without the events feature")
	}
	if _, _, err := f.buildExport("events", "fa"); !errors.Is(err, errExportUnavailable) {
		t.Errorf("events export without the feature: %v; want errExportUnavailable", err)
	}

	if err := f.Store.Update(func(tx *store.Tx) error {
		return tx.PutUser(&store.User{ID: 101, FirstName: "مریم", DailyMinute: store.NoDailyTime})
	}); err != nil {
		t.Fatal(err)
	}
	f.Export("events", func(tx *store.Tx, lang string, w bot.ExportWriter) error {
		if err := w.Header([]string{"رویداد", "شناسه", "نام"}); err != nil {
			return err
		}
		for i, row := range [][]string{{"کارگاه قیمت‌گذاری", "101", "مریم"}, {"کارگاه قیمت‌گذاری", "555", "کسی که رفت"}, {"نمایشگاه", "", ""}} {
			if err := w.Row([]int64{101, 555, 0}[i], row); err != nil {
				return err
			}
		}
		return nil
	})
	data, n, err := f.buildExport("events", "fa")
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := bytes.CutPrefix(data, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatal("CSV does not start with the UTF-8 byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(rows) != 3 || rows[1][2] != "مریم" || rows[2][0] != "نمایشگاه" {
		t.Errorf("events rows = %q (%d); want maryam's and the row about no one, not the deleted learner's", rows, n)
	}

	// As in the app: events and consultations register before this feature does.
	noop := func(*store.Tx, string, bot.ExportWriter) error { return nil }
	f = newUnitBot(t, nil, now, func(b *bot.Bot) {
		b.Export("events", noop)
		b.Export("consultations", noop)
	})
	if kinds := f.exportKinds(); !slices.Equal(kinds, []string{"learners", "progress", "events", "consultations"}) {
		t.Errorf("export kinds = %q; want learners, progress, events, consultations", kinds)
	}
}
