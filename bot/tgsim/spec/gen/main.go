// Command gen reduces the full Bot API description (botapi.json, MIT) to the part tgsim validates
// requests against: the emulated methods, their fields and every type those fields reference.
// Descriptions are dropped; a "type" discriminator documented as "must be X" is kept as "const".
//
//	go run ./bot/tgsim/spec/gen -in ../shared/telegram/botapi.json -out bot/tgsim/spec/botapi.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// methods lists the Bot API methods tgsim emulates. Keep in sync with the handler table in tgsim.
var methods = []string{
	"getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo",
	"sendMessage", "forwardMessage", "copyMessage", "sendPhoto", "sendAudio", "sendDocument",
	"sendVideo", "sendAnimation", "sendVoice", "sendVideoNote", "sendSticker", "sendLocation",
	"sendVenue", "sendContact", "sendPoll", "sendChatAction", "getFile", "getChat",
	"answerCallbackQuery", "setMyCommands", "getMyCommands", "deleteMyCommands",
	"setChatMenuButton", "getChatMenuButton",
	"editMessageText", "editMessageCaption", "editMessageReplyMarkup", "stopPoll", "deleteMessage",
}

type field struct {
	Name        string   `json:"name"`
	Types       []string `json:"types"`
	Required    bool     `json:"required"`
	Description any      `json:"description,omitempty"`
	Const       string   `json:"const,omitempty"`
}

type entry struct {
	Fields   []field  `json:"fields,omitempty"`
	Subtypes []string `json:"subtypes,omitempty"`
}

type full struct {
	Version     string           `json:"version"`
	ReleaseDate string           `json:"release_date"`
	Methods     map[string]entry `json:"methods"`
	Types       map[string]entry `json:"types"`
}

type reduced struct {
	Version     string           `json:"version"`
	ReleaseDate string           `json:"release_date"`
	Source      string           `json:"source"`
	License     string           `json:"license"`
	AllMethods  []string         `json:"all_methods"` // every Bot API method name, emulated or not
	Methods     map[string]entry `json:"methods"`
	Types       map[string]entry `json:"types"`
}

var mustBe = regexp.MustCompile(`must be ([a-z_]+)`)

func main() {
	in := flag.String("in", "../shared/telegram/botapi.json", "full botapi.json")
	out := flag.String("out", "bot/tgsim/spec/botapi.json", "reduced output")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var src full
	if err := json.Unmarshal(data, &src); err != nil {
		return fmt.Errorf("parse %s: %w", in, err)
	}
	dst := reduced{
		Version:     src.Version,
		ReleaseDate: src.ReleaseDate,
		Source:      "https://core.telegram.org/bots/api, reduced by bot/tgsim/spec/gen",
		License:     "MIT, see LICENSE",
		Methods:     map[string]entry{},
		Types:       map[string]entry{},
	}
	for name := range src.Methods {
		dst.AllMethods = append(dst.AllMethods, name)
	}
	slices.Sort(dst.AllMethods)
	var queue []string
	for _, name := range methods {
		m, ok := src.Methods[name]
		if !ok {
			return fmt.Errorf("method %s not in %s", name, in)
		}
		m.Fields = strip(m.Fields)
		dst.Methods[name] = m
		queue = append(queue, referenced(m.Fields)...)
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := dst.Types[name]; done {
			continue
		}
		t, ok := src.Types[name]
		if !ok {
			continue // a primitive such as InputFile
		}
		t.Fields = strip(t.Fields)
		dst.Types[name] = t
		queue = append(queue, referenced(t.Fields)...)
		queue = append(queue, t.Subtypes...)
	}
	b, err := json.MarshalIndent(dst, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

// strip drops descriptions, keeping a discriminator's fixed value.
func strip(fs []field) []field {
	out := slices.Clone(fs)
	for i, f := range out {
		if f.Name == "type" || f.Name == "source" || f.Name == "status" {
			if d, ok := f.Description.(string); ok {
				if m := mustBe.FindStringSubmatch(d); m != nil {
					out[i].Const = m[1]
				}
			}
		}
		out[i].Description = nil
	}
	return out
}

func referenced(fs []field) []string {
	var names []string
	for _, f := range fs {
		for _, t := range f.Types {
			names = append(names, strings.TrimSpace(strings.ReplaceAll(t, "Array of ", "")))
		}
	}
	return names
}
