package ops

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// /export sends learners, progress, and what other features export (events, consultations: their
// Export registrations) as a CSV document: UTF-8 with a byte-order mark, so spreadsheet programs show
// Persian instead of mojibake. A learner who deleted their data is not in the store any more, and a row
// another feature reports about such a learner (bot.Table.UserIDs) is dropped here. The same files are
// served on the ops listener at /export/{kind} (no size limit there).

// This feature's export kinds; they come first in the menu, the other features' kinds follow in the
// order they were registered.
const (
	exportLearners = "learners"
	exportProgress = "progress"
)

// exportKinds are the export kinds in menu order: learners, progress, then the rest in registration
// order.
func (f *Feature) exportKinds() []string {
	kinds := []string{exportLearners, exportProgress}
	for _, k := range f.Exports() {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// errExportUnavailable: the feature behind the export has not registered it (yet).
var errExportUnavailable = errors.New("export not available")

const utf8BOM = "\ufeff"

func (f *Feature) handleExport(ctx context.Context, c *bot.Ctx) error {
	if kind := strings.ToLower(strings.TrimSpace(c.Args)); kind != "" {
		if !f.validExportKind(kind) {
			return c.Fail("ExportUsage")
		}
		return f.sendExport(ctx, c, kind)
	}
	var row []tgbotapi.InlineKeyboardButton
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, kind := range f.exportKinds() {
		row = append(row, actExport.Button(c.T("ExportButton_"+kind), kind))
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("ExportChoose"), &kb)
}

func (f *Feature) handleExportChoice(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 || !f.validExportKind(c.Data[0]) {
		return bot.HandleStaleButton(ctx, c)
	}
	if f.ExportOf(c.Data[0]) == nil {
		return c.Fail("ExportUnavailable", "Kind", c.T("ExportButton_"+c.Data[0]))
	}
	_ = c.Toast(ctx, c.T("ExportPreparing"), false) // the upload may take a moment; stop the spinner now
	return f.sendExport(ctx, c, c.Data[0])
}

func (f *Feature) validExportKind(kind string) bool {
	return slices.Contains(f.exportKinds(), kind)
}

// sendExport builds an export and sends it as a document to the admin.
func (f *Feature) sendExport(ctx context.Context, c *bot.Ctx, kind string) error {
	data, rows, err := f.buildExport(kind, c.Lang)
	if errors.Is(err, errExportUnavailable) {
		return c.Fail("ExportUnavailable", "Kind", c.T("ExportButton_"+kind))
	}
	if err != nil {
		return err
	}
	if int64(len(data)) > f.opts.MaxDocument {
		return c.Fail("ExportTooLarge", "Size", megabytes(c.Voice, int64(len(data))), "Endpoint", f.endpointHint("/export/"+kind))
	}
	now := f.LocalNow()
	name := fmt.Sprintf("tavan-%s-%s.csv", kind, now.Format("2006-01-02"))
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileBytes{Name: name, Bytes: data})
	doc.Caption = c.T("ExportCaption", "Kind", c.T("ExportButton_"+kind), "Rows", big(c.Voice, int64(rows)), "Date", c.Date(now))
	doc.ParseMode = tgbotapi.ModeHTML
	if _, err := f.Send(ctx, doc); err != nil {
		return err
	}
	f.Logger.Info("export sent", "kind", kind, "admin", c.User.ID, "rows", rows, "bytes", len(data))
	return nil
}

// buildExport renders an export as CSV bytes (with BOM) and counts its rows.
func (f *Feature) buildExport(kind, lang string) ([]byte, int, error) {
	var buf bytes.Buffer
	rows, err := f.writeExport(&buf, kind, lang)
	return buf.Bytes(), rows, err
}

func (f *Feature) writeExport(w interface{ Write([]byte) (int, error) }, kind, lang string) (int, error) {
	export := f.ExportOf(kind)
	if export == nil {
		return 0, errExportUnavailable
	}
	var table bot.Table
	err := f.Store.View(func(tx *store.Tx) error {
		var err error
		if table, err = export(tx, lang); err != nil {
			return err
		}
		if table.UserIDs == nil {
			return nil
		}
		kept := table.Rows[:0]
		for i, row := range table.Rows {
			if i < len(table.UserIDs) && table.UserIDs[i] != 0 && !tx.HasUser(table.UserIDs[i]) {
				continue // the learner deleted their data
			}
			kept = append(kept, row)
		}
		table.Rows = kept
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("export %s: %w", kind, err)
	}
	if _, err := w.Write([]byte(utf8BOM)); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what spreadsheet programs expect
	if err := cw.Write(table.Header); err != nil {
		return 0, err
	}
	for _, row := range table.Rows {
		safe := make([]string, len(row))
		for i, cell := range row {
			safe[i] = csvCell(cell)
		}
		if err := cw.Write(safe); err != nil {
			return 0, err
		}
	}
	cw.Flush()
	return len(table.Rows), cw.Error()
}

// csvCell defuses a value a spreadsheet would run as a formula (a learner named "=HYPERLINK(…)").
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func yesNo(v bot.Voice, yes bool) string {
	if yes {
		return v.T("CsvYes")
	}
	return v.T("CsvNo")
}

func trackName(v bot.Voice, id string) string {
	if id == "" {
		return ""
	}
	if name := v.T("Track_" + id); name != "Track_"+id {
		return name
	}
	return id
}

// exportLearnerRows: one row per stored learner. Names are first names only; usernames, last names and
// phone numbers stay out of files that travel.
func (f *Feature) exportLearnerRows(tx *store.Tx, lang string) (bot.Table, error) {
	v := f.Voice(lang)
	t := bot.Table{Header: v.CSVHeader("CsvLearnersHeader")}
	now := f.LocalNow()
	err := tx.EachUser(func(u *store.User) error {
		paused := ""
		if u.Paused(now) {
			paused = v.CSVTime(u.PausedUntil)
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatInt(u.ID, 10),
			u.FirstName,
			bot.UserLang(u),
			trackName(v, u.Track),
			v.CSVTime(u.Created),
			v.CSVJalali(u.Created),
			v.CSVTime(u.LastActive),
			strconv.Itoa(u.LessonsCompleted),
			strconv.Itoa(u.MinutesLearned),
			strconv.Itoa(u.CurrentStreak(now)),
			yesNo(v, u.Onboarded),
			yesNo(v, u.Blocked),
			paused,
		})
		return nil
	})
	return t, err
}

// exportProgressRows: one row per lesson a learner opened.
func (f *Feature) exportProgressRows(tx *store.Tx, lang string) (bot.Table, error) {
	v := f.Voice(lang)
	t := bot.Table{Header: v.CSVHeader("CsvProgressHeader")}
	cat := f.Content()
	err := tx.EachProgress(func(userID int64, lessonID string, p store.LessonProgress) error {
		courseID, courseTitle, lessonTitle, questions := "", "", "", ""
		if l := cat.Lesson(lessonID); l != nil {
			courseID, courseTitle, lessonTitle = l.Course.ID, l.Course.Title.In(lang), l.Title.In(lang)
			questions = strconv.Itoa(len(l.Quiz))
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatInt(userID, 10),
			courseID, courseTitle, lessonID, lessonTitle,
			v.CSVTime(p.Opened),
			v.CSVTime(p.Completed),
			strconv.Itoa(p.Minutes),
			strconv.Itoa(p.Attempt),
			strconv.Itoa(p.Best),
			questions,
			yesNo(v, p.Passed),
		})
		t.UserIDs = append(t.UserIDs, userID)
		return nil
	})
	return t, err
}

// serveExport is GET /export/{kind}[.csv][?lang=en] on the ops listener.
func (f *Feature) serveExport(w http.ResponseWriter, r *http.Request) {
	kind := strings.TrimSuffix(r.PathValue("kind"), ".csv")
	if !f.validExportKind(kind) {
		http.Error(w, "unknown export; one of: "+strings.Join(f.exportKinds(), ", "), http.StatusNotFound)
		return
	}
	lang := "fa"
	if r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	var buf bytes.Buffer
	rows, err := f.writeExport(&buf, kind, lang)
	if errors.Is(err, errExportUnavailable) {
		http.Error(w, kind+": nothing to export yet (the feature is not installed)", http.StatusNotFound)
		return
	}
	if err != nil {
		f.Logger.Error("export over HTTP", "kind", kind, "err", err)
		http.Error(w, "export failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tavan-%s-%s.csv"`, kind, f.LocalNow().Format("2006-01-02")))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
	f.Logger.Info("export served over HTTP", "kind", kind, "rows", rows, "remote", r.RemoteAddr)
}

// megabytes formats a size for an admin.
func megabytes(v bot.Voice, n int64) string {
	return decimal(v, float64(n)/(1<<20), 1)
}

// endpointHint tells an admin where the ops listener serves a file that is too big for the chat.
func (f *Feature) endpointHint(path string) string {
	addr := f.opts.HTTPAddr
	if addr == "" {
		return "<code>GET " + path + "</code> (TAVAN_HTTP_ADDR, TAVAN_HTTP_TOKEN)"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "localhost" + addr
	}
	return "<code>GET http://" + bot.Escape(addr) + path + "</code>"
}
