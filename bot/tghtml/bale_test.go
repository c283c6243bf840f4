package tghtml

import "testing"

func TestBaleMarkdown(t *testing.T) {
	cases := []struct{ html, want string }{
		{"<b>درس ۱</b>: قیمت", "*درس ۱:* قیمت"},
		{"سلام <i>سارا</i>، خوش آمدید", "سلام _سارا،_ خوش آمدید"},
		{"welcome to <b>Tavan</b>!", "welcome to *Tavan!*"},
		{"(<b>bold</b>) x", "*(bold)* x"},
		{"«<i>نام</i>»", "_«نام»_"},
		{"x(<b>y</b>)'s", "x( *y)'* s"},
		{"<b>a</b>!<i>b</i>", "*a!* _b_"},
		{"<b>a</b>!<code>b</code>", "*a!* b"},
		{"a<i>b</i>c", "a _b_ c"},
		{"<b> bold </b>x", " *bold* x"},
		{"<b></b>x", "x"},
		{`<a href="https://example.com/a_(b)">site</a>`, "[site](https://example.com/a_(b%29)"},
		{`<a href="https://e.com">x]y</a>`, "[x］y](https://e.com)"},
		{"&lt;b&gt; &amp; &quot;", `<b> & "`},
		{"نام: *Sara_ و _Ali", "نام: ∗Sara＿ و ＿Ali"},
		{"https://ble.ir/tavan?start=ref_abc", "https://ble.ir/tavan?start=ref_abc"},
		{"[x](y)", "［x］(y)"},
		{"<b>a <i>b</i> c</b>", "*a b c*"},
		{"<i>x</i><b>y</b>", "_x_ *y*"},
		{"<code>go_run</code> <pre>x*y</pre>", "go_run x∗y"},
		{`<a href="tg://user?id=1">Sara</a>`, "Sara"},
		{"<u>u</u><s>s</s><tg-spoiler>p</tg-spoiler><blockquote>q</blockquote>", "uspq"},
		{"<b>*</b>", "*∗*"},
		{"https://ble.ir/tavan?start=cons_-Ng1_a", "https://ble.ir/tavan?start=cons_-Ng1_a"},
		{"«https://e.org/?a=1&amp;b=_x*» ok_", "«https://e.org/?a=1&b=_x*» ok＿"},
		{"https://e.org/a_ https://e.org/*", "https://e.org/a＿ https://e.org/∗"},
		{"x_ _y a_ /my_events snake__case ۱_۲ Sara_, a_-b", "x＿ ＿y a＿ /my_events snake__case ۱_۲ Sara＿, a＿-b"},
		{"ahttps://x_-y", "ahttps://x＿-y"},
		{"<b>see https://e.org/a_b</b> ok", "see https://e.org/a_b ok"},
		{"<b>https://e.org more</b>", "*https://e.org more*"},
		{"<b>one\n two \n\nhttps://e.org</b>!", "*one*\n *two* \n\nhttps://e.org!"},
		{"<b>_x</b> y", "*＿x* y"},
		{"a<b>_x</b>", "a *＿x*"},
	}
	for _, c := range cases {
		got, err := BaleMarkdown(c.html)
		if err != nil {
			t.Errorf("BaleMarkdown(%q): %v", c.html, err)
			continue
		}
		if got != c.want {
			t.Errorf("BaleMarkdown(%q) = %q, want %q", c.html, got, c.want)
		}
	}
	if _, err := BaleMarkdown("<b>open"); err == nil {
		t.Error("invalid HTML rendered without an error")
	}
}
