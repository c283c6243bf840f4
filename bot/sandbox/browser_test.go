package sandbox_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/sandbox"
	"github.com/tavan7/tavan/bot/tgsim"
	"github.com/tavan7/tavan/internal/browsertest"
)

// TestBrowserRendersEverythingTheBotSends draws one of each kind of message in Chromium, as a bot
// would send them (through the Bot API, to tgsim), then edits one and deletes another while the page is
// open: the page must show them all, change the edited one in place and drop the deleted one.
func TestBrowserRendersEverythingTheBotSends(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	browser := browsertest.NewBrowser(t)
	clock := sandbox.NewClock(0)
	sim := tgsim.New(tgsim.Options{Token: token, BotUsername: "tavan_sandbox_bot", Now: clock.Now})
	api := httptest.NewServer(sim)
	srv := sandbox.New(sandbox.Options{Sim: sim, Clock: clock, Location: tehran,
		Users: []sandbox.User{{ID: 101, FirstName: "مریم", LastName: "احمدی", Lang: "fa"}}})
	web := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
		web.Close()
		api.Close()
		for _, v := range sim.Violations() {
			t.Errorf("Bot API violation: %v", v)
		}
	})
	bot, err := tgbotapi.NewBotAPIWithClient(token, api.URL+"/bot%s/%s", api.Client())
	if err != nil {
		t.Fatal(err)
	}
	send := func(c tgbotapi.Chattable) tgbotapi.Message {
		t.Helper()
		m, err := bot.Send(c)
		if err != nil {
			t.Fatalf("send %T: %v", c, err)
		}
		return m
	}
	const chat = 101
	sim.SendText(tgsim.User{ID: chat, FirstName: "مریم", LanguageCode: "fa"}, "/start") // opens the chat, as in Telegram

	p := browsertest.Open(t, browser, web.URL+"/?user=101", "مریم")

	formatted := tgbotapi.NewMessage(chat, "<b>درس ۳: قیمت‌گذاری</b>\n"+
		"قیمت = <i>هزینهٔ مواد</i> + <u>دستمزد</u> + سود؛ مثلاً <code>120,000</code> تومان برای هر بسته.\n"+
		"<blockquote>«مشتری برای ارزش پول می‌دهد، نه برای زحمت.»</blockquote>\n"+
		"Mixed text: the <b>break-even</b> point یعنی نقطهٔ سر‌به‌سر.\n"+
		"<s>قیمت قدیم</s> · <span class=\"tg-spoiler\">پاسخ: ۴۵ هزار تومان</span> · <a href=\"https://example.org/pricing\">راهنمای کامل</a>\n"+
		"&lt;script&gt; را مثل متن نشان بده.")
	formatted.ParseMode = tgbotapi.ModeHTML
	formatted.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("➡️ درس قبل", "1|open|a"),
			tgbotapi.NewInlineKeyboardButtonData("درس بعد ⬅️", "1|open|b"),
		),
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL("🔗 دعوت از دوست", "https://t.me/tavan_sandbox_bot?start=ref_101")),
	)
	send(formatted)

	photo := tgbotapi.NewPhoto(chat, tgbotapi.FileBytes{Name: "plan.png", Bytes: testPNG(t)})
	photo.Caption = "طرح یک‌صفحه‌ای کسب‌وکار خانگی"
	send(photo)

	audio := tgbotapi.NewAudio(chat, tgbotapi.FileBytes{Name: "خلاصهٔ درس.wav", Bytes: testWAV()})
	audio.Caption = "🎧 خلاصهٔ صوتی درس"
	send(audio)

	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tavan//FA\r\nBEGIN:VEVENT\r\nUID:1@tavan\r\nDTSTAMP:20261127T080000Z\r\nDTSTART:20261203T063000Z\r\nSUMMARY:کارگاه فروش آنلاین\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	doc := tgbotapi.NewDocument(chat, tgbotapi.FileBytes{Name: "workshop.ics", Bytes: []byte(ics)})
	doc.Caption = "📅 کارگاه را به تقویمتان اضافه کنید."
	send(doc)

	venue := tgbotapi.NewVenue(chat, "مرکز نوآوری شهر", "اصفهان، خیابان چهارباغ بالا، پلاک ۱۲", 32.6469, 51.6676)
	send(venue)
	send(tgbotapi.NewLocation(chat, 35.6997, 51.3380))

	poll := tgbotapi.NewPoll(chat, "کدام هزینه «ثابت» است؟", "خرید آرد", "اجارهٔ کارگاه", "بسته‌بندی هر سفارش")
	poll.Type = "quiz"
	poll.IsAnonymous = false
	poll.CorrectOptionID = 1
	poll.Explanation = "اجاره هر ماه یکسان است، چه بفروشید چه نه."
	pollMsg := send(poll)

	keyboard := tgbotapi.NewMessage(chat, "از منوی پایین یکی را انتخاب کنید:")
	keyboard.ReplyMarkup = tgbotapi.NewReplyKeyboard(
		tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("📚 دوره‌ها"), tgbotapi.NewKeyboardButton("📝 مرور")),
		tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("⚙️ تنظیمات")),
	)
	send(keyboard)

	toEdit := send(tgbotapi.NewMessage(chat, "در حال آماده‌سازی گواهی‌نامه…"))
	toDelete := send(tgbotapi.NewMessage(chat, "این پیام پاک می‌شود."))

	p.WaitBotText("این پیام پاک می‌شود.")
	p.Do(chromedp.WaitVisible(chromedp.CSS(`.msg[data-kind="photo"] img`)))
	p.WaitJS(`document.querySelector('.msg[data-kind="photo"] img').complete && document.querySelector('.msg[data-kind="photo"] img').naturalWidth > 0`, "the photo to load")
	p.Do(chromedp.WaitReady(chromedp.CSS(`.msg[data-kind="audio"] audio`)))
	p.Do(chromedp.WaitVisible(chromedp.CSS(`.reply-keyboard .reply-btn`)))

	// Edits change the message in place; deletions remove it.
	edit := tgbotapi.NewEditMessageText(chat, toEdit.MessageID, "✅ گواهی‌نامهٔ شما آماده است.")
	if _, err := bot.Send(edit); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(chat, toDelete.MessageID)); err != nil {
		t.Fatal(err)
	}
	p.WaitJS(`(() => { const m = document.querySelector('.msg[data-id="`+strconv.Itoa(toEdit.MessageID)+`"]'); return m && m.innerText.includes('گواهی‌نامهٔ شما آماده است') && m.querySelector('.edited'); })()`, "the edited message in place")
	p.Do(chromedp.WaitNotPresent(chromedp.CSS(`.msg[data-id="` + strconv.Itoa(toDelete.MessageID) + `"]`)))

	checks := []struct{ what, js string }{
		{"bold text", `!!document.querySelector('.msg.bot .text strong')`},
		{"the link opens outside", `document.querySelector('.msg.bot .text a[href="https://example.org/pricing"]').target === '_blank'`},
		{"a spoiler", `!!document.querySelector('.msg.bot .text .spoiler')`},
		{"escaped markup shown as text", `[...document.querySelectorAll('.msg.bot .text')].some(t => t.innerText.includes('<script>')) && !document.querySelector('.messages script')`},
		{"bubbles guess their direction", `[...document.querySelectorAll('.msg .text')].every(t => t.dir === 'auto')`},
		{"the calendar file downloads", `document.querySelector('.msg[data-kind="document"] a.file-card').getAttribute('download') === 'workshop.ics'`},
		{"the venue card", `document.querySelector('.msg[data-kind="venue"] .place-title').innerText === 'مرکز نوآوری شهر'`},
		{"the location links to a map", `document.querySelector('.msg[data-kind="location"] a.map-link').href.includes('mlat=35.69970')`},
		{"the quiz offers its options", `document.querySelectorAll('.poll .poll-option').length === 3`},
		{"no map tiles or remote images", `[...document.images].every(i => i.src.startsWith(location.origin))`},
	}
	for _, c := range checks {
		if !browsertest.Eval[bool](p, c.js) {
			t.Errorf("the page lacks %s (%s)", c.what, c.js)
		}
	}

	// Answering the quiz shows right or wrong and the explanation.
	p.Do(chromedp.Click(chromedp.CSS(`.poll[data-poll="` + pollMsg.Poll.ID + `"] .poll-option[data-option="1"]`)))
	p.Do(chromedp.WaitVisible(chromedp.CSS(`.poll[data-poll="` + pollMsg.Poll.ID + `"] .verdict.right`)))
	p.WaitJS(`document.querySelector('.poll .explanation').innerText.includes('اجاره هر ماه')`, "the quiz explanation")

	// A reply-keyboard button sends its text as the user.
	events, unsubscribe := sim.Subscribe()
	defer unsubscribe()
	p.Do(chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll('.reply-btn')].filter(b => b.innerText.includes('مرور'))`)))
	userSent(t, events, "📝 مرور")
	p.WaitJS(`[...document.querySelectorAll('.msg.user')].some(m => m.innerText.includes('📝 مرور'))`, "the user's message on the page")

	// A deep link to the bot opens /start with its payload in this chat.
	p.Do(chromedp.Click(browsertest.Button("دعوت از دوست")))
	userSent(t, events, "/start ref_101")
	p.WaitJS(`[...document.querySelectorAll('.msg.user')].some(m => m.innerText.includes('/start ref_101'))`, "the user's message on the page")

	// The user sends a photo with a caption through the attach menu.
	pic := filepath.Join(t.TempDir(), "receipt.png")
	if err := os.WriteFile(pic, testPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Do(chromedp.SetValue(chromedp.ID("composer-input"), "رسید خرید مواد"))
	p.Do(chromedp.Click(chromedp.ID("attach-button")))
	p.Do(chromedp.Click(chromedp.CSS(`[data-upload="photo"]`)))
	p.Do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{pic}, chromedp.NodeReady))
	userSent(t, events, "رسید خرید مواد")
	p.WaitJS(`[...document.querySelectorAll('.msg.user[data-kind="photo"] img')].some(i => i.complete && i.naturalWidth > 0)`, "the user's photo on the page")

	browsertest.Eval[float64](p, `document.getElementById('messages').scrollTop = 0`)
	p.Screenshot("sandbox-gallery-top.png")
	browsertest.Eval[bool](p, `(document.querySelector('.msg[data-kind="audio"]').scrollIntoView({block: 'start'}), true)`)
	p.Screenshot("sandbox-gallery-media.png")
	browsertest.Eval[float64](p, `document.getElementById('messages').scrollTop = 1e9`)
	p.Screenshot("sandbox-gallery-bottom.png")
}

// userSent waits, on tgsim's live events, for the user's message with this text.
func userSent(t *testing.T, events <-chan tgsim.Event, text string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Type == tgsim.EventMessage && !ev.Message.FromBot && ev.Message.Text == text {
				return
			}
		case <-timeout:
			t.Fatalf("the page did not send %q", text)
		}
	}
}

// testPNG draws a small picture: a green gradient with a white bar, like a lesson's diagram.
func testPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 480, 270))
	for y := 0; y < 270; y++ {
		for x := 0; x < 480; x++ {
			c := color.RGBA{uint8(40 + x/8), uint8(140 + y/4), uint8(110 + x/10), 255}
			if y > 110 && y < 160 && x > 60 && x < 420 {
				c = color.RGBA{250, 252, 250, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testWAV is half a second of a 440 Hz tone, 8 kHz mono 16-bit.
func testWAV() []byte {
	const rate, n = 8000, 4000
	var buf bytes.Buffer
	w := func(v any) { _ = binary.Write(&buf, binary.LittleEndian, v) }
	buf.WriteString("RIFF")
	w(uint32(36 + n*2))
	buf.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(1))
	w(uint32(rate))
	w(uint32(rate * 2))
	w(uint16(2))
	w(uint16(16))
	buf.WriteString("data")
	w(uint32(n * 2))
	for i := 0; i < n; i++ {
		w(int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return buf.Bytes()
}
