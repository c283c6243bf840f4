package ops

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
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
// another feature reports about such a learner (the userID of bot.ExportWriter.Row) is dropped here. Rows
// stream from the store's cursor into the CSV writer: the chat's copy goes through a temporary file and
// stops as soon as it passes the document limit; the ops listener's /export/{kind} streams to the client
// (no size limit there).

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

// errExportTooLarge stops an export that passed the chat's document limit: the rest is not even read.
var errExportTooLarge = errors.New("export larger than the document limit")

// sendExport writes an export to a temporary file, stopping as soon as it passes the document limit, and
// sends it as a document to the admin. A file rather than memory: an export's size has no bound.
func (f *Feature) sendExport(ctx context.Context, c *bot.Ctx, kind string) error {
	if f.ExportOf(kind) == nil {
		return c.Fail("ExportUnavailable", "Kind", c.T("ExportButton_"+kind))
	}
	file, err := os.CreateTemp("", "tavan-export-*.csv")
	if err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	defer os.Remove(file.Name())
	defer file.Close()
	out := &limitWriter{w: file, limit: f.opts.MaxDocument}
	rows, err := f.writeExport(out, kind, c.Lang)
	switch {
	case errors.Is(err, errExportTooLarge):
		f.Logger.Info("export too large for the chat", "kind", kind, "rows_written", rows)
		return c.Fail("ExportTooLarge", "Endpoint", f.endpointHint("/export/"+kind))
	case err != nil:
		return err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("export %s: %w", kind, err)
	}
	now := f.LocalNow()
	name := fmt.Sprintf("tavan-%s-%s.csv", kind, now.Format("2006-01-02"))
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileReader{Name: name, Reader: file})
	doc.Caption = c.T("ExportCaption", "Kind", c.T("ExportButton_"+kind), "Rows", big(c.Voice, int64(rows)), "Date", c.Date(now))
	doc.ParseMode = tgbotapi.ModeHTML
	if _, err := f.Send(ctx, doc); err != nil {
		return err
	}
	f.Logger.Info("export sent", "kind", kind, "admin", c.User.ID, "rows", rows, "bytes", out.n)
	return nil
}

// limitWriter fails with errExportTooLarge once more than limit bytes would be written (limit <= 0: none).
type limitWriter struct {
	w     io.Writer
	limit int64
	n     int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.limit > 0 && l.n+int64(len(p)) > l.limit {
		return 0, errExportTooLarge
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	return n, err
}

// buildExport renders an export as CSV bytes (with BOM) and counts its rows (tests).
func (f *Feature) buildExport(kind, lang string) ([]byte, int, error) {
	var buf bytes.Buffer
	rows, err := f.writeExport(&buf, kind, lang)
	return buf.Bytes(), rows, err
}

// writeExport streams an export as CSV (with BOM) to w, row by row from the store's cursor, and returns
// how many rows it wrote. It stops at the first error of w.
func (f *Feature) writeExport(w io.Writer, kind, lang string) (int, error) {
	export := f.ExportOf(kind)
	if export == nil {
		return 0, errExportUnavailable
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return 0, fmt.Errorf("export %s: %w", kind, err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what spreadsheet programs expect
	out := &csvExport{cw: cw}
	err := f.Store.View(func(tx *store.Tx) error {
		out.tx = tx
		return export(tx, lang, out)
	})
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return out.rows, fmt.Errorf("export %s: %w", kind, err)
	}
	return out.rows, nil
}

// csvExport is writeExport's bot.ExportWriter: it drops rows about learners who deleted their data and
// defuses formulas.
type csvExport struct {
	tx   *store.Tx
	cw   *csv.Writer
	rows int
	safe []string // reused for every row
}

func (e *csvExport) Header(cols []string) error { return e.cw.Write(cols) }

func (e *csvExport) Row(userID int64, cells []string) error {
	if userID != 0 && !e.tx.HasUser(userID) {
		return nil // the learner deleted their data
	}
	e.safe = e.safe[:0]
	for _, cell := range cells {
		e.safe = append(e.safe, csvCell(cell))
	}
	if err := e.cw.Write(e.safe); err != nil {
		return err
	}
	e.rows++
	return nil
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
func (f *Feature) exportLearnerRows(tx *store.Tx, lang string, w bot.ExportWriter) error {
	v := f.Voice(lang)
	if err := w.Header(v.CSVHeader("CsvLearnersHeader")); err != nil {
		return err
	}
	now := f.LocalNow()
	return tx.EachUser(func(u *store.User) error {
		paused := ""
		if u.Paused(now) {
			paused = v.CSVTime(u.PausedUntil)
		}
		return w.Row(u.ID, []string{
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
	})
}

// exportProgressRows: one row per lesson a learner opened.
func (f *Feature) exportProgressRows(tx *store.Tx, lang string, w bot.ExportWriter) error {
	v := f.Voice(lang)
	if err := w.Header(v.CSVHeader("CsvProgressHeader")); err != nil {
		return err
	}
	cat := f.Content()
	return tx.EachProgress(func(userID int64, lessonID string, p store.LessonProgress) error {
		courseID, courseTitle, lessonTitle, questions := "", "", "", ""
		if l := cat.Lesson(lessonID); l != nil {
			courseID, courseTitle, lessonTitle = l.Course.ID, l.Course.Title.In(lang), l.Title.In(lang)
			questions = strconv.Itoa(len(l.Quiz))
		}
		return w.Row(userID, []string{
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
	})
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
	if f.ExportOf(kind) == nil {
		http.Error(w, kind+": nothing to export yet (the feature is not installed)", http.StatusNotFound)
		return
	}
	// Streamed as it is read: no Content-Length, and a failure half-way can only cut the file short (the
	// log says so; a CSV cut short lacks its final CRLF).
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tavan-%s-%s.csv"`, kind, f.LocalNow().Format("2006-01-02")))
	rows, err := f.writeExport(w, kind, lang)
	if err != nil {
		f.Logger.Error("export over HTTP", "kind", kind, "rows", rows, "err", err)
		return
	}
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
