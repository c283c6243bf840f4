package bot

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// /export sends learners, progress, events or consultations as a CSV document: UTF-8 with a byte-order
// mark, so spreadsheet programs show Persian instead of mojibake. A learner who deleted their data is
// not in the store any more, and a row another feature reports about such a learner is dropped here.
// The same files are served on the ops listener at /export/{kind} (no size limit there).

const (
	exportLearners      = "learners"
	exportProgress      = "progress"
	exportEvents        = "events"
	exportConsultations = "consultations"
)

var exportKinds = []string{exportLearners, exportProgress, exportEvents, exportConsultations}

// csvTable is one export. UserIDs, when set, names the learner each row is about (0 for none).
type csvTable struct {
	Header  []string
	Rows    [][]string
	UserIDs []int64
}

// exportFunc builds an export in lang inside a read transaction.
type exportFunc func(tx *store.Tx, lang string) (csvTable, error)

// errExportUnavailable: the feature behind the export has not registered it (yet).
var errExportUnavailable = errors.New("export not available")

const utf8BOM = "\ufeff"

func (b *Bot) exportRoutes(r *Router) {
	r.AdminCommand("export", b.handleExport)
	r.AdminCallback("exp", b.handleExportChoice)
}

func (b *Bot) handleExport(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	if kind := strings.ToLower(strings.TrimSpace(c.Args)); kind != "" {
		if !validExportKind(kind) {
			return c.Fail("ExportUsage")
		}
		return b.sendExport(ctx, c, kind)
	}
	var row []tgbotapi.InlineKeyboardButton
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, kind := range exportKinds {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(c.T("ExportButton_"+kind), cb("exp", kind)))
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, c.T("ExportChoose"), &kb)
}

func (b *Bot) handleExportChoice(ctx context.Context, c *Ctx) error {
	if ok, err := requireAdmin(ctx, c); !ok {
		return err
	}
	if len(c.Data) != 1 || !validExportKind(c.Data[0]) {
		return handleStaleButton(ctx, c)
	}
	if b.ops.exports[c.Data[0]] == nil {
		return c.Fail("ExportUnavailable", "Kind", c.T("ExportButton_"+c.Data[0]))
	}
	_ = c.Toast(ctx, c.T("ExportPreparing"), false) // the upload may take a moment; stop the spinner now
	return b.sendExport(ctx, c, c.Data[0])
}

func validExportKind(kind string) bool {
	for _, k := range exportKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// sendExport builds an export and sends it as a document to the admin.
func (b *Bot) sendExport(ctx context.Context, c *Ctx, kind string) error {
	data, rows, err := b.buildExport(kind, c.Lang)
	if errors.Is(err, errExportUnavailable) {
		return c.Fail("ExportUnavailable", "Kind", c.T("ExportButton_"+kind))
	}
	if err != nil {
		return err
	}
	if int64(len(data)) > b.Ops.MaxDocument {
		return c.Fail("ExportTooLarge", "Size", c.megabytes(int64(len(data))), "Endpoint", b.endpointHint("/export/"+kind))
	}
	now := b.now()
	name := fmt.Sprintf("tavan-%s-%s.csv", kind, now.Format("2006-01-02"))
	doc := tgbotapi.NewDocument(c.ChatID, tgbotapi.FileBytes{Name: name, Bytes: data})
	doc.Caption = c.T("ExportCaption", "Kind", c.T("ExportButton_"+kind), "Rows", c.big(int64(rows)), "Date", c.date(now))
	doc.ParseMode = tgbotapi.ModeHTML
	if _, err := b.send(ctx, doc); err != nil {
		return err
	}
	b.Logger.Info("export sent", "kind", kind, "admin", c.User.ID, "rows", rows, "bytes", len(data))
	return nil
}

// buildExport renders an export as CSV bytes (with BOM) and counts its rows.
func (b *Bot) buildExport(kind, lang string) ([]byte, int, error) {
	var buf bytes.Buffer
	rows, err := b.writeExport(&buf, kind, lang)
	return buf.Bytes(), rows, err
}

func (b *Bot) writeExport(w interface{ Write([]byte) (int, error) }, kind, lang string) (int, error) {
	f := b.ops.exports[kind]
	if f == nil {
		return 0, errExportUnavailable
	}
	var table csvTable
	err := b.Store.View(func(tx *store.Tx) error {
		var err error
		if table, err = f(tx, lang); err != nil {
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

// exportHeader reads a table's column names from the locale files ("a|b|c").
func (b *Bot) exportHeader(lang, id string) []string {
	return strings.Split(b.Texts.T(lang, id), "|")
}

// exportTime is a time as spreadsheets read it, in the program's zone; "" for none.
func (b *Bot) exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(b.Location).Format("2006-01-02 15:04")
}

// exportJalali is a Jalali date: Persian digits in a Persian export, ASCII digits in an English one.
func (b *Bot) exportJalali(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	if lang == "fa" {
		return persian.ShortDate(t.In(b.Location))
	}
	return jalaliLatin(t.In(b.Location))
}

func (b *Bot) yesNo(lang string, v bool) string {
	if v {
		return b.Texts.T(lang, "CsvYes")
	}
	return b.Texts.T(lang, "CsvNo")
}

func (b *Bot) trackName(lang, id string) string {
	if id == "" {
		return ""
	}
	if name := b.Texts.T(lang, "Track_"+id); name != "Track_"+id {
		return name
	}
	return id
}

// exportLearnerRows: one row per stored learner. Names are first names only; usernames, last names and
// phone numbers stay out of files that travel.
func (b *Bot) exportLearnerRows(tx *store.Tx, lang string) (csvTable, error) {
	t := csvTable{Header: b.exportHeader(lang, "CsvLearnersHeader")}
	now := b.now()
	err := tx.EachUser(func(u *store.User) error {
		paused := ""
		if u.Paused(now) {
			paused = b.exportTime(u.PausedUntil)
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatInt(u.ID, 10),
			u.FirstName,
			userLang(u),
			b.trackName(lang, u.Track),
			b.exportTime(u.Created),
			b.exportJalali(u.Created, lang),
			b.exportTime(u.LastActive),
			strconv.Itoa(u.LessonsCompleted),
			strconv.Itoa(u.MinutesLearned),
			strconv.Itoa(currentStreak(u, now)),
			b.yesNo(lang, u.Onboarded),
			b.yesNo(lang, u.Blocked),
			paused,
		})
		return nil
	})
	return t, err
}

// exportProgressRows: one row per lesson a learner opened.
func (b *Bot) exportProgressRows(tx *store.Tx, lang string) (csvTable, error) {
	t := csvTable{Header: b.exportHeader(lang, "CsvProgressHeader")}
	cat := b.catalog()
	err := tx.EachProgress(func(userID int64, lessonID string, p store.LessonProgress) error {
		courseID, courseTitle, lessonTitle, questions := "", "", "", ""
		if l := cat.Lesson(lessonID); l != nil {
			courseID, courseTitle, lessonTitle = l.Course.ID, l.Course.Title.In(lang), l.Title.In(lang)
			questions = strconv.Itoa(len(l.Quiz))
		}
		t.Rows = append(t.Rows, []string{
			strconv.FormatInt(userID, 10),
			courseID, courseTitle, lessonID, lessonTitle,
			b.exportTime(p.Opened),
			b.exportTime(p.Completed),
			strconv.Itoa(p.Minutes),
			strconv.Itoa(p.Attempt),
			strconv.Itoa(p.Best),
			questions,
			b.yesNo(lang, p.Passed),
		})
		t.UserIDs = append(t.UserIDs, userID)
		return nil
	})
	return t, err
}

// serveExport is GET /export/{kind}[.csv][?lang=en] on the ops listener.
func (b *Bot) serveExport(w http.ResponseWriter, r *http.Request) {
	kind := strings.TrimSuffix(r.PathValue("kind"), ".csv")
	if !validExportKind(kind) {
		http.Error(w, "unknown export; one of: "+strings.Join(exportKinds, ", "), http.StatusNotFound)
		return
	}
	lang := "fa"
	if r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	var buf bytes.Buffer
	rows, err := b.writeExport(&buf, kind, lang)
	if errors.Is(err, errExportUnavailable) {
		http.Error(w, kind+": nothing to export yet (the feature is not installed)", http.StatusNotFound)
		return
	}
	if err != nil {
		b.Logger.Error("export over HTTP", "kind", kind, "err", err)
		http.Error(w, "export failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="tavan-%s-%s.csv"`, kind, b.now().Format("2006-01-02")))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
	b.Logger.Info("export served over HTTP", "kind", kind, "rows", rows, "remote", r.RemoteAddr)
}

// megabytes formats a size for an admin.
func (c *Ctx) megabytes(n int64) string {
	return c.decimal(float64(n)/(1<<20), 1)
}

// endpointHint tells an admin where the ops listener serves a file that is too big for the chat.
func (b *Bot) endpointHint(path string) string {
	addr := b.Ops.HTTPAddr
	if addr == "" {
		return "<code>GET " + path + "</code> (TAVAN_HTTP_ADDR, TAVAN_HTTP_TOKEN)"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "localhost" + addr
	}
	return "<code>GET http://" + htmlEscape(addr) + path + "</code>"
}
