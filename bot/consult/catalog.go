package consult

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// What a consultant's offer card tells of a learner's progress is read from the catalog and the
// learner's store records (the lessons and review features own them; these are the club's own reads, the
// same as theirs).

// coursesFor lists the catalog's courses, those of the learner's track first.
func coursesFor(cat *lessons.Catalog, track string) []*lessons.Course {
	var mine, rest []*lessons.Course
	for _, co := range cat.Courses {
		if slices.Contains(co.Tracks, track) {
			mine = append(mine, co)
		} else {
			rest = append(rest, co)
		}
	}
	return append(mine, rest...)
}

// courseDone counts the lessons of a course the learner completed.
func courseDone(co *lessons.Course, progress map[string]store.LessonProgress) int {
	n := 0
	for _, l := range co.Lessons {
		if !progress[l.ID].Completed.IsZero() {
			n++
		}
	}
	return n
}

// questionByID finds a review question ("<lesson id>/<n>", n from 1) and its index in the lesson's quiz.
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
