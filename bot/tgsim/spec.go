package tgsim

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ./spec/gen -in ../../../shared/telegram/botapi.json -out spec/botapi.json

// specJSON is the part of the Bot API description (MIT, spec/LICENSE) that requests are checked against.
//
//go:embed spec/botapi.json
var specJSON []byte

type apiSpec struct {
	Version    string               `json:"version"`
	AllMethods []string             `json:"all_methods"`
	Methods    map[string]specEntry `json:"methods"`
	Types      map[string]specEntry `json:"types"`

	real   map[string]bool                 // lower-case names of every Bot API method
	canon  map[string]string               // lower-case name -> the Bot API's spelling
	fields map[string]map[string]specField // method -> field name -> field
}

type specEntry struct {
	Fields   []specField `json:"fields"`
	Subtypes []string    `json:"subtypes"`
}

type specField struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
	Const    string   `json:"const"`
}

var loadSpec = sync.OnceValue(func() *apiSpec {
	var sp apiSpec
	if err := json.Unmarshal(specJSON, &sp); err != nil {
		panic("tgsim: embedded spec/botapi.json: " + err.Error())
	}
	sp.real = map[string]bool{}
	sp.canon = map[string]string{}
	for _, m := range sp.AllMethods {
		sp.real[strings.ToLower(m)] = true
		sp.canon[strings.ToLower(m)] = m
	}
	sp.fields = map[string]map[string]specField{}
	for name, m := range sp.Methods {
		fs := map[string]specField{}
		for _, f := range m.Fields {
			fs[f.Name] = f
		}
		sp.fields[name] = fs
	}
	return &sp
})

func (sp *apiSpec) isRealMethod(name string) bool { return sp.real[strings.ToLower(name)] }

// canonical spells a method name as the Bot API does (method names are case-insensitive); unknown names
// come back unchanged.
func (sp *apiSpec) canonical(name string) string {
	if c, ok := sp.canon[strings.ToLower(name)]; ok {
		return c
	}
	return name
}

// legacy lists fields that Bot API 10 no longer documents but Telegram still accepts and tgbotapi 5.5.1
// sends. They are accepted silently.
func legacy(method, field string) bool {
	switch field {
	case "reply_to_message_id", "allow_sending_without_reply":
		return strings.HasPrefix(method, "send") || method == "copyMessage" || method == "forwardMessage"
	case "disable_web_page_preview":
		return method == "sendMessage" || method == "editMessageText"
	case "thumb":
		switch method {
		case "sendPhoto", "sendAudio", "sendDocument", "sendVideo", "sendAnimation", "sendVoice", "sendVideoNote":
			return true
		}
	case "correct_option_id":
		return method == "sendPoll"
	}
	return false
}

// validate checks c against the spec: unknown fields (a violation; an error when Strict), field types,
// JSON objects (nested unknown fields and missing required fields) and required fields.
// Callers hold s.mu.
func (s *Server) validate(c *call) *apiError {
	fields := s.spec.fields[c.method]
	var soft []string
	for _, name := range sortedKeys(c.p) {
		val := c.p[name]
		f, ok := fields[name]
		if !ok {
			if !legacy(c.method, name) {
				soft = append(soft, fmt.Sprintf("unknown field %q", name))
			}
			continue
		}
		if val == "null" && structured(f.Types) {
			delete(c.p, name) // tgbotapi sends nil slices as null
			continue
		}
		if e := s.spec.checkParam(c.method, f, val, &soft); e != nil {
			return e
		}
	}
	for _, name := range sortedKeys(c.files) {
		f, ok := fields[name]
		switch {
		case !ok && !legacy(c.method, name):
			soft = append(soft, fmt.Sprintf("unknown upload field %q", name))
		case ok && !acceptsFile(f.Types):
			soft = append(soft, fmt.Sprintf("field %q does not take an upload", name))
		}
	}
	if len(soft) > 0 {
		desc := strings.Join(soft, "; ")
		if s.opts.Strict {
			return badRequest("%s", desc)
		}
		s.recordViolation(c.method, c.p, c.files, 0, desc)
	}
	for _, f := range s.spec.Methods[c.method].Fields {
		if f.Required && strings.TrimSpace(c.p[f.Name]) == "" && c.files[f.Name] == nil {
			if f.Name == "text" {
				return badRequest("message text is empty")
			}
			return badRequest("%s is empty", f.Name)
		}
	}
	return nil
}

func structured(types []string) bool {
	for _, t := range types {
		switch t {
		case "Integer", "String", "Boolean", "Float", "True", "InputFile":
		default:
			return true
		}
	}
	return false
}

func acceptsFile(types []string) bool {
	for _, t := range types {
		if t == "InputFile" {
			return true
		}
	}
	return false
}

// checkParam checks one form value against the field's types.
func (sp *apiSpec) checkParam(method string, f specField, val string, soft *[]string) *apiError {
	var detail string
	for _, t := range f.Types {
		switch t {
		case "String":
			return nil
		case "Integer":
			if _, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64); err == nil {
				return nil
			}
			detail = "must be an Integer"
		case "Float":
			if _, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
				return nil
			}
			detail = "must be a Float"
		case "Boolean", "True":
			if _, err := strconv.ParseBool(strings.TrimSpace(val)); err == nil {
				return nil
			}
			detail = "must be a Boolean"
		case "InputFile":
			if strings.HasPrefix(val, "attach://") {
				return nil
			}
			detail = "must be an uploaded file"
		}
	}
	if !structured(f.Types) {
		return badRequest("field %q %s", f.Name, detail)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(val)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return badRequest("can't parse %s JSON object", f.Name)
	}
	var objTypes []string
	for _, t := range f.Types {
		if structured([]string{t}) {
			objTypes = append(objTypes, t)
		}
	}
	if e := sp.check(method, objTypes, v, f.Name, soft); e != "" {
		return badRequest("can't parse %s: %s", f.Name, e)
	}
	return nil
}

// check validates a decoded JSON value against a union of types and returns a hard error, appending
// unknown fields to soft. Of a union, the first type that fits without unknown fields wins.
func (sp *apiSpec) check(method string, types []string, v any, path string, soft *[]string) string {
	if len(types) == 1 {
		return sp.checkOne(method, types[0], v, path, soft)
	}
	var firstErr string
	var best []string
	found := false
	for _, t := range types {
		var s []string
		if e := sp.checkOne(method, t, v, path, &s); e != "" {
			if firstErr == "" {
				firstErr = e
			}
			continue
		}
		if len(s) == 0 {
			return ""
		}
		if !found {
			best, found = s, true
		}
	}
	if found {
		*soft = append(*soft, best...)
		return ""
	}
	return firstErr
}

func (sp *apiSpec) checkOne(method, t string, v any, path string, soft *[]string) string {
	if elem, ok := strings.CutPrefix(t, "Array of "); ok {
		arr, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("%s must be an array", path)
		}
		for i, e := range arr {
			if err := sp.checkOne(method, elem, e, fmt.Sprintf("%s[%d]", path, i), soft); err != "" {
				return err
			}
		}
		return ""
	}
	switch t {
	case "Integer":
		if n, ok := v.(json.Number); ok {
			if _, err := n.Int64(); err == nil {
				return ""
			}
		}
		return fmt.Sprintf("%s must be an Integer", path)
	case "Float":
		if _, ok := v.(json.Number); ok {
			return ""
		}
		return fmt.Sprintf("%s must be a Float", path)
	case "String", "InputFile":
		if _, ok := v.(string); ok {
			return ""
		}
		return fmt.Sprintf("%s must be a String", path)
	case "Boolean", "True":
		if _, ok := v.(bool); ok {
			return ""
		}
		return fmt.Sprintf("%s must be a Boolean", path)
	}
	if t == "InputPollOption" && method == "sendPoll" {
		if _, ok := v.(string); ok {
			return "" // tgbotapi 5.5.1 sends options as plain strings, which Telegram still accepts
		}
	}
	entry, ok := sp.Types[t]
	if !ok {
		return ""
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprintf("%s must be a %s object", path, t)
	}
	if len(entry.Subtypes) > 0 {
		for _, sub := range entry.Subtypes {
			if sp.discriminates(sub, obj) {
				return sp.checkOne(method, sub, v, path, soft)
			}
		}
		return fmt.Sprintf("%s: unsupported %s type %v", path, t, obj["type"])
	}
	if len(entry.Fields) == 0 {
		return "" // a placeholder such as CallbackGame
	}
	known := map[string]specField{}
	for _, f := range entry.Fields {
		known[f.Name] = f
		if _, present := obj[f.Name]; f.Required && !present {
			return fmt.Sprintf("%s: field %q is required in %s", path, f.Name, t)
		}
	}
	for _, k := range sortedKeys(obj) {
		f, ok := known[k]
		if !ok {
			*soft = append(*soft, fmt.Sprintf("unknown field %q in %s (%s)", k, path, t))
			continue
		}
		if f.Const != "" && obj[k] != f.Const {
			return fmt.Sprintf("%s.%s must be %q", path, k, f.Const)
		}
		if err := sp.check(method, f.Types, obj[k], path+"."+k, soft); err != "" {
			return err
		}
	}
	return ""
}

// discriminates reports whether obj's discriminator field holds the subtype's fixed value.
func (sp *apiSpec) discriminates(sub string, obj map[string]any) bool {
	for _, f := range sp.Types[sub].Fields {
		if f.Const != "" {
			return obj[f.Name] == f.Const
		}
	}
	return false
}
