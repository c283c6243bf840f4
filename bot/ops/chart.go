package ops

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The /stats chart is drawn here with the standard library and basicfont: no chart library and no font
// files. basicfont has Latin glyphs only and nothing here could shape Persian, so every label is Latin
// letters and ASCII digits (dates are Jalali month/day), which render the same everywhere.

// chartDay is one day of the chart.
type chartDay struct {
	Label  string  // e.g. "09/06" (Jalali month/day)
	Active int64   // learners active that day
	Hours  float64 // learning hours credited that day
}

var (
	chartBG     = color.RGBA{0xff, 0xff, 0xff, 0xff}
	chartInk    = color.RGBA{0x33, 0x33, 0x33, 0xff}
	chartGrid   = color.RGBA{0xe4, 0xe7, 0xeb, 0xff}
	chartBar    = color.RGBA{0x2a, 0x9d, 0x8f, 0xff} // active learners
	chartLine   = color.RGBA{0xe7, 0x6f, 0x51, 0xff} // learning hours
	chartSubtle = color.RGBA{0x77, 0x77, 0x77, 0xff}
)

const (
	chartW       = 960
	chartH       = 540
	chartLeft    = 90
	chartRight   = 90
	chartTop     = 96
	chartBottom  = 80
	chartTextBig = 2 // basicfont is 7x13; labels are drawn at twice that size
)

// drawChart renders daily active learners as bars (left axis) and learning hours as a line (right axis).
func drawChart(title, footer string, days []chartDay) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, chartW, chartH))
	draw.Draw(img, img.Bounds(), &image.Uniform{chartBG}, image.Point{}, draw.Src)

	plot := image.Rect(chartLeft, chartTop, chartW-chartRight, chartH-chartBottom)
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

	// Grid and both axes' labels.
	for i := 0; i <= ticks; i++ {
		y := plot.Max.Y - int(float64(plot.Dy())*float64(i)/float64(ticks))
		hline(img, plot.Min.X, plot.Max.X, y, chartGrid)
		left := formatTick(activeStep * float64(i))
		drawText(img, plot.Min.X-8-textWidth(left, chartTextBig), y+8, left, chartTextBig, chartBar)
		right := formatTick(hoursStep * float64(i))
		drawText(img, plot.Max.X+8, y+8, right, chartTextBig, chartLine)
	}
	hline(img, plot.Min.X, plot.Max.X, plot.Max.Y, chartInk)

	n := len(days)
	if n > 0 {
		slot := float64(plot.Dx()) / float64(n)
		barW := max(int(slot*0.6), 2)
		var prev image.Point
		for i, d := range days {
			cx := plot.Min.X + int(slot*(float64(i)+0.5))
			h := int(float64(plot.Dy()) * float64(d.Active) / activeTop)
			fillRect(img, image.Rect(cx-barW/2, plot.Max.Y-h, cx-barW/2+barW, plot.Max.Y), chartBar)
			p := image.Pt(cx, plot.Max.Y-int(float64(plot.Dy())*d.Hours/hoursTop))
			if i > 0 {
				thickLine(img, prev, p, 2, chartLine)
			}
			prev = p
			// A date under every fifth bar and the last one, so labels never collide.
			if (n-1-i)%5 == 0 {
				w := textWidth(d.Label, chartTextBig)
				drawText(img, cx-w/2, plot.Max.Y+30, d.Label, chartTextBig, chartInk)
				vline(img, cx, plot.Max.Y, plot.Max.Y+6, chartInk)
			}
		}
		for i, d := range days {
			cx := plot.Min.X + int(slot*(float64(i)+0.5))
			dot(img, image.Pt(cx, plot.Max.Y-int(float64(plot.Dy())*d.Hours/hoursTop)), 4, chartLine)
		}
	}

	drawText(img, chartLeft, 38, title, chartTextBig, chartInk)
	// Legend.
	lx, ly := chartLeft, 72
	fillRect(img, image.Rect(lx, ly-14, lx+22, ly), chartBar)
	drawText(img, lx+30, ly, "Active learners (left)", chartTextBig, chartInk)
	lx += 30 + textWidth("Active learners (left)", chartTextBig) + 40
	thickLine(img, image.Pt(lx, ly-7), image.Pt(lx+22, ly-7), 2, chartLine)
	dot(img, image.Pt(lx+11, ly-7), 4, chartLine)
	drawText(img, lx+30, ly, "Learning hours (right)", chartTextBig, chartInk)
	drawText(img, chartLeft, chartH-16, footer, 1, chartSubtle)

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
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

func textWidth(s string, scale int) int {
	return font.MeasureString(basicfont.Face7x13, s).Round() * scale
}

// drawText writes s with its baseline at y, scaled up by nearest neighbour so the pixels stay crisp.
func drawText(dst *image.RGBA, x, y int, s string, scale int, c color.Color) {
	face := basicfont.Face7x13
	w := font.MeasureString(face, s).Round()
	h := face.Metrics().Height.Ceil()
	ascent := face.Metrics().Ascent.Ceil()
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	d := font.Drawer{Dst: small, Src: image.NewUniform(c), Face: face, Dot: fixed.P(0, ascent)}
	d.DrawString(s)
	r := image.Rect(x, y-ascent*scale, x+w*scale, y-ascent*scale+h*scale)
	xdraw.NearestNeighbor.Scale(dst, r, small, small.Bounds(), xdraw.Over, nil)
}

func fillRect(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r.Intersect(img.Bounds()), &image.Uniform{c}, image.Point{}, draw.Src)
}

func hline(img *image.RGBA, x0, x1, y int, c color.Color) {
	fillRect(img, image.Rect(x0, y, x1+1, y+1), c)
}

func vline(img *image.RGBA, x, y0, y1 int, c color.Color) {
	fillRect(img, image.Rect(x, y0, x+1, y1+1), c)
}

// thickLine draws a line of half-width r by stamping squares along it.
func thickLine(img *image.RGBA, a, b image.Point, r int, c color.Color) {
	steps := max(abs(b.X-a.X), abs(b.Y-a.Y), 1)
	for i := 0; i <= steps; i++ {
		x := a.X + (b.X-a.X)*i/steps
		y := a.Y + (b.Y-a.Y)*i/steps
		fillRect(img, image.Rect(x-r, y-r, x+r+1, y+r+1), c)
	}
}

func dot(img *image.RGBA, p image.Point, r int, c color.Color) {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if dx*dx+dy*dy <= r*r {
				img.Set(p.X+dx, p.Y+dy, c)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
