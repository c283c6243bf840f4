package ops_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/app"
	"github.com/tavan7/tavan/bot/tgsim"
)

// parseCSV checks the byte-order mark and reads the rows back.
func parseCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(data, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("CSV does not start with the UTF-8 byte-order mark: % x", data[:min(len(data), 8)])
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v", err)
	}
	return rows
}

func column(t *testing.T, rows [][]string, name string) int {
	t.Helper()
	for i, h := range rows[0] {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %q", name, rows[0])
	return -1
}

func TestExportLearnersAndProgress(t *testing.T) {
	h := newHarness(t, func(c *app.Config) { c.HTTPToken = testOpsToken })
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "youth")
	h.Onboard(john, "en", "general")
	trickster := tgsim.User{ID: 104, FirstName: "=HYPERLINK(\"http://x\")", LanguageCode: "fa"}
	h.Onboard(trickster, "fa", "social")
	h.Send(maryam, "/today")
	h.Send(john, "/today")
	// John deletes his data: he must be in no export.
	h.Send(john, "/deleteme")
	h.Press(john, h.Last(john), "Yes")

	h.Send(adminUser, "/export")
	menu := h.Last(adminUser)
	if got := strings.Join(menu.ButtonTexts(), " "); !strings.Contains(got, "یادگیرندگان") || !strings.Contains(got, "مشاوره‌ها") {
		t.Fatalf("export menu buttons %q", got)
	}
	// The buttons keep their order, two a row: learners, progress, events, consultations.
	var data []string
	for _, row := range menu.InlineKeyboard {
		if len(row) != 2 {
			t.Errorf("export menu row of %d buttons; want 2", len(row))
		}
		for _, b := range row {
			data = append(data, b.CallbackData)
		}
	}
	if want := []string{cb("exp", "learners"), cb("exp", "progress"), cb("exp", "events"), cb("exp", "consultations")}; !slices.Equal(data, want) {
		t.Errorf("export menu buttons %q; want %q", data, want)
	}
	if ans := h.Press(adminUser, menu, "یادگیرندگان"); ans != h.fa("ExportPreparing") {
		t.Errorf("toast %q; want the preparing notice", ans)
	}
	doc := h.lastDocument(adminUser)
	if !strings.HasSuffix(doc.File.Name, ".csv") || !strings.Contains(doc.Plain, "یادگیرندگان — ۴ ردیف") {
		t.Errorf("document %q caption %q", doc.File.Name, doc.Plain)
	}
	rows := parseCSV(t, doc.File.Data)
	if got := strings.Join(rows[0][:4], ","); got != "شناسه,نام,زبان,مسیر" {
		t.Errorf("Persian header = %q", got)
	}
	ids := map[string][]string{}
	for _, r := range rows[1:] {
		ids[r[0]] = r
	}
	if len(rows) != 5 { // header + maryam, reza, trickster, and the admin who asked
		t.Errorf("%d data rows; want 4: %q", len(rows)-1, rows[1:])
	}
	if _, ok := ids["102"]; ok {
		t.Error("the learner who deleted their data is in the export")
	}
	name, track := column(t, rows, "نام"), column(t, rows, "مسیر")
	if r := ids["101"]; r == nil || r[name] != "مریم" || r[track] != "مشاغل خانگی" {
		t.Errorf("maryam's row = %q; want Persian intact", r)
	}
	if r := ids["103"]; r == nil || r[name] != "رضا <&>" {
		t.Errorf("reza's row = %q", r)
	}
	if r := ids["104"]; r == nil || r[name] != "'=HYPERLINK(\"http://x\")" {
		t.Errorf("a formula name must be defused: %q", r)
	}
	if joined := column(t, rows, "تاریخ پیوستن (شمسی)"); ids["101"][joined] != "۱۴۰۵/۰۹/۰۵" {
		t.Errorf("Jalali join date = %q", ids["101"][joined])
	}
	for _, r := range rows {
		for _, cell := range r {
			if strings.Contains(cell, "maryam_a") || strings.Contains(cell, "احمدی") {
				t.Errorf("usernames and last names stay out of exports: %q", r)
			}
		}
	}

	h.Send(adminUser, "/export progress")
	rows = parseCSV(t, h.lastDocument(adminUser).File.Data)
	if len(rows) != 2 || rows[1][0] != "101" || rows[1][column(t, rows, "باز شده")] == "" {
		t.Errorf("progress rows = %q; want maryam's opened lesson only", rows)
	}
	if course := rows[1][column(t, rows, "دوره")]; course == "" || strings.ContainsAny(course, "�") {
		t.Errorf("course title %q", course)
	}

	// Over HTTP, in English, no size limit.
	rec := h.opsGet("/export/learners.csv?lang=en", testOpsToken)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("GET /export/learners.csv = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	rows = parseCSV(t, rec.Body.Bytes())
	if rows[0][1] != "first_name" || len(rows) != 5 {
		t.Errorf("English export header %q, %d rows", rows[0], len(rows))
	}
	if rec := h.opsGet("/export/learners", ""); rec.Code != 401 {
		t.Errorf("export without the token = %d", rec.Code)
	}
	if rec := h.opsGet("/export/secrets", testOpsToken); rec.Code != 404 {
		t.Errorf("unknown export = %d", rec.Code)
	}
}

func TestExportEventsAndConsultations(t *testing.T) {
	h := newHarness(t, nil)
	h.Onboard(maryam, "fa", "home")
	h.Onboard(reza, "fa", "youth")
	seedEventsAndConsultations(t, h)

	h.Send(adminUser, "/export events")
	rows := parseCSV(t, h.lastDocument(adminUser).File.Data)
	if got := strings.Join(rows[0][:3], ","); got != "شناسهٔ رویداد,رویداد,آغاز" {
		t.Errorf("events header %q", got)
	}
	if len(rows) != 5 {
		t.Fatalf("events rows = %q; want one per reservation (4)", rows)
	}
	byUser := map[string]int{}
	for _, r := range rows[1:] {
		byUser[r[column(t, rows, "نام")]]++
		if r[1] == "کارگاه قیمت‌گذاری" && r[column(t, rows, "مکان")] != "خانهٔ نوآوری" {
			t.Errorf("event row %q", r)
		}
	}
	if byUser["مریم"] != 2 || byUser["رضا <&>"] != 2 {
		t.Errorf("names in the events export: %v", byUser)
	}

	// Reza deletes his data: his reservations and his consultation leave every export.
	h.Send(reza, "/deleteme")
	h.Press(reza, h.Last(reza), "بله")
	h.Send(adminUser, "/export events")
	rows = parseCSV(t, h.lastDocument(adminUser).File.Data)
	for _, r := range rows[1:] {
		if r[column(t, rows, "شناسهٔ یادگیرنده")] == "103" {
			t.Errorf("a deleted learner's reservation is exported: %q", r)
		}
	}
	h.Send(adminUser, "/export")
	h.Press(adminUser, h.Last(adminUser), "مشاوره‌ها")
	rows = parseCSV(t, h.lastDocument(adminUser).File.Data)
	if len(rows) != 2 || rows[1][1] != "101" || rows[1][column(t, rows, "وضعیت")] != "در صف" {
		t.Errorf("consultations rows = %q; want maryam's waiting request only", rows)
	}
	if topic := rows[1][column(t, rows, "موضوع")]; topic == "" || strings.HasPrefix(topic, "ConsTopic_") {
		t.Errorf("topic not localized: %q", topic)
	}
}

// TestExportUnknownKind: a kind nobody registered is refused with the usage (the contract of the exports
// other features register is in export_internal_test.go).
func TestExportUnknownKind(t *testing.T) {
	h := newHarness(t, nil)
	h.Send(adminUser, "/export everything")
	if got := h.Last(adminUser).Text; got != h.fa("ExportUsage") {
		t.Errorf("/export everything = %q", got)
	}
	if ans := h.PressForged(adminUser, h.Last(adminUser), cb("exp", "everything")); ans != h.fa("ButtonExpired") {
		t.Errorf("a button for an unknown export: toast %q", ans)
	}
}

func TestExportTooLargePointsToEndpoint(t *testing.T) {
	h := newHarness(t, func(c *app.Config) {
		c.Ops.MaxDocument = 100
		c.Ops.HTTPAddr = ":9090"
	})
	h.Onboard(maryam, "fa", "home")
	h.Send(adminUser, "/export learners")
	got := h.Last(adminUser)
	containsAll(t, "too large", got.Plain, "از سقف ۵۰ مگابایتی فایل‌ها در تلگرام بزرگ‌تر است", "GET http://localhost:9090/export/learners")
	if h.Sim.Calls("sendDocument") != 0 {
		t.Error("an oversized export was sent anyway")
	}
}
