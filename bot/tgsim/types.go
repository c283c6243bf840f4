package tgsim

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// User is a simulated Telegram user. A private chat with the bot has the user's ID as chat id.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
	IsBot        bool
}

// Button is one inline keyboard button as the bot sent it.
type Button struct {
	Text         string
	CallbackData string
	URL          string
}

// Poll is the current state of a poll the bot sent.
type Poll struct {
	ID                    string
	Question              string
	Options               []string
	Votes                 []int  // voter count per option
	Type                  string // "regular" or "quiz"
	AllowsMultipleAnswers bool
	CorrectOptionIDs      []int // quiz only: the right options
	Explanation           string
	IsAnonymous           bool
	Closed                bool
}

// File is the file of a media message. Data is nil for files the bot sent by URL; it is shared, do not modify it.
type File struct {
	FileID   string
	UniqueID string
	Name     string
	MIME     string
	Size     int
	Data     []byte
	URL      string // the URL the bot sent, when it sent one
	Uploaded bool   // this message's request uploaded the bytes (false: reused file_id or URL)
}

// Location is a point on the map.
type Location struct {
	Lat float64
	Lon float64
}

// Venue is a named place.
type Venue struct {
	Lat     float64
	Lon     float64
	Title   string
	Address string
}

// Contact is a shared phone contact.
type Contact struct {
	Phone     string
	FirstName string
	LastName  string
	UserID    int64
}

// MessageRef points at a message in some chat.
type MessageRef struct {
	ChatID    int64
	MessageID int
}

// Message is a snapshot of a message in a chat, in its current state.
type Message struct {
	ID      int
	ChatID  int64
	FromBot bool
	From    User // the sender (the bot's own user for bot messages; zero for channel posts)
	Date    time.Time

	// Kind is "text", "photo", "audio", "video", "voice", "document", "sticker", "animation",
	// "video_note", "location", "venue", "contact" or "poll".
	Kind      string
	Text      string // text or caption exactly as sent (the HTML source when ParseMode is "HTML"); a poll's question
	ParseMode string
	Plain     string   // text or caption after entity parsing: what the user sees
	Entities  []Entity // Bale: the bold, italic and link spans of Plain (see HasEntity); nil on Telegram

	InlineKeyboard [][]Button
	ReplyKeyboard  [][]string
	RemoveKeyboard bool
	ForceReply     bool

	Poll      *Poll
	File      *File
	Location  *Location
	Venue     *Venue
	Contact   *Contact
	CopyOf    *MessageRef // copyMessage results: the source message
	ForwardOf *MessageRef // forwardMessage results: the source message
	ReplyTo   int         // id of the message this one replies to, 0 if none

	Edited    bool
	Deleted   bool
	EditCount int

	UpdateID int // users' messages: the update that delivered it to the bot (for WaitConfirmed); 0 for the bot's
}

// HasButton reports whether the message's inline keyboard has a button with this callback data.
func (m Message) HasButton(data string) bool {
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData == data {
				return true
			}
		}
	}
	return false
}

// ButtonTexts returns the labels of the inline keyboard, row by row, for assertions and logs.
func (m Message) ButtonTexts() []string {
	var out []string
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// Media is a file a simulated user sends (see Server.SendMedia).
type Media struct {
	Kind     string // "photo", "audio", "video", "voice", "document", "sticker", "animation", "video_note"
	FileName string // optional; a name is generated from Kind
	MIME     string // optional; guessed from Kind and FileName
	Data     []byte
	Caption  string
	Emoji    string // stickers
}

// Violation is a request the real Telegram would have refused (or silently misread): a bug in the bot.
type Violation struct {
	Method      string
	Params      map[string]string // the request's parameters, the token never included; uploads as "<upload name, N bytes>"
	Code        int               // the HTTP status served (0 when the request was served anyway)
	Description string
}

func (v Violation) String() string {
	keys := make([]string, 0, len(v.Params))
	for k := range v.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		val := v.Params[k]
		if len(val) > 80 {
			val = val[:80] + "…"
		}
		fmt.Fprintf(&b, "%s=%q", k, val)
	}
	return fmt.Sprintf("%s: %s [%s]", v.Method, v.Description, b.String())
}

// CallbackAnswer is the bot's answerCallbackQuery for a button press.
type CallbackAnswer struct {
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
}

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CommandScope identifies a BotCommandScope: Type is "default", "all_private_chats", "all_group_chats",
// "all_chat_administrators", "chat", "chat_administrators" or "chat_member".
type CommandScope struct {
	Type   string
	ChatID int64
	UserID int64
}

// Event types delivered by Subscribe.
const (
	EventMessage        = "message"         // a new message, from the bot or from a user
	EventEdit           = "edit"            // a message changed (text, caption, keyboard, poll state)
	EventDelete         = "delete"          // a message was deleted
	EventCallbackAnswer = "callback_answer" // the bot answered a button press
	EventChatAction     = "chat_action"     // the bot sent a chat action ("typing" …)
)

// Event is a live change for UIs such as the sandbox.
type Event struct {
	Type    string
	ChatID  int64
	Message Message // the message concerned, current state (for callback_answer: the message whose button was pressed)

	CallbackQueryID string         // callback_answer only
	Answer          CallbackAnswer // callback_answer only
	Action          string         // chat_action only
}
