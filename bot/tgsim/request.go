package tgsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	maxUpload = 50 << 20 // Telegram's upload limit
	maxField  = 1 << 20
)

// parseRequest reads the parameters of a Bot API request: query string plus an
// application/x-www-form-urlencoded, multipart/form-data or application/json body. Object and array
// values are JSON text, as in form encoding.
func parseRequest(r *http.Request) (map[string]string, map[string]*upload, *apiError) {
	vals := map[string]string{}
	files := map[string]*upload{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			vals[k] = v[0]
		}
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return vals, files, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, mp, _ := mime.ParseMediaType(ct)
	switch mt {
	case "multipart/form-data":
		if mp["boundary"] == "" {
			return vals, files, badRequest("multipart body without boundary")
		}
		mr, err := r.MultipartReader()
		if err != nil {
			return vals, files, badRequest("can't read multipart body: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return vals, files, badRequest("can't read multipart body: %v", err)
			}
			name := part.FormName()
			if part.FileName() != "" {
				data, err := io.ReadAll(io.LimitReader(part, maxUpload+1))
				if err != nil {
					return vals, files, badRequest("can't read upload %s: %v", name, err)
				}
				if len(data) > maxUpload {
					return vals, files, &apiError{code: 413, description: "Request Entity Too Large", violation: true}
				}
				files[name] = &upload{name: part.FileName(), mime: part.Header.Get("Content-Type"), data: data}
				continue
			}
			data, err := io.ReadAll(io.LimitReader(part, maxField))
			if err != nil {
				return vals, files, badRequest("can't read field %s: %v", name, err)
			}
			vals[name] = string(data)
		}
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUpload))
		if err != nil {
			return vals, files, badRequest("can't read body: %v", err)
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return vals, files, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return vals, files, badRequest("can't parse JSON object")
		}
		for k, raw := range obj {
			vals[k] = jsonParam(raw)
		}
	default: // form-urlencoded, or no content type: Telegram is lenient
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUpload))
		if err != nil {
			return vals, files, badRequest("can't read body: %v", err)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return vals, files, badRequest("can't parse request body: %v", err)
		}
		for k, v := range form {
			if len(v) > 0 {
				vals[k] = v[0]
			}
		}
	}
	return vals, files, nil
}

// jsonParam turns a JSON body value into its form-encoding equivalent: strings unquoted, anything else
// kept as JSON text.
func jsonParam(raw json.RawMessage) string {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(raw))
}

// Accessors. Types were checked by validate, so parse errors read as zero values.

func (c *call) has(name string) bool {
	_, ok := c.p[name]
	return ok
}

func (c *call) str(name string) string { return c.p[name] }

func (c *call) int64(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(c.p[name]), 10, 64)
	return n
}

func (c *call) int(name string) int { return int(c.int64(name)) }

func (c *call) bool(name string) bool {
	b, _ := strconv.ParseBool(strings.TrimSpace(c.p[name]))
	return b
}

func (c *call) float(name string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(c.p[name]), 64)
	return f
}

func (c *call) json(name string, v any) error {
	return json.Unmarshal([]byte(c.p[name]), v)
}
