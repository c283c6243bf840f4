package store

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// TestGroupCommitFailsAlone: concurrent applies commit together; one whose change fails fails alone and
// the others are applied.
func TestGroupCommitFailsAlone(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "g.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.Apply(i+1, func(tx *Tx) error {
				if i == 7 {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 7) != errors.Is(err, boom) {
			t.Errorf("apply %d: %v", i+1, err)
		}
	}
	for i := range errs {
		applied, err := db.Apply(i+1, nil)
		if err != nil || applied != (i == 7) {
			t.Errorf("update %d: applied again = %v (%v); want only the failed one", i+1, applied, err)
		}
	}
}
