package ops

import (
	"bytes"
	_ "embed"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"sync"

	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/rasterizer"
	"github.com/tdewolff/canvas/renderers/svg"
)

// The /stats chart: daily active learners as bars (left axis) and learning hours — lessons passed and
// event check-ins — as a line (right axis), over the last 30 days, in the admin's language. It is drawn
// once with tdewolff/canvas, which shapes Arabic script (joined letters, right-to-left runs) with the
// embedded Vazirmatn font, and rendered to PNG for Telegram and to SVG for a dashboard alike. The SVG
// carries text as outlines, so it looks the same without the font.

//go:embed fonts/Vazirmatn-Variable.woff2
var vazirmatn []byte

var chartFont = sync.OnceValues(func() (*canvas.FontFamily, error) {
	fam := canvas.NewFontFamily("Vazirmatn")
	if err := fam.LoadFont(vazirmatn, 0, canvas.FontRegular); err != nil {
		return nil, fmt.Errorf("load chart font: %w", err)
	}
	return fam, nil
})

// chartDay is one day of the chart.
type chartDay struct {
	Label  string  // the Jalali day, e.g. «۹/۶»
	Active int64   // learners active that day
	Hours  float64 // learning hours credited that day
}

// chartText is the chart's words, in the reader's language.
type chartText struct {
	Title, ActiveLegend, HoursLegend, Footer string
	RTL                                      bool                 // Persian: title and legend from the right
	Number                                   func(float64) string // an axis tick in the reader's digits
}

var (
	chartBG     = color.RGBA{0xff, 0xff, 0xff, 0xff}
	chartInk    = color.RGBA{0x33, 0x33, 0x33, 0xff}
	chartGrid   = color.RGBA{0xe4, 0xe7, 0xeb, 0xff}
	chartBar    = color.RGBA{0x2a, 0x9d, 0x8f, 0xff} // active learners
	chartLine   = color.RGBA{0xe7, 0x6f, 0x51, 0xff} // learning hours
	chartSubtle = color.RGBA{0x77, 0x77, 0x77, 0xff}
)

// The chart is laid out in pixels of the PNG (one canvas unit each; canvas's y axis points up).
const (
	chartW      = 960
	chartH      = 540
	chartLeft   = 80
	chartRight  = 80
	chartTop    = 110
	chartBottom = 80
	ptPerPx     = 72 / 25.4 // canvas sizes fonts in points and lays out in millimetres: 1 unit = 1 px
)

// drawChart lays the chart out on a canvas.
func drawChart(words chartText, days []chartDay) (*canvas.Canvas, error) {
	fam, err := chartFont()
	if err != nil {
		return nil, err
	}
	face := func(px float64, c color.Color) *canvas.FontFace {
		return fam.Face(px*ptPerPx, c, canvas.FontRegular, canvas.FontNormal)
	}
	c := canvas.New(chartW, chartH)
	ctx := canvas.NewContext(c)
	ctx.SetFillColor(chartBG)
	ctx.DrawPath(0, 0, canvas.Rectangle(chartW, chartH))
	// y grows downwards in the layout below, as on screen.
	Y := func(y float64) float64 { return chartH - y }
	text := func(x, y, px float64, col color.Color, s string, align canvas.TextAlign) {
		ctx.DrawText(x, Y(y), canvas.NewTextLine(face(px, col), s, align))
	}
	rect := func(x0, y0, x1, y1 float64, col color.Color) {
		ctx.SetFillColor(col)
		ctx.SetStrokeColor(canvas.Transparent)
		ctx.DrawPath(x0, Y(y1), canvas.Rectangle(x1-x0, y1-y0))
	}
	line := func(x0, y0, x1, y1, width float64, col color.Color) {
		ctx.SetFillColor(canvas.Transparent)
		ctx.SetStrokeColor(col)
		ctx.SetStrokeWidth(width)
		p := &canvas.Path{}
		p.MoveTo(x0, Y(y0))
		p.LineTo(x1, Y(y1))
		ctx.DrawPath(0, 0, p)
	}
	dot := func(x, y, r float64, col color.Color) {
		ctx.SetFillColor(col)
		ctx.SetStrokeColor(canvas.Transparent)
		ctx.DrawPath(x, Y(y), canvas.Circle(r))
	}

	left, right, top, bottom := float64(chartLeft), float64(chartW-chartRight), float64(chartTop), float64(chartH-chartBottom)
	var maxActive int64
	var maxHours float64
	for _, d := range days {
		maxActive = max(maxActive, d.Active)
		maxHours = max(maxHours, d.Hours)
	}
	activeTop, activeStep := niceScale(float64(maxActive))
	// Both axes share the grid: the hours axis gets the same number of ticks with a nice step of its own.
	ticks := int(math.Round(activeTop / activeStep))
	hoursStep := niceStepAtLeast(maxHours * 1.05 / float64(ticks))
	hoursTop := hoursStep * float64(ticks)
	for i := 0; i <= ticks; i++ {
		y := bottom - (bottom-top)*float64(i)/float64(ticks)
		line(left, y, right, y, 1, chartGrid)
		text(left-10, y+7, 18, chartBar, words.Number(activeStep*float64(i)), canvas.Right)
		text(right+10, y+7, 18, chartLine, words.Number(hoursStep*float64(i)), canvas.Left)
	}
	line(left, bottom, right, bottom, 1.5, chartInk)

	if n := len(days); n > 0 {
		slot := (right - left) / float64(n)
		barW := max(slot*0.6, 2)
		for i, d := range days {
			cx := left + slot*(float64(i)+0.5)
			h := (bottom - top) * float64(d.Active) / activeTop
			if h > 0 {
				rect(cx-barW/2, bottom-h, cx+barW/2, bottom, chartBar)
			}
			// A date under every fifth bar and the last one, so labels never collide.
			if (n-1-i)%5 == 0 {
				text(cx, bottom+30, 17, chartInk, d.Label, canvas.Center)
				line(cx, bottom, cx, bottom+6, 1.5, chartInk)
			}
		}
		hy := func(d chartDay) float64 { return bottom - (bottom-top)*d.Hours/hoursTop }
		for i := 1; i < n; i++ {
			line(left+slot*(float64(i)-0.5), hy(days[i-1]), left+slot*(float64(i)+0.5), hy(days[i]), 3, chartLine)
		}
		for i, d := range days {
			dot(left+slot*(float64(i)+0.5), hy(d), 4, chartLine)
		}
	}

	// Title, legend and footer start from the reading side.
	edge, align, dir := left, canvas.Left, 1.0
	if words.RTL {
		edge, align, dir = right, canvas.Right, -1.0
	}
	text(edge, 44, 26, chartInk, words.Title, align)
	x := edge
	for _, item := range []struct {
		label string
		col   color.Color
		bar   bool
	}{{words.ActiveLegend, chartBar, true}, {words.HoursLegend, chartLine, false}} {
		keyX := x + dir*11
		if item.bar {
			rect(keyX-11, 72, keyX+11, 88, item.col)
		} else {
			line(keyX-11, 80, keyX+11, 80, 3, item.col)
			dot(keyX, 80, 4, item.col)
		}
		t := canvas.NewTextLine(face(18, chartInk), item.label, align)
		ctx.DrawText(x+dir*30, Y(87), t)
		x += dir * (30 + t.Bounds().W() + 40)
	}
	text(edge, chartH-16, 14, chartSubtle, words.Footer, align)
	return c, nil
}

// chartPNG renders the chart for Telegram.
func chartPNG(c *canvas.Canvas) ([]byte, error) {
	img := rasterizer.Draw(c, canvas.DPMM(1), canvas.DefaultColorSpace)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

// chartSVG renders the chart as SVG, its text as outlines.
func chartSVG(c *canvas.Canvas) []byte {
	var buf bytes.Buffer
	opts := svg.DefaultOptions
	opts.SizeUnits = "px"
	r := svg.New(&buf, chartW, chartH, &opts)
	c.RenderTo(outlinedText{r})
	_ = r.Close() // writes into a buffer: cannot fail
	return buf.Bytes()
}

// outlinedText draws text as paths, so an SVG needs no font and looks as the PNG does.
type outlinedText struct{ *svg.SVG }

func (o outlinedText) RenderText(t *canvas.Text, m canvas.Matrix) {
	t.RenderAsPath(o.SVG, m, canvas.DPMM(1))
}

// niceScale picks an axis top and step (1, 2 or 5 times a power of ten) with about five ticks.
func niceScale(maxV float64) (top, step float64) {
	if maxV <= 0 {
		return 5, 1
	}
	raw := maxV / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch r := raw / mag; {
	case r <= 1:
		step = mag
	case r <= 2:
		step = 2 * mag
	case r <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	if step < 1 && maxV >= 1 {
		step = 1
	}
	top = math.Ceil(maxV/step) * step
	if top < maxV*1.05 { // headroom above the highest bar
		top += step
	}
	return top, step
}

// niceStepAtLeast is the smallest of 1, 2, 2.5 and 5 times a power of ten that is at least v (1 for v ≤ 0).
func niceStepAtLeast(v float64) float64 {
	if v <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= v*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

func formatTick(v float64) string {
	switch {
	case v >= 1e6:
		return trimZero(fmt.Sprintf("%.1fM", v/1e6))
	case v >= 1e4:
		return trimZero(fmt.Sprintf("%.1fk", v/1e3))
	case v == math.Trunc(v):
		return fmt.Sprintf("%.0f", v)
	}
	return trimZero(fmt.Sprintf("%.2f", v))
}

func trimZero(s string) string {
	for _, suffix := range []string{"M", "k", ""} {
		n := len(s) - len(suffix)
		if n > 0 && s[n:] == suffix {
			num := s[:n]
			if bytes.ContainsRune([]byte(num), '.') {
				for len(num) > 0 && num[len(num)-1] == '0' {
					num = num[:len(num)-1]
				}
				num = string(bytes.TrimSuffix([]byte(num), []byte(".")))
			}
			return num + suffix
		}
	}
	return s
}
