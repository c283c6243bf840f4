package consult

import (
	"context"
	"errors"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// validInviteToken checks an invite token's shape before the store is asked (tokens are 24 characters of
// base64url; a little slack for older formats).
func validInviteToken(t string) bool {
	if len(t) < 16 || len(t) > 64-len(invitePrefix) {
		return false
	}
	return bot.ValidPayload(t)
}

// redeemInvite turns whoever opened a one-time invite into a consultant and starts their profile.
func (f *Feature) redeemInvite(ctx context.Context, c *bot.Ctx, token string) error {
	if !validInviteToken(token) {
		return c.Fail("ConsInviteInvalid")
	}
	already := false
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		already = false
		if _, err := tx.Consultant(u.ID); err == nil {
			already = true // the invite stays unused for someone else
			return nil
		}
		if cl := tx.ClubLearner(u.ID); cl.Current != 0 {
			if r, err := tx.Consultation(cl.Current); err == nil && r.Live() {
				return c.Fail("ConsInviteFinishFirst")
			}
		}
		inv, err := tx.RedeemInvite(token, u.ID)
		if errors.Is(err, store.ErrInviteInvalid) {
			return c.Fail("ConsInviteInvalid")
		} else if err != nil {
			return err
		}
		u.Step, u.StepData = stepConsName, ""
		return tx.PutConsultant(&store.Consultant{ID: u.ID, Status: store.ConsultantAway, Joined: tx.Now(), InvitedBy: inv.CreatedBy})
	}); err != nil {
		return err
	}
	if already {
		_, err := c.Reply(ctx, c.T("ConsAlreadyConsultant"), nil)
		return err
	}
	_, err := c.Reply(ctx, c.T("ConsWelcomeConsultant")+"\n\n"+c.T("ConsAskName"), nil)
	return err
}

// ---- Profile ----

func (f *Feature) handleProfile(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepConsName, ""
		return nil
	}); err != nil {
		return err
	}
	text := c.T("ConsAskName")
	if me.ProfileDone {
		text = f.profileText(c.Voice, me) + "\n\n" + c.T("ConsEditProfile") + "\n" + text
	}
	_, err := c.Reply(ctx, text, nil)
	return err
}

func (f *Feature) profileText(v bot.Voice, me *store.Consultant) string {
	return v.T("ConsProfile", "Name", bot.Escape(me.Name), "Topics", topicNames(v, me.Topics),
		"Bio", bot.Escape(me.Bio), "Hours", bot.Escape(me.Hours), "Rating", rating(v, me))
}

func (f *Feature) handleTypedName(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	name, n := cleanInput(c.Update.Message.Text)
	if n < 2 || n > maxNameRunes || strings.ContainsRune(name, '\n') {
		return c.Fail("ConsNameInvalid", "Max", c.Num(maxNameRunes))
	}
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		k, err := tx.Consultant(u.ID)
		if err != nil {
			return err
		}
		k.Name = name
		me = k
		u.Step, u.StepData = "", ""
		return tx.PutConsultant(k)
	}); err != nil {
		return err
	}
	return c.Menu(ctx, c.T("ConsAskTopics"), topicPicker(c.Voice, me.Topics))
}

// topicPicker is the consultant's multiple choice of expertise topics.
func topicPicker(v bot.Voice, chosen []string) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, t := range consultTopics {
		label := topicName(v, t)
		if slices.Contains(chosen, t) {
			label = "✓ " + label
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actTopicPick.Button(label, t)))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(actTopicPick.Button(v.T("ConsTopicsDone"), "done")))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

func (f *Feature) handleTopicToggle(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	if len(c.Data) != 1 || (c.Data[0] != "done" && !slices.Contains(consultTopics, c.Data[0])) {
		return bot.HandleStaleButton(ctx, c)
	}
	if c.Data[0] == "done" {
		if len(me.Topics) == 0 {
			return c.Toast(ctx, c.T("ConsPickOneTopic"), true)
		}
		if err := c.Apply(func(_ *store.Tx, u *store.User) error {
			u.Step, u.StepData = stepConsBio, ""
			return nil
		}); err != nil {
			return err
		}
		return c.Menu(ctx, c.T("ConsTopicsChosen", "Topics", topicNames(c.Voice, me.Topics))+"\n\n"+c.T("ConsAskBio"), nil)
	}
	topic := c.Data[0]
	if err := c.Apply(func(tx *store.Tx, _ *store.User) error {
		k, err := tx.Consultant(me.ID)
		if err != nil {
			return err
		}
		if i := slices.Index(k.Topics, topic); i >= 0 {
			k.Topics = slices.Delete(k.Topics, i, i+1)
		} else {
			k.Topics = append(k.Topics, topic)
		}
		// Keep the list's order, whatever the order of the taps.
		slices.SortFunc(k.Topics, func(x, y string) int { return slices.Index(consultTopics, x) - slices.Index(consultTopics, y) })
		me = k
		return tx.PutConsultant(k)
	}); err != nil {
		return err
	}
	return c.Menu(ctx, c.T("ConsAskTopics"), topicPicker(c.Voice, me.Topics))
}

func (f *Feature) handleTypedBio(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	bio, n := cleanInput(c.Update.Message.Text)
	if n < 10 || n > maxBioRunes {
		return c.Fail("ConsBioInvalid", "Max", c.Num(maxBioRunes))
	}
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		k, err := tx.Consultant(u.ID)
		if err != nil {
			return err
		}
		k.Bio = bio
		u.Step, u.StepData = stepConsHours, ""
		return tx.PutConsultant(k)
	}); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("ConsAskHours"), nil)
	return err
}

func (f *Feature) handleTypedHours(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	hours, n := cleanInput(c.Update.Message.Text)
	if n < 3 || n > maxHoursRunes {
		return c.Fail("ConsHoursInvalid", "Max", c.Num(maxHoursRunes))
	}
	var (
		first   bool
		offered []uint64
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		first, offered = false, nil
		k, err := tx.Consultant(u.ID)
		if err != nil {
			return err
		}
		k.Hours = hours
		u.Step, u.StepData = "", ""
		if !k.ProfileDone {
			first = true
			k.ProfileDone = true
			if k.Status != store.ConsultantSuspended {
				k.Status = store.ConsultantActive
			}
		}
		me = k
		if err := tx.PutConsultant(k); err != nil {
			return err
		}
		if first && k.Available() {
			offered, err = f.offerWaitingTo(tx, k)
		}
		return err
	}); err != nil {
		return err
	}
	text := f.profileText(c.Voice, me) + "\n\n" + c.T("ConsProfileSaved")
	if first {
		text = f.profileText(c.Voice, me) + "\n\n" + c.T("ConsProfileDone")
	}
	if _, err := c.Reply(ctx, text, nil); err != nil {
		return err
	}
	return f.sendOffersAll(ctx, offered)
}

// ---- Availability ----

func (f *Feature) handleAway(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	switch {
	case me.Status == store.ConsultantSuspended:
		return c.Fail("ConsSuspended")
	case !me.ProfileDone:
		return c.Fail("ConsFinishProfile")
	case me.Status == store.ConsultantAway:
		_, err := c.Reply(ctx, c.T("ConsAlreadyAway"), nil)
		return err
	}
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		k, err := tx.Consultant(u.ID)
		if err != nil {
			return err
		}
		k.Status = store.ConsultantAway
		return tx.PutConsultant(k)
	}); err != nil {
		return err
	}
	_, err := c.Reply(ctx, c.T("ConsNowAway"), nil)
	return err
}

// handleAvailable makes a consultant available; requests waiting for them (offline tickets, matching or
// widened requests) are offered to them at once.
func (f *Feature) handleAvailable(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	switch {
	case me.Status == store.ConsultantSuspended:
		return c.Fail("ConsSuspended")
	case !me.ProfileDone:
		return c.Fail("ConsFinishProfile")
	case me.Status == store.ConsultantActive:
		_, err := c.Reply(ctx, c.T("ConsAlreadyAvailable"), nil)
		return err
	}
	var offered []uint64
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		k, err := tx.Consultant(u.ID)
		if err != nil {
			return err
		}
		k.Status = store.ConsultantActive
		if err := tx.PutConsultant(k); err != nil {
			return err
		}
		offered, err = f.offerWaitingTo(tx, k)
		return err
	}); err != nil {
		return err
	}
	text := c.T("ConsNowAvailable")
	if len(offered) > 0 {
		text = c.T("ConsNowAvailableWaiting", "Count", c.Num(len(offered)))
	}
	if _, err := c.Reply(ctx, text, nil); err != nil {
		return err
	}
	return f.sendOffersAll(ctx, offered)
}

// offerWaitingTo offers a consultant who just became available what waits for them: offline tickets
// (whatever their topic; the learner is told someone is back), requests already widened to everyone, and
// requests on their topics.
func (f *Feature) offerWaitingTo(tx *store.Tx, k *store.Consultant) ([]uint64, error) {
	var ids []uint64
	for _, id := range tx.LiveConsultations() {
		rec, err := tx.Consultation(id)
		if err != nil || rec.Status != store.ConsultWaiting || rec.Offered(k.ID) || rec.LearnerID == k.ID {
			continue
		}
		if !rec.Offline && rec.Level == 0 && !slices.Contains(k.Topics, rec.Topic) {
			continue
		}
		wasOffline := rec.Offline
		if wasOffline {
			rec.Level = 1 // from now on, whoever comes back gets it too
		}
		if err := f.offer(tx, rec, []int64{k.ID}); err != nil {
			return nil, err
		}
		if wasOffline {
			lc := f.Voice(langOf(tx, rec.LearnerID))
			if err := f.Enqueue(tx, bot.Notice{ChatID: rec.LearnerID, Text: lc.T("ConsBackNotice", "Session", sessionNum(lc, rec.ID))}); err != nil {
				return nil, err
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (f *Feature) sendOffersAll(ctx context.Context, ids []uint64) error {
	for _, id := range ids {
		if err := f.sendOffers(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// ---- The session picker ----

func (f *Feature) handleSessions(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	return f.showSessionPicker(ctx, c, "ConsSessionsTitle")
}

// showSessionPicker lists a consultant's open sessions; the ✓ marks the one their messages go to.
func (f *Feature) showSessionPicker(ctx context.Context, c *bot.Ctx, titleID string) error {
	type entry struct {
		id    uint64
		name  string
		topic string
	}
	var (
		list    []entry
		current uint64
	)
	if err := f.Store.View(func(tx *store.Tx) error {
		me, err := tx.Consultant(c.User.ID)
		if err != nil {
			return err
		}
		current = me.Current
		for _, id := range tx.ConsultantSessions(me.ID) {
			if r, err := tx.Consultation(id); err == nil && r.Status == store.ConsultOpen {
				list = append(list, entry{id, firstNameOf(tx, r.LearnerID), r.Topic})
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if len(list) == 0 {
		return c.Menu(ctx, c.T("ConsNoSession"), nil)
	}
	lines := []string{c.T(titleID)}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, e := range list {
		mark := ""
		if e.id == current {
			mark = "✓ "
		}
		lines = append(lines, c.T("ConsSessionLine", "Mark", mark, "Session", sessionNum(c.Voice, e.id), "Name", bot.Escape(e.name), "Topic", topicName(c.Voice, e.topic)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(actPick.Button(bot.Truncate(mark+c.T("ConsLabel", "Name", e.name, "Session", sessionNum(c.Voice, e.id)), 60), idArg(e.id), "p")))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n"), &kb)
}

// handlePickSession makes a session the one the consultant's messages go to: from the picker
// ("cssel|<id>|p", which is redrawn) or from the label under a relayed message ("cssel|<id>").
func (f *Feature) handlePickSession(ctx context.Context, c *bot.Ctx, me *store.Consultant) error {
	if len(c.Data) < 1 || len(c.Data) > 2 || (len(c.Data) == 2 && c.Data[1] != "p") {
		return bot.HandleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return bot.HandleStaleButton(ctx, c)
	}
	var (
		same bool
		name string
	)
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		k, err := tx.Consultant(u.ID)
		if err != nil {
			return err
		}
		r, err := tx.Consultation(id)
		if err != nil || r.ConsultantID != u.ID || r.Status != store.ConsultOpen {
			return c.Fail("ConsSessionGone")
		}
		name = firstNameOf(tx, r.LearnerID)
		same = k.Current == id
		k.Current = id
		return tx.PutConsultant(k)
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, c.T("ConsNowTalkingTo", "Name", name, "Session", sessionNum(c.Voice, id)), false)
	if len(c.Data) == 2 && !same {
		return f.showSessionPicker(ctx, c, "ConsSessionsTitle")
	}
	return nil
}
