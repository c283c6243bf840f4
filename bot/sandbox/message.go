package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tavan7/tavan/bot/tgsim"
)

// messageJSON is a message as the page draws it, seen by one user (their vote in polls).
type messageJSON struct {
	ID             int            `json:"id"`
	ChatID         int64          `json:"chat_id"`
	FromBot        bool           `json:"from_bot"`
	From           *fromJSON      `json:"from,omitempty"`
	Date           time.Time      `json:"date"`
	Kind           string         `json:"kind"`
	Text           []Node         `json:"text,omitempty"`  // text or caption, formatted
	Plain          string         `json:"plain,omitempty"` // what the user sees, unformatted
	InlineKeyboard [][]buttonJSON `json:"inline_keyboard,omitempty"`
	ReplyKeyboard  [][]string     `json:"reply_keyboard,omitempty"`
	RemoveKeyboard bool           `json:"remove_keyboard,omitempty"`
	ForceReply     bool           `json:"force_reply,omitempty"`
	Poll           *pollJSON      `json:"poll,omitempty"`
	File           *fileJSON      `json:"file,omitempty"`
	Place          *placeJSON     `json:"place,omitempty"` // a location or a venue
	Contact        *contactJSON   `json:"contact,omitempty"`
	ReplyTo        int            `json:"reply_to,omitempty"`
	Forwarded      bool           `json:"forwarded,omitempty"`
	Edited         bool           `json:"edited,omitempty"`
	Deleted        bool           `json:"deleted,omitempty"`
	EditCount      int            `json:"edit_count"`
}

type fromJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type buttonJSON struct {
	Text string `json:"text"`
	Data string `json:"data,omitempty"`
	URL  string `json:"url,omitempty"`
}

type pollJSON struct {
	ID          string       `json:"id"`
	Question    string       `json:"question"`
	Options     []optionJSON `json:"options"`
	Type        string       `json:"type"` // "regular" or "quiz"
	Multiple    bool         `json:"multiple,omitempty"`
	Anonymous   bool         `json:"anonymous,omitempty"`
	Closed      bool         `json:"closed,omitempty"`
	TotalVotes  int          `json:"total_votes"`
	Chosen      []int        `json:"chosen,omitempty"`      // the viewer's answer
	Correct     *int         `json:"correct,omitempty"`     // quiz: shown once the viewer answered or the poll closed
	Explanation string       `json:"explanation,omitempty"` // quiz: likewise
}

type optionJSON struct {
	Text  string `json:"text"`
	Votes int    `json:"votes"`
}

type fileJSON struct {
	Name        string `json:"name"`
	MIME        string `json:"mime,omitempty"`
	Size        int    `json:"size"`
	URL         string `json:"url,omitempty"`          // this sandbox's download path, when it has the bytes
	ExternalURL string `json:"external_url,omitempty"` // the URL the bot sent instead of a file
}

type placeJSON struct {
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	Title   string  `json:"title,omitempty"`
	Address string  `json:"address,omitempty"`
	MapURL  string  `json:"map_url"`
}

type contactJSON struct {
	Phone     string `json:"phone"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
}

// view turns a tgsim message into what viewer sees.
func (s *Server) view(m tgsim.Message, viewer int64) messageJSON {
	out := messageJSON{
		ID: m.ID, ChatID: m.ChatID, FromBot: m.FromBot, Date: m.Date, Kind: m.Kind,
		Plain: m.Plain, ReplyKeyboard: m.ReplyKeyboard, RemoveKeyboard: m.RemoveKeyboard, ForceReply: m.ForceReply,
		ReplyTo: m.ReplyTo, Forwarded: m.ForwardOf != nil, Edited: m.Edited, Deleted: m.Deleted, EditCount: m.EditCount,
	}
	if m.From.ID != 0 {
		out.From = &fromJSON{ID: m.From.ID, Name: strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)}
	}
	switch {
	case m.Text == "" || m.Poll != nil: // a poll's text is its question, shown by the poll
	case strings.EqualFold(m.ParseMode, "HTML"):
		out.Text = RichText(m.Text)
	case s.opts.Sim.Platform() == tgsim.PlatformBale && m.FromBot:
		out.Text = SpanNodes(m.Plain, m.Entities) // Bale Markdown, as tgsim rendered it
	default:
		out.Text = []Node{{Text: m.Plain}}
		if m.Plain == "" {
			out.Text = []Node{{Text: m.Text}}
		}
	}
	for _, row := range m.InlineKeyboard {
		var r []buttonJSON
		for _, b := range row {
			r = append(r, buttonJSON{Text: b.Text, Data: b.CallbackData, URL: b.URL})
		}
		out.InlineKeyboard = append(out.InlineKeyboard, r)
	}
	if p := m.Poll; p != nil {
		pj := &pollJSON{ID: p.ID, Question: p.Question, Type: p.Type, Multiple: p.AllowsMultipleAnswers,
			Anonymous: p.IsAnonymous, Closed: p.Closed}
		for i, o := range p.Options {
			v := 0
			if i < len(p.Votes) {
				v = p.Votes[i]
			}
			pj.Options = append(pj.Options, optionJSON{Text: o, Votes: v})
			pj.TotalVotes += v
		}
		s.mu.Lock()
		pj.Chosen = slices.Clone(s.votes[p.ID][viewer])
		s.mu.Unlock()
		if p.Type == "quiz" && len(p.CorrectOptionIDs) > 0 && (len(pj.Chosen) > 0 || p.Closed) {
			c := p.CorrectOptionIDs[0] // the bot's quizzes have one right answer
			pj.Correct = &c
			pj.Explanation = p.Explanation
		}
		out.Poll = pj
	}
	if f := m.File; f != nil {
		fj := &fileJSON{Name: f.Name, MIME: f.MIME, Size: f.Size}
		if f.Data != nil {
			fj.URL = fmt.Sprintf("/api/files/%d/%d", m.ChatID, m.ID)
			if fj.Size == 0 {
				fj.Size = len(f.Data)
			}
		} else if f.URL != "" {
			fj.ExternalURL = safeHref(f.URL)
		}
		if fj.Name == "" {
			fj.Name = m.Kind
		}
		out.File = fj
	}
	switch {
	case m.Venue != nil:
		out.Place = &placeJSON{Lat: m.Venue.Lat, Lon: m.Venue.Lon, Title: m.Venue.Title, Address: m.Venue.Address, MapURL: mapURL(m.Venue.Lat, m.Venue.Lon)}
	case m.Location != nil:
		out.Place = &placeJSON{Lat: m.Location.Lat, Lon: m.Location.Lon, MapURL: mapURL(m.Location.Lat, m.Location.Lon)}
	}
	if c := m.Contact; c != nil {
		out.Contact = &contactJSON{Phone: c.Phone, FirstName: c.FirstName, LastName: c.LastName}
	}
	return out
}

// mapURL links to a map of the point; the page shows no map tiles itself (no internet needed).
func mapURL(lat, lon float64) string {
	return fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=16/%.6f/%.6f", lat, lon, lat, lon)
}
