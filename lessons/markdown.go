package lessons

import (
	"bufio"
	"bytes"
	"fmt"
	stdhtml "html"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	ghtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"

	"github.com/tavan7/tavan/bot/tghtml"
)

// markdownParser parses CommonMark plus GFM tables. Tables are parsed only so they can be rejected by name:
// without the extension a table would silently become a paragraph full of pipes.
var markdownParser = goldmark.New(goldmark.WithExtensions(extension.Table)).Parser()

// RenderError is a Markdown construct that Telegram cannot show, with the 1-based line in the Markdown source.
type RenderError struct {
	Line int
	Msg  string
}

func (e *RenderError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// RenderHTML converts the Markdown subset of lesson bodies to Telegram HTML: paragraphs separated by a blank
// line; **bold**, *italic*, [links](https://…), `code`; bullet lists as "• item", numbered lists as "۱. item"
// (Persian digits); block quotes as <blockquote>; headings (### …) as a bold line. Every piece of text is
// escaped. Tables, images, raw HTML, code blocks and horizontal rules are errors (*RenderError) naming the
// construct and its line, as is output that Telegram would reject.
func RenderHTML(markdown string) (string, error) {
	src := []byte(persianListMarkers(strings.ReplaceAll(markdown, "\r\n", "\n")))
	doc := markdownParser.Parse(text.NewReader(src))
	r := &mdRenderer{src: src}
	blocks, err := r.blocks(doc)
	if err != nil {
		return "", err
	}
	out := strings.Join(blocks, "\n\n")
	if err := tghtml.Validate(out); err != nil {
		return "", &RenderError{Msg: fmt.Sprintf("the rendered HTML is not valid for Telegram: %v", err)}
	}
	return out, nil
}

type mdRenderer struct {
	src       []byte
	quoteDeep int // inside a block quote
	listDeep  int // list nesting level
}

func (r *mdRenderer) fail(n ast.Node, format string, args ...any) error {
	return &RenderError{Line: r.line(n), Msg: fmt.Sprintf(format, args...)}
}

// line finds the source line of a node: its own position, a child's, or its parent's.
func (r *mdRenderer) line(n ast.Node) int {
	off := -1
	for m := n; m != nil && off < 0; m = m.Parent() {
		off = nodeOffset(m)
		if off < 0 {
			for c := m.FirstChild(); c != nil && off < 0; c = c.NextSibling() {
				off = nodeOffset(c)
			}
		}
	}
	if off < 0 {
		return 0
	}
	return bytes.Count(r.src[:min(off, len(r.src))], []byte("\n")) + 1
}

func nodeOffset(n ast.Node) int {
	if t, ok := n.(*ast.Text); ok {
		return t.Segment.Start
	}
	if h, ok := n.(*ast.RawHTML); ok && h.Segments.Len() > 0 {
		return h.Segments.At(0).Start
	}
	if p := n.Pos(); p >= 0 {
		return p
	}
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return n.Lines().At(0).Start
	}
	return -1
}

// blocks renders the block children of n, one string per block.
func (r *mdRenderer) blocks(n ast.Node) ([]string, error) {
	var out []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		s, err := r.block(c)
		if err != nil {
			return nil, err
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

func (r *mdRenderer) block(n ast.Node) (string, error) {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return r.inlines(n, false)
	case *ast.Heading:
		s, err := r.inlines(n, true)
		if err != nil || s == "" {
			return s, err
		}
		return "<b>" + s + "</b>", nil
	case *ast.Blockquote:
		if r.quoteDeep > 0 {
			return "", r.fail(n, "a block quote inside a block quote is not supported (Telegram cannot nest them)")
		}
		if r.listDeep > 0 {
			return "", r.fail(n, "a block quote inside a list is not supported")
		}
		r.quoteDeep++
		inner, err := r.blocks(n)
		r.quoteDeep--
		if err != nil || len(inner) == 0 {
			return "", err
		}
		return "<blockquote>" + strings.Join(inner, "\n\n") + "</blockquote>", nil
	case *ast.List:
		return r.list(n)
	case *ast.LinkReferenceDefinition:
		return "", nil // used by [text][label] links, renders nothing
	case *ast.ThematicBreak:
		return "", r.fail(n, "horizontal rules (---, ***) are not supported; use a blank line or a ### heading")
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		return "", r.fail(n, "code blocks are not supported (a line indented by 4 spaces or ``` fences is a code block); use `inline code`")
	case *ast.HTMLBlock:
		return "", r.fail(n, "raw HTML is not allowed: use **bold**, *italic*, [text](https://…) instead")
	case *east.Table:
		return "", r.fail(n, "tables are not supported: Telegram cannot show them; use a list")
	default:
		return "", r.fail(n, "%s is not supported", n.Kind())
	}
}

// list renders "• item" or "۱. item" lines; nested lists are indented and use "◦".
func (r *mdRenderer) list(n *ast.List) (string, error) {
	r.listDeep++
	defer func() { r.listDeep-- }()
	indent := strings.Repeat("    ", r.listDeep-1)
	number := n.Start
	var lines []string
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		var marker string
		switch {
		case n.IsOrdered():
			marker = persianDigits(fmt.Sprint(number)) + "."
			number++
		case r.listDeep > 1:
			marker = "◦"
		default:
			marker = "•"
		}
		first, start := true, len(lines)
		for c := item.FirstChild(); c != nil; c = c.NextSibling() {
			s, err := r.block(c)
			if err != nil {
				return "", err
			}
			switch {
			case s == "":
			case c.Kind() == ast.KindList:
				lines = append(lines, s) // already indented one level deeper
			case first:
				lines = append(lines, indent+marker+" "+s)
				first = false
			default:
				lines = append(lines, indent+"  "+s)
			}
		}
		if first { // an empty item, or one that starts with a nested list: the marker gets its own line
			lines = slices.Insert(lines, start, indent+marker)
		}
	}
	return strings.Join(lines, "\n"), nil
}

// inlines renders the inline children of a block. Inside a heading (bold) nested bold is dropped.
func (r *mdRenderer) inlines(n ast.Node, bold bool) (string, error) {
	var b strings.Builder
	if err := r.inlineChildren(&b, n, bold); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

func (r *mdRenderer) inlineChildren(b *strings.Builder, n ast.Node, bold bool) error {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if err := r.inline(b, c, bold); err != nil {
			return err
		}
	}
	return nil
}

func (r *mdRenderer) inline(b *strings.Builder, n ast.Node, bold bool) error {
	switch n := n.(type) {
	case *ast.Text:
		if n.IsRaw() {
			b.WriteString(tghtml.Escape(string(n.Segment.Value(r.src))))
		} else {
			b.WriteString(tghtml.Escape(textValue(n.Segment.Value(r.src))))
		}
		switch {
		case n.HardLineBreak():
			b.WriteString("\n")
		case n.SoftLineBreak():
			b.WriteString("\n") // a line break in the file is a line break in Telegram
		}
	case *ast.String:
		if n.IsCode() || n.IsRaw() {
			b.WriteString(tghtml.Escape(string(n.Value)))
		} else {
			b.WriteString(tghtml.Escape(textValue(n.Value)))
		}
	case *ast.Emphasis:
		tag := "i"
		if n.Level >= 2 {
			tag = "b"
		}
		if tag == "b" && bold {
			return r.inlineChildren(b, n, bold)
		}
		b.WriteString("<" + tag + ">")
		if err := r.inlineChildren(b, n, bold || tag == "b"); err != nil {
			return err
		}
		b.WriteString("</" + tag + ">")
	case *ast.CodeSpan:
		var code strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				v := string(c.Segment.Value(r.src))
				code.WriteString(strings.ReplaceAll(v, "\n", " "))
			case *ast.String:
				code.Write(c.Value)
			}
		}
		b.WriteString("<code>" + tghtml.Escape(code.String()) + "</code>")
	case *ast.Link:
		dest := textValue(n.Destination)
		if err := checkLinkURL(dest); err != nil {
			return r.fail(n, "link %q: %v", dest, err)
		}
		var label strings.Builder
		if err := r.inlineChildren(&label, n, bold); err != nil {
			return err
		}
		if strings.TrimSpace(label.String()) == "" {
			return r.fail(n, "link %q has no text", dest)
		}
		b.WriteString(`<a href="` + tghtml.Escape(dest) + `">` + label.String() + "</a>")
	case *ast.AutoLink:
		dest := string(n.URL(r.src))
		if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(dest), "mailto:") {
			dest = "mailto:" + dest
		}
		if err := checkLinkURL(dest); err != nil {
			return r.fail(n, "link %q: %v", dest, err)
		}
		b.WriteString(`<a href="` + tghtml.Escape(dest) + `">` + tghtml.Escape(string(n.Label(r.src))) + "</a>")
	case *ast.Image:
		return r.fail(n, "images are not allowed in the text: put the picture in [media]")
	case *ast.RawHTML:
		var raw strings.Builder
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			raw.Write(seg.Value(r.src))
		}
		return r.fail(n, `raw HTML %q is not allowed: use **bold**, *italic*; to show a "<" write \<`, raw.String())
	default:
		return r.fail(n, "%s is not supported", n.Kind())
	}
	return nil
}

// textValue turns Markdown source text into plain text: backslash escapes removed and entity references
// (&amp; &#1570;) resolved, exactly as goldmark's own HTML writer does (it escapes; we unescape once).
func textValue(v []byte) string {
	if bytes.IndexAny(v, "\\&\x00") < 0 {
		return string(v) // nothing to unescape: the common case
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	ghtml.DefaultWriter.Write(w, v)
	_ = w.Flush()
	return stdhtml.UnescapeString(buf.String())
}

// checkLinkURL accepts the link schemes Telegram opens: http(s), tg: and mailto:.
func checkLinkURL(dest string) error {
	u, err := url.Parse(dest)
	if err != nil {
		return fmt.Errorf("not a valid address")
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "http":
		if u.Host == "" {
			return fmt.Errorf("the address has no host")
		}
	case "tg", "mailto":
	case "":
		return fmt.Errorf("write the full address starting with https://")
	default:
		return fmt.Errorf("links must start with https://")
	}
	return nil
}

// persianListMarkerRE finds numbered-list markers written with Persian (or Arabic-Indic) digits, which
// CommonMark does not know, so that "۱. …" lines become a list like "1. …".
var persianListMarkerRE = regexp.MustCompile(`(?m)^((?:[ ]{0,3}>[ ]?)*[ \t]*)([۰-۹٠-٩]{1,9})([.)])([ \t]|$)`)

var asciiDigitReplacer = strings.NewReplacer(
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9",
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9")

func persianListMarkers(s string) string {
	return persianListMarkerRE.ReplaceAllStringFunc(s, asciiDigitReplacer.Replace)
}

var persianDigitReplacer = strings.NewReplacer(
	"0", "۰", "1", "۱", "2", "۲", "3", "۳", "4", "۴", "5", "۵", "6", "۶", "7", "۷", "8", "۸", "9", "۹")

// persianDigits replaces ASCII digits with Persian ones.
func persianDigits(s string) string { return persianDigitReplacer.Replace(s) }
