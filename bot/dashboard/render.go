package dashboard

import (
	"bytes"
	"embed"
	"encoding/csv"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
)

//go:embed static templates
var assets embed.FS

var templates = template.Must(template.ParseFS(assets, "templates/*.html"))

// page is what every dashboard page shows: cards of headline figures, then sections of a chart and a
// table each. Pages are built from data (pages.go) and drawn by one template.
type page struct {
	ID, Title   string
	Lang, Dir   string
	Nav         []link
	Ranges      []link // preset ranges; none on pages without one
	Cards       []card
	Sections    []section
	Note        string // e.g. "figures of the rollup of <date>"
	SignOut     string
	SignedIn    bool
	Generated   string
	RangeSuffix string // "&r=30" for the CSV links
}

type link struct {
	Label, Href string
	Current     bool
}

type card struct{ Label, Value, Note string }

type section struct {
	Title, Note string
	Chart       template.HTML
	Table       *table
}

// table is one table of a page; each cell is shown formatted and written raw to its CSV.
type table struct {
	ID    string
	Head  []string
	Rows  [][]cell
	Empty string // shown instead of an empty table
	CSV   string // the link to its CSV
	Label string // the CSV link's text
}

type cell struct {
	Text, Raw string
	Num       bool // aligned as a number
}

func textCell(s string) cell { return cell{Text: s, Raw: s} }

// fmtr formats figures in the viewer's language: Persian digits and Jalali dates in Persian.
type fmtr struct {
	bot.Voice
	loc *time.Location
}

func (x fmtr) int(n int64) cell {
	return cell{Text: x.Num64(n), Raw: strconv.FormatInt(n, 10), Num: true}
}

func (x fmtr) dec(v float64, prec int) string {
	if x.Lang == "fa" {
		return persian.Float(v, prec)
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func (x fmtr) float(v float64, prec int) cell {
	return cell{Text: x.dec(v, prec), Raw: strconv.FormatFloat(v, 'f', prec, 64), Num: true}
}

func (x fmtr) pct(part, whole int64) cell {
	if whole == 0 {
		return cell{Text: "—", Raw: "", Num: true}
	}
	p := float64(part) / float64(whole) * 100
	c := x.float(p, 1)
	c.Text += x.percentSign()
	return c
}

func (x fmtr) percentSign() string {
	if x.Lang == "fa" {
		return "٪"
	}
	return "%"
}

// day is a date as a table shows it: ۱۴۰۵/۰۹/۱۶ in Persian; the CSV gets both calendars.
func (x fmtr) day(t time.Time) cell {
	t = t.In(x.loc)
	y, m, d := persian.ToJalali(t)
	raw := strconv.Itoa(y) + "/" + twoDigits(m) + "/" + twoDigits(d) + " (" + t.Format(time.DateOnly) + ")"
	if x.Lang == "fa" {
		return cell{Text: persian.ShortDate(t), Raw: raw}
	}
	return cell{Text: t.Format("2 Jan 2006"), Raw: raw}
}

// shortDay is a chart label: month/day.
func (x fmtr) shortDay(t time.Time) string {
	t = t.In(x.loc)
	if x.Lang == "fa" {
		_, m, d := persian.ToJalali(t)
		return persian.Digits(strconv.Itoa(d)) + " " + persian.MonthName(m)
	}
	return t.Format("2 Jan")
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// routes is the dashboard's mux: sign-in, pages, static files.
func (f *Feature) routes() *http.ServeMux {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	files := http.StripPrefix("/dashboard/static/", http.FileServerFS(static))
	mux.Handle("GET /dashboard/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	}))
	mux.HandleFunc("GET /dashboard/login", f.serveLoginForm)
	mux.HandleFunc("POST /dashboard/login", f.handleLogin)
	mux.HandleFunc("POST /dashboard/logout", f.handleLogout)
	mux.HandleFunc("GET /dashboard", f.servePage)
	mux.HandleFunc("GET /dashboard/{$}", f.servePage)
	mux.HandleFunc("GET /dashboard/{page}", f.servePage)
	return mux
}

// servePage authenticates the request and draws the page, or one of its tables as CSV (?csv=<table>).
func (f *Feature) servePage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("page")
	if id == "" {
		id = "overview"
	}
	build, ok := f.pageBuilders()[id]
	if !ok {
		http.NotFound(w, r)
		return
	}
	who, ok := f.authenticate(w, r)
	if !ok {
		return
	}
	v := fmtr{f.Voice(who.lang), f.Location}
	now := f.LocalNow()
	rg := parseRange(r.URL.Query().Get("r"), now)
	p, err := build(v, rg, now)
	if err != nil {
		f.Logger.Error("dashboard page", "page", id, "err", err)
		f.refuse(w, r, http.StatusInternalServerError, "DashFailed")
		return
	}
	f.decorate(p, v, id, rg, now, who)
	if name := r.URL.Query().Get("csv"); name != "" {
		for _, s := range p.Sections {
			if s.Table != nil && s.Table.ID == name {
				writeCSV(w, id+"-"+name+".csv", s.Table)
				return
			}
		}
		http.NotFound(w, r)
		return
	}
	f.render(w, http.StatusOK, "page", p)
}

// decorate adds what every page has: navigation, ranges, CSV links, language and direction.
func (f *Feature) decorate(p *page, v fmtr, id string, rg span, now time.Time, who viewer) {
	p.ID, p.Lang, p.Dir = id, v.Lang, "rtl"
	if v.Lang != "fa" {
		p.Dir = "ltr"
	}
	p.SignedIn = who.admin != 0
	p.SignOut = v.T("DashSignOut")
	p.Generated = v.T("DashGenerated", "Date", v.Date(now), "Time", v.Time(now))
	for _, pid := range pageOrder {
		href := "/dashboard"
		if pid != "overview" {
			href += "/" + pid
		}
		if pid == id {
			p.Title = v.T("DashPage_" + pid)
		}
		p.Nav = append(p.Nav, link{Label: v.T("DashPage_" + pid), Href: href + rangeQuery(rg.key, "?"), Current: pid == id})
	}
	self := "/dashboard"
	if id != "overview" {
		self += "/" + id
	}
	if rangedPages[id] {
		for _, k := range rangeKeys(now) {
			p.Ranges = append(p.Ranges, link{Label: rangeLabel(v, k, now), Href: self + "?r=" + k, Current: k == rg.key})
		}
	}
	for _, s := range p.Sections {
		if s.Table != nil {
			s.Table.CSV = self + "?csv=" + s.Table.ID + rangeQuery(rg.key, "&")
			s.Table.Label = v.T("DashDownloadCSV")
		}
	}
}

func rangeQuery(key, sep string) string {
	if key == defaultRange {
		return ""
	}
	return sep + "r=" + key
}

func (f *Feature) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name+".html", data); err != nil {
		f.Logger.Error("dashboard template", "template", name, "err", err)
		http.Error(w, "", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer") // the sign-in link's token never leaves in a Referer
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeCSV writes a table as CSV with a byte-order mark, so that spreadsheet programs read it as UTF-8.
func writeCSV(w http.ResponseWriter, name string, t *table) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	_ = cw.Write(t.Head)
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, c := range row {
			rec[i] = csvSafe(c.Raw)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from running a cell as a formula (an event title is admin-written text).
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '@' || s[0] == '\t' || s[0] == '\r' || (s[0] == '-' && len(s) > 1 && (s[1] < '0' || s[1] > '9'))) {
		return "'" + s
	}
	return s
}
