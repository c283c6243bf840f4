// Package tgsim is an in-process Telegram Bot API server for tests and the local sandbox: the real bot
// talks to it over HTTP with its usual client, while tests act as users and read the chats back.
//
// # Using it in a test
//
//	srv := tgsim.New(tgsim.Options{Token: "123:test"})
//	ts := httptest.NewServer(srv)
//	t.Cleanup(ts.Close)
//	t.Cleanup(srv.Close) // runs first: wakes the bot's long poll so ts.Close does not wait for it
//
//	api, err := tgbotapi.NewBotAPIWithClient("123:test", ts.URL+"/bot%s/%s", ts.Client())
//	// … start the bot's update loop with api …
//
//	alice := tgsim.User{ID: 42, FirstName: "Alice", LanguageCode: "fa"}
//	srv.SendText(alice, "/start")
//	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
//	defer cancel()
//	m, err := srv.WaitFor(ctx, alice.ID, func(m tgsim.Message) bool { return m.HasButton("lesson:1") })
//	q := srv.PressButton(alice, alice.ID, m.ID, "lesson:1")
//	ans, err := srv.WaitCallbackAnswer(ctx, q)
//
//	if v := srv.Violations(); len(v) > 0 { t.Errorf("bot broke the Bot API: %v", v) }
//	if e := srv.Errors(); len(e) > 0 { t.Errorf("test misused tgsim: %v", e) }
//
// Nothing sleeps: WaitFor, WaitCallbackAnswer, WaitConfirmed, WaitAllConfirmed and WaitPolling (the
// bot's first long poll is parked: it is ready) wake on every change of state, and getUpdates is a true
// long poll that returns as soon as a user does something.
// Message.UpdateID of a user's message plus WaitConfirmed tells when the bot finished handling it
// (it confirmed the update with its next getUpdates offset).
//
// # What it checks
//
// Every request is validated against the Bot API description embedded from spec/botapi.json
// (regenerate with go generate; MIT, see spec/LICENSE) and against Telegram's limits: text length
// after HTML parsing (with tghtml, so the errors read exactly like Telegram's), captions, callback data,
// keyboard sizes, polls, commands. Refused requests are answered like Telegram (same status and
// description) and recorded as Violations, as are unknown fields (served anyway unless Options.Strict),
// unknown methods and wrong tokens. Not violations: 403 to a user who blocked the bot, injected failures,
// 429 from the rate limits, "method not supported" from DisableMethod and "chat not found" for chats
// removed with RemoveChat. Fields that tgbotapi 5.5.1 still sends and Telegram still accepts
// (disable_web_page_preview, reply_to_message_id, allow_sending_without_reply, thumb, sendPoll's
// correct_option_id and string options, and "null" for empty lists) are accepted silently.
//
// Misuses of the simulation API by a test (pressing a button that is not there, voting in an anonymous
// poll …) never call t.Fatal: they return a zero value and are listed by Errors.
//
// # Faults
//
// FailNext injects errors (429 with retry_after, 5xx …) into the next calls of a method; SetRateLimit
// and SetChatRateLimit emulate flood control on the Options.Now clock; SetLatency delays every answer;
// DisableMethod emulates a Telegram-compatible server without, say, polls; BlockBot and RemoveChat make
// sends fail the way they do in production.
//
// # Sandbox
//
// Subscribe streams every new message (users' and the bot's), edit, deletion, callback answer and chat
// action, never blocking the server. Messages, BotMessages and Chats give the full current state.
//
// # Limits of the emulation
//
// Only parse_mode HTML is parsed (Markdown text is stored as is), and the entities of bot messages are
// not computed, so results carry the plain text without entities. Webhooks are stored but updates are
// not pushed to them. Inline mode, media groups, payments, forum topics and chat administration are not
// emulated: such methods answer 404 and are recorded as violations naming them.
package tgsim
