package library

import (
	"context"
	"math"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/persian"
	"github.com/tavan7/tavan/bot/store"
)

// "Nearest centres": the learner shares a location (the reply-keyboard button, or any location message)
// and gets the centres list sorted by distance, paged like every list.

// handleNearPrompt offers a reply keyboard whose button shares the learner's location.
func (f *Feature) handleNearPrompt(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 0 {
		return bot.HandleStaleButton(ctx, c)
	}
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepNearCentre, ""
		return nil
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, "", false)
	kb := tgbotapi.NewReplyKeyboard(
		tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonLocation(c.T("ShareLocationButton"))),
		tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton(c.T("NearCancelButton"))),
	)
	kb.OneTimeKeyboard = true
	_, err := c.Reply(ctx, c.T("NearPrompt"), kb)
	return err
}

// handleNearStep waits for the location; the cancel button (its text) or any command ends the wait.
func (f *Feature) handleNearStep(ctx context.Context, c *bot.Ctx) error {
	m := c.Update.Message
	if m.Location != nil {
		return f.handleLocation(ctx, c)
	}
	if m.Text == f.Texts.T(c.Lang, "NearCancelButton") || m.Text == f.Texts.T("fa", "NearCancelButton") || m.Text == f.Texts.T("en", "NearCancelButton") {
		if err := c.Apply(func(_ *store.Tx, u *store.User) error { u.Step, u.StepData = "", ""; return nil }); err != nil {
			return err
		}
		_, err := c.Reply(ctx, c.T("NearCancelled"), tgbotapi.NewRemoveKeyboard(true))
		return err
	}
	return c.Fail("NearNeedLocation")
}

// handleLocation answers a shared location with the nearest centres.
func (f *Feature) handleLocation(ctx context.Context, c *bot.Ctx) error {
	loc := c.Update.Message.Location
	if loc == nil || math.IsNaN(loc.Latitude) || math.IsNaN(loc.Longitude) ||
		loc.Latitude < -90 || loc.Latitude > 90 || loc.Longitude < -180 || loc.Longitude > 180 {
		return c.Fail("NearNeedLocation")
	}
	var br store.Browse
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		if u.Step == stepNearCentre || u.Step == stepSearch {
			u.Step, u.StepData = "", ""
		}
		var err error
		br, err = tx.NewBrowse(u.ID, store.Browse{Section: secCentres, Near: true,
			Lat: roundTo(loc.Latitude, 4), Lon: roundTo(loc.Longitude, 4)})
		return err
	}); err != nil {
		return err
	}
	// The list needs an inline keyboard, and a message carries one keyboard: the reply keyboard goes first.
	if _, err := c.Reply(ctx, c.T("NearReceived"), tgbotapi.NewRemoveKeyboard(true)); err != nil {
		return err
	}
	return f.showView(ctx, c, view{sec: secCentres, filter: filterAll, seq: br.Seq})
}

// roundTo keeps d decimals. 4 decimals of a degree is about 10 m: the distances shown stay right, and the
// stored point (the learner's own record, erased by /deleteme) is no finer than that.
func roundTo(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}

// earthRadiusKm is the mean Earth radius (IUGG).
const earthRadiusKm = 6371.0088

// haversineKm is the great-circle distance between two points in kilometres.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// distance formats km for the user: «۲٫۳ کیلومتر», or metres under 1 km rounded to 10 m («۳۵۰ متر»).
func distance(v bot.Voice, km float64) string {
	if km < 0.995 { // 0.995 km would print as 1.0 km anyway; below it, metres read better
		m := int(math.Round(km*100)) * 10
		return v.T("DistanceMetres", "Metres", v.Num(max(m, 10)))
	}
	if v.Lang == "fa" {
		return v.T("DistanceKm", "Km", persian.Float(km, 1))
	}
	return v.T("DistanceKm", "Km", strconv.FormatFloat(km, 'f', 1, 64))
}
