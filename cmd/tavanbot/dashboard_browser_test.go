package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tavan7/tavan/bot/dashboard/dashboardtest"
	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/internal/browsertest"
	"github.com/tavan7/tavan/lessons"
)

// The staff dashboard in a real browser, in the sandbox: the admin sends /dashboard, opens the one-time
// link, presses «ورود» and reads every page (seeded with a program's worth of figures), on a desktop and
// on a phone; the spent link is refused afterwards. Screenshots go to $TAVAN_ARTIFACTS.
func TestBrowserDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	// Each has its own sandbox and Chromium: they overlap their waits (up to -parallel at once).
	t.Parallel()
	browser := browsertest.NewBrowser(t)
	dbPath := filepath.Join(t.TempDir(), "sandbox.db")
	seedSandbox(t, dbPath)
	sb := startSandbox(t, map[string]string{"TAVAN_SANDBOX_DB": dbPath})

	chat := browsertest.Open(t, browser, sb.URL+"/?user=900", "مدیر")
	chat.Send("/dashboard")
	chat.WaitBotText("داشبورد توان")
	link := regexp.MustCompile(`http://[^\s]+/dashboard/login\?t=[A-Za-z0-9_-]+`).FindString(chat.LastBotText())
	if link == "" || !strings.HasPrefix(link, sb.URL) {
		t.Fatalf("no sign-in link on the sandbox's address %s in %q", sb.URL, chat.LastBotText())
	}
	chat.Screenshot("dashboard-link.png")

	tabCtx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	tabCtx, cancelTimeout := context.WithTimeout(tabCtx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	p := &browsertest.Page{T: t, Ctx: tabCtx, Name: "dashboard"}
	p.Do(chromedp.EmulateViewport(1280, 1800), chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("sign-in")))
	p.Screenshot("dashboard-sign-in.png")
	// The button's POST answers with a redirect to the overview: wait for that navigation to finish.
	if _, err := chromedp.RunResponse(p.Ctx, chromedp.Click(chromedp.ID("sign-in"))); err != nil {
		t.Fatalf("press «ورود»: %v", err)
	}
	if msg := browsertest.Eval[string](p, `document.body.innerText`); !strings.Contains(msg, "یادگیرندگان") {
		t.Fatalf("signing in shows %q", msg)
	}

	// The sandbox counts its rollup every minute and once at start: wait for the first, page by page.
	for i := 0; ; i++ {
		p.Do(chromedp.Navigate(sb.URL + "/dashboard/learning"))
		if !browsertest.Eval[bool](p, `document.body.innerText.includes('هنوز حساب نشده')`) {
			break
		}
		if i > 300 {
			t.Fatal("the rollup never ran")
		}
	}

	pages := []struct{ path, id, want string }{
		{"/dashboard", "overview", "یادگیرندگان"},
		{"/dashboard/learning", "learning", "ده پرسش دشوار"},
		{"/dashboard/events", "events", "کارگاه قیمت‌گذاری محصولات خانگی"},
		{"/dashboard/consult", "consult", "دکتر نیلوفر صادقی"},
		{"/dashboard/delivery", "delivery", "ارسال در دقیقه"},
	}
	for _, pg := range pages {
		p.Do(chromedp.Navigate(sb.URL+pg.path), chromedp.WaitVisible(chromedp.ID("page-"+pg.id)))
		p.WaitJS(`document.body.innerText.includes(`+browsertest.JS(pg.want)+`)`, pg.want+" on "+pg.path)
		p.WaitJS(`document.fonts.check('16px Vazirmatn')`, "Vazirmatn")
		if pg.id != "delivery" && !browsertest.Eval[bool](p, `document.querySelector('svg[role=img] text') !== null`) {
			t.Errorf("%s: no chart with text labels", pg.path)
		}
		if browsertest.Eval[bool](p, `/[0-9]/.test(document.querySelector('.cards').innerText)`) {
			t.Errorf("%s: Latin digits in the cards: %s", pg.path, browsertest.Eval[string](p, `document.querySelector('.cards').innerText`))
		}
		p.Screenshot("dashboard-" + pg.id + ".png")
	}

	// A phone: nothing wider than the screen but the tables' own scrollers.
	p.Do(chromedp.EmulateViewport(390, 1600, chromedp.EmulateMobile), chromedp.Navigate(sb.URL+"/dashboard"), chromedp.WaitVisible(chromedp.ID("page-overview")))
	p.WaitJS(`document.fonts.check('16px Vazirmatn')`, "Vazirmatn")
	if w := browsertest.Eval[float64](p, `document.documentElement.scrollWidth`); w > 391 {
		t.Errorf("the overview on a phone is %.0f px wide; want 390", w)
	}
	p.Screenshot("dashboard-phone-overview.png")
	p.Do(chromedp.Navigate(sb.URL+"/dashboard/learning"), chromedp.WaitVisible(chromedp.ID("page-learning")))
	p.Screenshot("dashboard-phone-learning.png")

	// The link is spent: opening it again and pressing «ورود» is refused.
	p.Do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("sign-in")))
	if _, err := chromedp.RunResponse(p.Ctx, chromedp.Click(chromedp.ID("sign-in"))); err != nil {
		t.Fatalf("press «ورود» again: %v", err)
	}
	p.Do(chromedp.WaitVisible(chromedp.ID("message")))
	if got := browsertest.Eval[string](p, `document.getElementById('message').innerText`); !strings.Contains(got, "قبلاً استفاده شده") {
		t.Errorf("the reused link says %q", got)
	}
	p.Screenshot("dashboard-link-reused.png")
}

// seedSandbox fills a fresh sandbox database with 400 learners, 120 days of figures, events and the club.
func seedSandbox(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, err := lessons.Load(lessons.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	tehran, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dashboardtest.Seed(db, cat, time.Now().In(tehran), 400, 120); err != nil {
		t.Fatal(err)
	}
}
