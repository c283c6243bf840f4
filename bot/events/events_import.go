package events

// Bulk import of events from a TOML or CSV document (format: docs/events-import.md). Parsing is pure:
// parseImport turns the file into events or into problems, each with its row, and the handler in
// events_admin.go stores all the events in one transaction or none.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

const (
	maxImportBytes = 1 << 20 // 1 MiB: hundreds of events
	maxImportRows  = 500
	maxReminders   = 5
	maxKeyLen      = 64
)

// importColumns are the fields an imported event may have; title, start, end and a place or an online
// link are required.
var importColumns = []string{"key", "title", "title_en", "description", "description_en", "start", "end",
	"place", "address", "lat", "lon", "online", "capacity", "tracks", "organizer", "reminders", "offer_hours"}

// importFormat is "toml" or "csv" by the file's extension, "" for anything else.
func importFormat(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".toml":
		return "toml"
	case ".csv":
		return "csv"
	}
	return ""
}

// importProblem is one thing wrong with an import file: its row (the CSV line, or the line of the TOML
// [[event]] header), a message id, and the message's values.
type importProblem struct {
	Line int
	ID   string
	KV   []any // string values are the admin's input (escaped when shown); ints are shown in the admin's digits
}

// localized renders the values for v: input escaped, numbers in v's digits.
func (p importProblem) localized(v voice) []any {
	out := make([]any, len(p.KV))
	for i, x := range p.KV {
		switch x := x.(type) {
		case int:
			out[i] = v.Num(x)
		case string:
			if i%2 == 1 {
				out[i] = bot.Escape(bot.Truncate(x, 80))
			} else {
				out[i] = x
			}
		default:
			out[i] = x
		}
	}
	return out
}

// importedEvent is a valid row: an event ready to be created.
type importedEvent struct {
	line  int
	event *store.Event
}

// importRecord is one row as field → text, before validation.
type importRecord struct {
	line   int
	fields map[string]string
}

// parseImport reads a whole import file. Either events or problems is empty.
func parseImport(format string, data []byte, now time.Time, loc *time.Location) ([]importedEvent, []importProblem) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, []importProblem{{Line: 1, ID: "EvImpNotUTF8"}}
	}
	var recs []importRecord
	var problems []importProblem
	if format == "csv" {
		recs, problems = readCSV(data)
	} else {
		recs, problems = readTOML(data)
	}
	if len(recs) == 0 && len(problems) == 0 {
		return nil, []importProblem{{Line: 1, ID: "EvImpEmpty"}}
	}
	if len(recs) > maxImportRows {
		return nil, []importProblem{{Line: recs[maxImportRows].line, ID: "EvImpTooManyRows", KV: []any{"Max", maxImportRows}}}
	}
	// Rows that were read are checked even when the file has other problems, so that one answer lists
	// everything to fix.
	var events []importedEvent
	keys := map[string]int{}
	for _, r := range recs {
		e, ps := buildEvent(r, now.In(loc))
		if key := r.fields["key"]; key != "" {
			if first, dup := keys[key]; dup {
				ps = append(ps, importProblem{Line: r.line, ID: "EvImpDupKey", KV: []any{"Key", key, "First", first}})
			} else {
				keys[key] = r.line
			}
		}
		problems = append(problems, ps...)
		if len(ps) == 0 {
			events = append(events, importedEvent{line: r.line, event: e})
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b importProblem) int { return a.Line - b.Line })
		return nil, problems
	}
	return events, nil
}

// readCSV reads a header row naming the columns (any order) and one event per row. A header with
// semicolons and no commas switches the separator (spreadsheets in some locales write that).
func readCSV(data []byte) ([]importRecord, []importProblem) {
	r := csv.NewReader(bytes.NewReader(data))
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(firstLine, []byte(";")) > 0 && !bytes.Contains(firstLine, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, []importProblem{csvProblem(err)}
	}
	var problems []importProblem
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		cols[i] = h
		switch {
		case !slices.Contains(importColumns, h):
			problems = append(problems, importProblem{Line: 1, ID: "EvImpUnknownField", KV: []any{"Field", h}})
		case seen[h]:
			problems = append(problems, importProblem{Line: 1, ID: "EvImpDupColumn", KV: []any{"Field", h}})
		}
		seen[h] = true
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var recs []importRecord
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, append(problems, csvProblem(err))
		}
		line, _ := r.FieldPos(0)
		if len(row) != len(cols) {
			problems = append(problems, importProblem{Line: line, ID: "EvImpFieldCount", KV: []any{"Got", len(row), "Want", len(cols)}})
			continue
		}
		rec := importRecord{line: line, fields: map[string]string{}}
		for i, v := range row {
			if v = strings.TrimSpace(v); v != "" {
				rec.fields[cols[i]] = v
			}
		}
		recs = append(recs, rec)
		if len(recs) > maxImportRows {
			break
		}
	}
	return recs, problems
}

func csvProblem(err error) importProblem {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return importProblem{Line: pe.Line, ID: "EvImpSyntax", KV: []any{"Detail", pe.Err.Error()}}
	}
	return importProblem{Line: 1, ID: "EvImpSyntax", KV: []any{"Detail", err.Error()}}
}

var tomlEventHeader = regexp.MustCompile(`^\s*\[\[\s*"?event"?\s*\]\]`)

// readTOML reads an array of [[event]] tables. Values may be strings, numbers or (tracks, reminders)
// arrays; everything is turned into text and validated like a CSV cell, so a wrong type becomes a
// problem of its row, not a failure of the whole file.
func readTOML(data []byte) ([]importRecord, []importProblem) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, []importProblem{{Line: max(pe.Position.Line, 1), ID: "EvImpSyntax", KV: []any{"Detail", pe.Message}}}
		}
		return nil, []importProblem{{Line: 1, ID: "EvImpSyntax", KV: []any{"Detail", err.Error()}}}
	}
	var problems []importProblem
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		if k != "event" {
			problems = append(problems, importProblem{Line: 1, ID: "EvImpUnknownField", KV: []any{"Field", k}})
		}
	}
	raw, ok := doc["event"]
	if !ok {
		return nil, problems
	}
	tables, ok := raw.([]map[string]any)
	if !ok {
		return nil, append(problems, importProblem{Line: 1, ID: "EvImpNotEvents"})
	}
	// The line of each [[event]] header, in order, to name rows the way the admin sees them.
	var lines []int
	for i, l := range strings.Split(string(data), "\n") {
		if tomlEventHeader.MatchString(l) {
			lines = append(lines, i+1)
		}
	}
	var recs []importRecord
	for i, t := range tables {
		line := i + 1
		if i < len(lines) {
			line = lines[i]
		}
		rec := importRecord{line: line, fields: map[string]string{}}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			v := t[k]
			if !slices.Contains(importColumns, k) {
				problems = append(problems, importProblem{Line: line, ID: "EvImpUnknownField", KV: []any{"Field", k}})
				continue
			}
			text, ok := tomlText(v)
			if !ok {
				problems = append(problems, importProblem{Line: line, ID: "EvImpBadValue", KV: []any{"Field", k}})
				continue
			}
			if text = strings.TrimSpace(text); text != "" {
				rec.fields[k] = text
			}
		}
		recs = append(recs, rec)
	}
	return recs, problems
}

// tomlText turns a TOML value into the text a CSV cell would hold; arrays join with ";".
func tomlText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := tomlText(x)
			if !ok || strings.Contains(s, ";") {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ";"), true
	}
	return "", false // tables, dates, times: not part of the format
}

// buildEvent validates one record into an event; every problem of the row is reported, not only the first.
func buildEvent(r importRecord, now time.Time) (*store.Event, []importProblem) {
	var ps []importProblem
	bad := func(id string, kv ...any) { ps = append(ps, importProblem{Line: r.line, ID: id, KV: kv}) }
	f := r.fields
	text := func(name string, limit int, required bool) string {
		v := f[name]
		multiline := name == "description" || name == "description_en"
		if multiline {
			v = strings.ReplaceAll(v, "\r\n", "\n") // a spreadsheet's line breaks
		}
		switch {
		case v == "" && required:
			bad("EvImpRequired", "Field", name)
		case utf8.RuneCountInString(v) > limit:
			bad("EvImpTooLong", "Field", name, "Max", limit)
		case hasControl(v, multiline):
			bad("EvImpControlChar", "Field", name)
		}
		return v
	}
	e := &store.Event{
		Key:           text("key", maxKeyLen, false),
		Title:         text("title", maxTitleRunes, true),
		TitleEn:       text("title_en", maxTitleRunes, false),
		Description:   text("description", maxDescriptionRunes, false),
		DescriptionEn: text("description_en", maxDescriptionRunes, false),
		Organizer:     text("organizer", maxOrganizerRunes, false),
		Place: store.Place{
			Name:    text("place", maxPlaceRunes, false),
			Address: text("address", maxPlaceRunes, false),
			Online:  text("online", 512, false),
		},
		Imported: true,
	}

	// When.
	var startOK bool
	if s := f["start"]; s == "" {
		bad("EvImpRequired", "Field", "start")
	} else if t, id := parseEventDateTime(s, time.Time{}, now); id != "" {
		bad(id, "Field", "start", "Value", s)
	} else if !t.After(now) {
		bad("EvImpPast", "Field", "start", "Value", s)
	} else {
		e.Start, startOK = t, true
	}
	if s := f["end"]; s == "" {
		bad("EvImpRequired", "Field", "end")
	} else if startOK {
		t, id := parseEventDateTime(s, e.Start, now)
		switch {
		case id != "":
			bad(id, "Field", "end", "Value", s)
		case !t.After(e.Start):
			bad("EvImpEndBeforeStart", "Value", s)
		case t.Sub(e.Start) > maxEventLength:
			bad("EvImpTooLongEvent", "Days", int(maxEventLength/(24*time.Hour)))
		default:
			e.End = t
		}
	}

	// Where.
	if e.Place.Online != "" && !hasControl(e.Place.Online, false) && !safeURL(e.Place.Online) {
		bad("EvImpBadLink", "Value", e.Place.Online)
	}
	latS, lonS := f["lat"], f["lon"]
	if latS != "" || lonS != "" {
		lat, err1 := strconv.ParseFloat(persian.Normalize(latS), 64)
		lon, err2 := strconv.ParseFloat(persian.Normalize(lonS), 64)
		if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 || math.IsNaN(lat) || math.IsNaN(lon) {
			bad("EvImpBadGeo", "Lat", latS, "Lon", lonS)
		} else {
			e.Place.Lat, e.Place.Lon, e.Place.HasGeo = lat, lon, true
		}
	}
	if e.Place.Name == "" && e.Place.Address == "" && e.Place.Online == "" && !e.Place.HasGeo {
		bad("EvImpNoPlace")
	}

	// Seats and the rest.
	if s := f["capacity"]; s != "" {
		n, err := persian.ParseInt(s)
		switch {
		case errors.Is(err, persian.ErrNotNumber):
			bad("EvImpCapacity", "Value", s)
		case err != nil || n < 0 || n > maxCapacity:
			bad("EvImpCapacityRange", "Value", s, "Max", maxCapacity)
		default:
			e.Capacity = n
		}
	}
	tracks := lessons.Tracks()
	for _, t := range splitList(f["tracks"]) {
		if !slices.Contains(tracks, t) {
			bad("EvImpTrack", "Value", t, "Tracks", strings.Join(tracks, ", "))
		} else if !slices.Contains(e.Tracks, t) {
			e.Tracks = append(e.Tracks, t)
		}
	}
	if list := splitList(f["reminders"]); len(list) > 0 {
		for _, s := range list {
			n, err := persian.ParseInt(s)
			if err != nil || n < 5 || n > int(maxEventLength/time.Minute) {
				bad("EvImpReminder", "Value", s)
				continue
			}
			if !slices.Contains(e.Reminders, n) {
				e.Reminders = append(e.Reminders, n)
			}
		}
		if len(e.Reminders) > maxReminders {
			bad("EvImpTooManyReminders", "Max", maxReminders)
		}
	}
	if s := f["offer_hours"]; s != "" {
		n, err := persian.ParseInt(s)
		if err != nil || n < 1 || n > maxOfferHours {
			bad("EvImpOfferHours", "Value", s, "Max", maxOfferHours)
		} else {
			e.OfferHours = n
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return e, nil
}

// splitList splits "a; b, c" into its items.
func splitList(s string) []string {
	return strings.FieldsFunc(persian.Normalize(s), func(r rune) bool { return r == ';' || r == ',' || r == '،' || r == ' ' })
}

// parseEventDateTime reads "<Jalali date> <time>" in any digits («۱۴۰۵/۰۹/۱۵ ۱۸:۳۰», «۱۵ آذر ۶ عصر»); with
// a non-zero day, a time alone means that day. It tries every split between date words and time words.
// On failure it names the message: EvImpNoSuchDate (the date is not in the calendar) or EvImpDateTime.
func parseEventDateTime(s string, day, now time.Time) (time.Time, string) {
	loc := now.Location()
	if !day.IsZero() {
		if h, m, err := persian.ParseClock(s); err == nil {
			d := day.In(loc)
			return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc), ""
		}
	}
	words := strings.Fields(persian.Normalize(s))
	if len(words) > 12 {
		return time.Time{}, "EvImpDateTime"
	}
	problem := "EvImpDateTime"
	for i := len(words) - 1; i >= 1; i-- {
		h, m, err := persian.ParseClock(strings.Join(words[i:], " "))
		if err != nil {
			continue
		}
		d, err := persian.ParseJalaliDate(strings.Join(words[:i], " "), now)
		if errors.Is(err, persian.ErrNoSuchDate) {
			problem = "EvImpNoSuchDate"
			continue
		} else if err != nil {
			continue
		}
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc), ""
	}
	return time.Time{}, problem
}

// ---- downloading the file ----

var errFileTooBig = errors.New("file too big")

// downloadFile fetches a file a user sent, through getFile and the Bot API's file URL, reading at most
// limit bytes. Errors never carry the URL: it holds the token.
func (f *Feature) downloadFile(ctx context.Context, fileID string, limit int64) ([]byte, error) {
	var resp *tgbotapi.APIResponse
	err := f.Retry(ctx, func() error {
		var err error
		resp, err = f.API.MakeRequest("getFile", tgbotapi.Params{"file_id": fileID})
		return err
	})
	if err != nil {
		return nil, bot.Describe("getFile", err)
	}
	var file tgbotapi.File
	if err := json.Unmarshal(resp.Result, &file); err != nil || file.FilePath == "" {
		return nil, fmt.Errorf("getFile: no file path")
	}
	if int64(file.FileSize) > limit {
		return nil, errFileTooBig
	}
	base := strings.TrimRight(f.APIURL, "/")
	if base == "" {
		base = "https://api.telegram.org"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/file/bot"+f.Token+"/"+file.FilePath, nil)
	if err != nil {
		return nil, errors.New("download file: bad file path")
	}
	res, err := f.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("download file: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download file: HTTP %d", res.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download file: read: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, errFileTooBig
	}
	return data, nil
}
