package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are SVG drawn here on the server: their labels stay real text, so the browser shapes Persian
// and the screen reader reads them; each chart has a title and every bar its own <title>.

const (
	chartW = 720
	chartH = 240
)

func esc(s string) string { return template.HTMLEscapeString(s) }

// columnChart draws one column per point (days): in a right-to-left page time runs from right to left.
func columnChart(title string, labels []string, values []float64, format func(float64) string, rtl bool) template.HTML {
	var b strings.Builder
	const left, right, top, bottom = 16.0, 56.0, 28.0, 40.0
	if rtl {
		fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" direction="rtl">`, chartW, chartH, esc(title))
	} else {
		fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartW, chartH, esc(title))
	}
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
	peak := 0.0
	for _, v := range values {
		peak = math.Max(peak, v)
	}
	plotW, plotH := chartW-left-right, chartH-top-bottom
	// The scale: the peak, and a light line at half of it.
	axisX := left + plotW + 6 // the scale at the right, written left to right (numbers)
	for _, frac := range []float64{0, 0.5, 1} {
		y := top + plotH*(1-frac)
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, left+plotW, y, y)
		if frac > 0 && peak > 0 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%.1f" text-anchor="start" dominant-baseline="middle" direction="ltr">%s</text>`,
				axisX, y, esc(format(peak*frac)))
		}
	}
	n := len(values)
	if n == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	slot := plotW / float64(n)
	every := int(math.Ceil(float64(n) / 10)) // about ten date labels, whatever the range
	for i, v := range values {
		x := left + float64(i)*slot
		if rtl {
			x = left + plotW - float64(i+1)*slot
		}
		h := 0.0
		if peak > 0 {
			h = plotH * v / peak
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
			x+slot*0.12, top+plotH-h, slot*0.76, math.Max(h, 0), esc(labels[i]), esc(format(v)))
		if i%every == 0 || i == n-1 && n <= 10 {
			fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+slot/2, chartH-bottom+18, esc(labels[i]))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws horizontal bars with their labels and values (a funnel, ratings): one row each.
func barChart(title string, labels []string, values []float64, format func(float64) string, rtl bool) template.HTML {
	const row, labelW, valueW, pad = 30.0, 230.0, 90.0, 8.0
	h := row*float64(len(values)) + 2*pad
	var b strings.Builder
	dir := ""
	if rtl {
		dir = ` direction="rtl"`
	}
	fmt.Fprintf(&b, `<svg class="chart bars" viewBox="0 0 %d %.0f" role="img" aria-label="%s"%s><title>%s</title>`, chartW, h, esc(title), dir, esc(title))
	peak := 0.0
	for _, v := range values {
		peak = math.Max(peak, v)
	}
	barMax := chartW - labelW - valueW - 2*pad
	for i, v := range values {
		y := pad + float64(i)*row
		w := 0.0
		if peak > 0 {
			w = barMax * v / peak
		}
		labelX, barX, valueX, anchor := pad, pad+labelW, pad+labelW+w+6, "start"
		if rtl {
			// Label at the right edge, bar growing to the left from it, value after the bar.
			labelX, barX, valueX, anchor = chartW-pad, chartW-pad-labelW-w, chartW-pad-labelW-w-6, "start"
		}
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%.1f" text-anchor="%s" dominant-baseline="middle">%s</text>`, labelX, y+row/2, anchor, esc(truncate(labels[i], 34)))
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`, barX, y+5, math.Max(w, 0), row-10, esc(labels[i]), esc(format(v)))
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%.1f" text-anchor="%s" dominant-baseline="middle">%s</text>`, valueX, y+row/2, anchor, esc(format(v)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
