package store

import (
	"fmt"
	"time"
)

// bucketCarried records each replaced lesson id whose learners' progress CarryOverSplits has carried to the
// lessons that replace it (old lesson id → when), so a split is carried once however often the bot starts.
var bucketCarried = bucket("carried_lessons")

// CarryResult says what CarryOverSplits did.
type CarryResult struct {
	Lessons  int // replaced lesson ids carried over in this run
	Learners int // learners who had progress in one of them
	Marked   int // lesson records marked completed by the carry
}

// CarryOverSplits moves learners' progress from lessons a content split replaced to the lessons that replace
// them. replacements maps an old lesson id to the ids that replace it, in course order (the catalog's
// lessons' `replaces`; the store does not read content). For every learner with progress in an old lesson:
//
//   - a completed old lesson marks every replacement completed (at the same time, quiz passed as it was),
//     unless the learner already completed it; its credited minutes go to the first replacement's record
//     only, and the learner's totals do not change, so nothing is credited twice. The quiz's attempt and best
//     score stay empty: the new questions were never answered, so course scores count only real answers;
//   - the learner's current lesson, if it is the old one, becomes the first replacement not completed (the
//     last one when all are), so "next lesson" continues where they were.
//
// The old records stay as they were (nothing is lost if the content is rolled back). Each old id is carried
// once: later calls skip ids already carried, so it is safe at every start.
func (db *DB) CarryOverSplits(replacements map[string][]string) (CarryResult, error) {
	var res CarryResult
	if len(replacements) == 0 {
		return res, nil
	}
	// Usually every split was carried at an earlier start: find that out without a write transaction.
	var todo bool
	if err := db.View(func(tx *Tx) error {
		carried := tx.tx.Bucket(bucketCarried)
		for old, news := range replacements {
			if len(news) > 0 && carried.Get([]byte(old)) == nil {
				todo = true
				break
			}
		}
		return nil
	}); err != nil || !todo {
		return res, err
	}
	err := db.Update(func(tx *Tx) error {
		carried := tx.tx.Bucket(bucketCarried)
		pending := map[string][]string{}
		for old, news := range replacements {
			if len(news) > 0 && carried.Get([]byte(old)) == nil {
				pending[old] = news
			}
		}
		if len(pending) == 0 {
			return nil
		}
		// One pass over all progress finds the learners who had a replaced lesson.
		type oldRecord struct {
			lesson string
			p      LessonProgress
		}
		byUser := map[int64][]oldRecord{}
		var order []int64
		c := tx.tx.Bucket(bucketProgress).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) <= 8 {
				continue
			}
			lesson := string(k[8:])
			if _, ok := pending[lesson]; !ok {
				continue
			}
			userID := int64(btoi(k[:8]))
			p, err := tx.Progress(userID, lesson)
			if err != nil {
				return err
			}
			if byUser[userID] == nil {
				order = append(order, userID)
			}
			byUser[userID] = append(byUser[userID], oldRecord{lesson, p})
		}
		for _, userID := range order {
			res.Learners++
			for _, rec := range byUser[userID] {
				n, err := tx.carryLesson(userID, rec.p, pending[rec.lesson])
				if err != nil {
					return err
				}
				res.Marked += n
			}
			u, err := tx.User(userID)
			if err != nil {
				continue // progress of a learner who deleted their data: nothing to point
			}
			if news, ok := pending[u.CurrentLesson]; ok {
				u.CurrentLesson = news[len(news)-1]
				for _, id := range news {
					if p, err := tx.Progress(userID, id); err != nil {
						return err
					} else if p.Completed.IsZero() {
						u.CurrentLesson = id
						break
					}
				}
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
		}
		stamp := itob(tx.Now().UnixNano())
		for old := range pending {
			if err := carried.Put([]byte(old), stamp); err != nil {
				return err
			}
			res.Lessons++
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("carry progress over split lessons: %w", err)
	}
	return res, nil
}

// carryLesson marks the replacements of a completed old lesson completed; it returns how many it marked.
func (tx *Tx) carryLesson(userID int64, old LessonProgress, news []string) (int, error) {
	if old.Completed.IsZero() {
		return 0, nil
	}
	marked := 0
	for i, id := range news {
		p, err := tx.Progress(userID, id)
		if err != nil {
			return marked, err
		}
		if !p.Completed.IsZero() {
			continue
		}
		if p.Opened.IsZero() {
			p.Opened = old.Opened
		}
		p.Completed = old.Completed
		p.Passed = old.Passed
		if i == 0 {
			p.Minutes = old.Minutes // the minutes were credited once, for the old lesson: recorded once
		}
		if err := tx.PutProgress(userID, id, p); err != nil {
			return marked, err
		}
		marked++
	}
	return marked, nil
}

// CarriedAt is when CarryOverSplits carried the old lesson id over (zero if never).
func (db *DB) CarriedAt(oldLessonID string) (time.Time, error) {
	var at time.Time
	err := db.View(func(tx *Tx) error {
		if v := tx.tx.Bucket(bucketCarried).Get([]byte(oldLessonID)); v != nil {
			at = time.Unix(0, int64(btoi(v)))
		}
		return nil
	})
	return at, err
}
