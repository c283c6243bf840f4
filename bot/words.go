package bot

import "github.com/tavan7/tavan/lessons"

// Count is a number of things as running text says it: in Persian, one is written as a word («یک روز»,
// «یک ساعت»), every other number in digits.
func (v Voice) Count(n int) string {
	if n == 1 && v.Lang != "en" {
		return "یک"
	}
	return v.Num(n)
}

// Content is a content text (a course or lesson title, a library item's name …) in the reader's
// language; to an English reader, a text that exists only in Persian is marked «(in Persian)». The
// result is plain text: escape it like any value.
func (v Voice) Content(t lessons.Text) string {
	s := t.In(v.Lang)
	if v.Lang == "en" && t.EN == "" && t.FA != "" {
		s += " " + v.T("InPersianMark")
	}
	return s
}
