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
// # Bale
//
// Options{Platform: "bale"} emulates Bale (بله), whose Bot API is "based on Telegram's Bot API with small
// changes"; Platform reports which one a Server is. Everything not listed here behaves as on Telegram.
//
//   - Methods. Bale's methods are served as on Telegram (those tgsim does not emulate, such as
//     getChatMember or sendMediaGroup, answer 404 with a violation as on Telegram). Every other Bot API
//     method answers 404 with the plain-text body "404 page not found", which tgbotapi reports as a JSON
//     decode error, not a *tgbotapi.Error. sendPoll, stopPoll, sendVenue and sendDice are violations at
//     once: the bot must know them absent from its profile. The rest (setMyCommands, sendSticker …) may be
//     probed: the first 404 is normal, calling the same method again is a violation, because the bot must
//     turn the capability off. The memory of probes resets when the bot calls getMe, which every new
//     process does first (tgbotapi's constructor), so a restarted bot may probe again.
//   - Text. Bale has no parse modes: parse_mode, entities, caption_entities and the explanation and
//     question variants are violations and are ignored. Every text and caption is rendered as Bale
//     Markdown: *bold*, _italic_ and [text](http(s) URL). Message.Plain is the rendered text,
//     Message.Entities the bold, italic and text_link spans (Message.HasEntity); they are not sent back on
//     the wire. Bale documents no escape, so tgsim takes the strictest reading of its rule that markers
//     need a space or line edge outside them: a * or _ with a space or line edge on one side and a
//     character on the other opens or closes a span and must pair with one on the same line (spans nest).
//     Any other *, any other _ except one between letters, digits or underscores (/my_events, @tavan_bot)
//     or inside a bare http(s) URL (a deep link's payload), a [ that opens no link and a ]( without its [
//     are violations
//     ("broken Bale Markdown"): Bale would show them raw or pair them with the wrong marker, so text not
//     meant as markup must have look-alikes substituted (∗ U+2217, ＿ U+FF3F, ［ U+FF3B, ］ U+FF3D).
//     Punctuation next to a marker is not a space: "*word*." is broken, "*word.*" is bold. Telegram HTML that a learner would see raw
//     (<b>, <i>, <a href>, <code>, <pre>, <u>, <s>, <tg-spoiler>, <blockquote>, <strong>, <em> … and
//     &lt; &gt; &amp; &quot; &#NN;) in a text, caption or callback answer is a violation.
//   - Limits. Text and the caption of one media: 4096 UTF-16 units of the text as sent, markers included
//     (never less than what the learner sees). callback_data 1-64 bytes. Inline buttons: url,
//     callback_data, web_app and copy_text only; reply keyboards: text, request_contact, request_location
//     only; others answer 400. force_reply is a violation and is dropped (Bale has no ForceReply), as is
//     sendChatAction's upload_document (400).
//   - Updates. Only message, edited_message, callback_query and pre_checkout_query: BlockBot and UnblockBot
//     send no my_chat_member (a blocked chat only answers 403 "Forbidden: bot was blocked by the user"),
//     and AnswerPoll, ChannelPost and InjectUpdate of another kind are misuses listed by Errors. Incoming
//     messages carry only bot_command entities (Bale also has mention); chats are private, group or
//     channel. getUpdates takes offset, limit and timeout; allowed_updates is a violation and is ignored.
//   - Webhook. setWebhook takes the url only: secret_token and any other field are violations and are
//     ignored, so WebhookRequest never carries X-Telegram-Bot-Api-Secret-Token on Bale. A URL on a port
//     other than 443 or 88 answers 400. tgsim never dials the webhook, so the port rule costs local tests
//     nothing: they serve WebhookRequest's request to the bot's handler themselves.
//   - Files download from /file/bot<token>/<file_path> as on Telegram.
//
// Confirmed only from Bale's documentation and the source of Bale client libraries, never against the
// real server: the method set (getChat included; sendSticker and setMyCommands are unsure, hence
// probed), the 404 page for absent methods, the Markdown rules (no escape; whether punctuation next to a
// marker counts as a word edge; spans within one line), how limits count (UTF-16 units of the source),
// the 400 answers for unknown button kinds and upload_document (Bale may instead ignore them), the
// webhook ports, and that result messages carry no formatting entities.
//
// # Limits of the emulation
//
// On Telegram only parse_mode HTML is parsed (Markdown text is stored as is), and the entities of bot
// messages are not computed, so results carry the plain text without entities. Webhooks are stored but
// updates are not pushed to them: WebhookRequest builds the request a test hands to the bot's handler.
// Inline mode, media groups, payments, forum topics and chat administration are not emulated: such
// methods answer 404 and are recorded as violations naming them.
package tgsim
