package learning

import (
	"context"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// Spaced review uses Leitner boxes. A missed question goes to box 1 (again tomorrow); one in three
// questions answered right in a lesson quiz goes to box 2, so that what was known is also refreshed. In a
// review, a right answer moves the card up a box, a wrong one back to box 1; a right answer in the last
// box retires the card. leitnerDays[box] is the wait, in days, before a card in that box is due.
var leitnerDays = [store.MaxBox + 1]int{0, 1, 2, 4, 8, 16}

// dayOf is the transaction's time in the program's zone.
func (f *Feature) dayOf(tx *store.Tx) time.Time { return tx.Now().In(f.Location) }

// sampledForReview picks the correct answers that still enter the schedule: a stable one-in-three.
func sampledForReview(userID int64, questionID string) bool {
	h := fnv.New32a()
	h.Write([]byte(strconv.FormatInt(userID, 10) + "/" + questionID))
	return h.Sum32()%3 == 0
}

// scheduleReview files a lesson-quiz answer into the learner's review schedule.
func (f *Feature) scheduleReview(tx *store.Tx, u *store.User, questionID string, correct bool) error {
	today := f.dayOf(tx)
	if !correct {
		return tx.PutReviewCard(u.ID, questionID, store.ReviewCard{Box: 1, Due: store.DayString(today.AddDate(0, 0, leitnerDays[1]))})
	}
	if _, ok := tx.ReviewCard(u.ID, questionID); !ok && sampledForReview(u.ID, questionID) {
		return tx.PutReviewCard(u.ID, questionID, store.ReviewCard{Box: 2, Due: store.DayString(today.AddDate(0, 0, leitnerDays[2]))})
	}
	return nil
}

// reviewAnswered moves a due card by the answer; a card that is not due was answered already.
func (f *Feature) reviewAnswered(tx *store.Tx, u *store.User, questionID string, correct bool) error {
	now := f.dayOf(tx)
	today := store.DayString(now)
	card, ok := tx.ReviewCard(u.ID, questionID)
	if !ok || card.Due > today {
		return errAnswered
	}
	card.Seen++
	u.BumpStreak(now)
	if !correct {
		card.Box = 1
		card.Due = store.DayString(now.AddDate(0, 0, leitnerDays[1]))
		return tx.PutReviewCard(u.ID, questionID, card)
	}
	if card.Box >= store.MaxBox {
		return tx.DeleteReviewCard(u.ID, questionID)
	}
	card.Box++
	card.Due = store.DayString(now.AddDate(0, 0, leitnerDays[card.Box]))
	return tx.PutReviewCard(u.ID, questionID, card)
}

// dueReviews lists the questions due today that still exist in the content.
func (f *Feature) dueReviews(userID int64) ([]string, error) {
	var ids []string
	err := f.Store.View(func(tx *store.Tx) error {
		ids = f.dueReviewsIn(tx, userID, f.LocalNow())
		return nil
	})
	return ids, err
}

// dueReviewsIn is dueReviews inside the caller's transaction (the daily scheduler reads many learners in one).
func (f *Feature) dueReviewsIn(tx *store.Tx, userID int64, now time.Time) []string {
	ids := tx.DueReviews(userID, store.DayString(now.In(f.Location)))
	cat := f.Content()
	kept := ids[:0]
	for _, id := range ids {
		if l, _ := questionByID(cat, id); l != nil {
			kept = append(kept, id)
		}
	}
	return kept
}

// questionByID finds a question by its "<lesson>/<n>" id; nil when the lesson or question is gone.
func questionByID(cat *lessons.Catalog, id string) (*lessons.Lesson, int) {
	lessonID, n, ok := strings.Cut(id, "/")
	if !ok {
		return nil, 0
	}
	i, err := strconv.Atoi(n)
	l := cat.Lesson(lessonID)
	if err != nil || l == nil || i < 1 || i > len(l.Quiz) {
		return nil, 0
	}
	return l, i - 1
}

func (f *Feature) handleReview(ctx context.Context, c *bot.Ctx) error {
	due, err := f.dueReviews(c.User.ID)
	if err != nil {
		return err
	}
	if len(due) == 0 {
		_, err := c.Reply(ctx, c.T("ReviewNothingDue"), nil)
		return err
	}
	if _, err := c.Reply(ctx, c.N("ReviewIntro", len(due), "Count", c.Num(len(due))), nil); err != nil {
		return err
	}
	return f.nextReview(ctx, c)
}

// nextReview asks the next due question, or closes the review.
func (f *Feature) nextReview(ctx context.Context, c *bot.Ctx) error {
	due, err := f.dueReviews(c.User.ID)
	if err != nil {
		return err
	}
	if len(due) == 0 {
		id := "ReviewDone"
		if missed, err := f.missedToday(c.User.ID); err != nil {
			return err
		} else if missed {
			id = "ReviewDoneMissed" // only then: "you will see the ones you missed tomorrow"
		}
		_, err := c.Reply(ctx, c.T(id), nil)
		return err
	}
	l, qi := questionByID(f.Content(), due[0])
	return f.askQuestion(ctx, c.ChatID, c.Lang, l, qi, 0)
}

// missedToday reports whether a question went back to the first box today: missed in today's review (or
// quiz), so due again tomorrow.
func (f *Feature) missedToday(userID int64) (bool, error) {
	missed := false
	err := f.Store.View(func(tx *store.Tx) error {
		tomorrow := store.DayString(f.LocalNow().AddDate(0, 0, leitnerDays[1]))
		for _, id := range tx.DueReviews(userID, tomorrow) {
			if card, ok := tx.ReviewCard(userID, id); ok && card.Box == 1 && card.Due == tomorrow {
				missed = true
				break
			}
		}
		return nil
	})
	return missed, err
}
