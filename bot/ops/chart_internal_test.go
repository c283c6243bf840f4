package ops

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tavan7/tavan/bot/persian"
)

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct{ max, top, step float64 }{
		{0, 5, 1}, {3, 4, 1}, {9, 10, 2}, {100, 120, 20}, {440, 500, 100}, {0.4, 0.5, 0.1}, {12345, 15000, 5000},
	} {
		top, step := niceScale(tt.max)
		if top != tt.top || step != tt.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tt.max, top, step, tt.top, tt.step)
		}
	}
	for _, tt := range []struct{ v, want float64 }{{0, 1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {2.1, 2.5}, {7, 10}, {130, 200}} {
		if got := niceStepAtLeast(tt.v); got != tt.want {
			t.Errorf("niceStepAtLeast(%v) = %v; want %v", tt.v, got, tt.want)
		}
	}
}

// The chart in Persian and in English, as PNG (Telegram) and SVG (a dashboard): saved to the artifacts
// folder ($TAVAN_ARTIFACTS) to look at. The SVG carries the text as outlines, so it needs no font.
func TestChartPNGAndSVG(t *testing.T) {
	days := make([]chartDay, 30)
	for i := range days {
		days[i] = chartDay{Label: persian.Digits(fmt.Sprintf("%d/%d", 8+(i+10)/30, (i+10)%30+1)), Active: int64(20 + 7*(i%9)), Hours: float64(3+i%7) * 1.5}
	}
	fa := chartText{
		Title: "توان: یادگیرندگان فعال و ساعت‌های یادگیری، ۳۰ روز گذشته", ActiveLegend: "یادگیرندگان فعال (محور چپ)",
		HoursLegend: "ساعت‌های یادگیری: درس‌ها و رویدادها (محور راست)", Footer: "ساخته‌شده در ۱۶ آذر ۱۴۰۵", RTL: true,
		Number: func(v float64) string { return strings.ReplaceAll(persian.Digits(formatTick(v)), ".", "٫") },
	}
	en := chartText{Title: "Tavan: active learners and learning hours", ActiveLegend: "Active learners", HoursLegend: "Learning hours", Footer: "Made on 16 Azar 1405", Number: formatTick}
	for name, words := range map[string]chartText{"fa": fa, "en": en} {
		c, err := drawChart(words, days)
		if err != nil {
			t.Fatal(err)
		}
		pngData, err := chartPNG(c)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(pngData))
		if err != nil || img.Bounds().Dx() != chartW || img.Bounds().Dy() != chartH {
			t.Fatalf("%s PNG: %v (%v)", name, err, img)
		}
		svgData := chartSVG(c)
		if err := xml.Unmarshal(svgData, new(struct{ XMLName xml.Name })); err != nil {
			t.Errorf("%s SVG does not parse: %v", name, err)
		}
		if bytes.Contains(svgData, []byte("<text")) || !bytes.Contains(svgData, []byte("<path")) {
			t.Errorf("%s SVG has text elements or no paths; want text as outlines", name)
		}
		if dir := os.Getenv("TAVAN_ARTIFACTS"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "stats-chart-"+name+".png"), pngData, 0o644)
			_ = os.WriteFile(filepath.Join(dir, "stats-chart-"+name+".svg"), svgData, 0o644)
		}
	}
}
