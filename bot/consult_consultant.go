package bot

import (
	"context"
	"errors"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
)

// invitePrefix starts the /start payload of a consultant invite: cons_<token>.
const invitePrefix = "cons_"

// validInviteToken checks an invite token's shape before the store is asked (tokens are 24 characters of
// base64url; a little slack for older formats).
func validInviteToken(t string) bool {
	if len(t) < 16 || len(t) > 64-len(invitePrefix) {
		return false
	}
	return validPayload(t)
}

// redeemInvite turns whoever opened a one-time invite into a consultant and starts their profile.
func (b *Bot) redeemInvite(ctx context.Context, c *Ctx, token string) error {
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

func (b *Bot) handleProfile(ctx context.Context, c *Ctx, me *store.Consultant) error {
	if err := c.Apply(func(_ *store.Tx, u *store.User) error {
		u.Step, u.StepData = stepConsName, ""
		return nil
	}); err != nil {
		return err
	}
	text := c.T("ConsAskName")
	if me.ProfileDone {
		text = b.profileText(c, me) + "\n\n" + c.T("ConsEditProfile") + "\n" + text
	}
	_, err := c.Reply(ctx, text, nil)
	return err
}

func (b *Bot) profileText(c *Ctx, me *store.Consultant) string {
	return c.T("ConsProfile", "Name", htmlEscape(me.Name), "Topics", c.topicNames(me.Topics),
		"Bio", htmlEscape(me.Bio), "Hours", htmlEscape(me.Hours), "Rating", c.rating(me))
}

func (b *Bot) handleTypedName(ctx context.Context, c *Ctx, me *store.Consultant) error {
	name, n := cleanInput(c.Update.Message.Text)
	if n < 2 || n > maxNameRunes || strings.ContainsRune(name, '\n') {
		return c.Fail("ConsNameInvalid", "Max", c.num(maxNameRunes))
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
	return c.Menu(ctx, c.T("ConsAskTopics"), topicPicker(c, me.Topics))
}

// topicPicker is the consultant's multiple choice of expertise topics.
func topicPicker(c *Ctx, chosen []string) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, t := range consultTopics {
		label := c.topicName(t)
		if slices.Contains(chosen, t) {
			label = "✓ " + label
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(label, cb("cstop", t))))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(c.T("ConsTopicsDone"), cb("cstop", "done"))))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &kb
}

func (b *Bot) handleTopicToggle(ctx context.Context, c *Ctx, me *store.Consultant) error {
	if len(c.Data) != 1 || (c.Data[0] != "done" && !slices.Contains(consultTopics, c.Data[0])) {
		return handleStaleButton(ctx, c)
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
		return c.Menu(ctx, c.T("ConsTopicsChosen", "Topics", c.topicNames(me.Topics))+"\n\n"+c.T("ConsAskBio"), nil)
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
	return c.Menu(ctx, c.T("ConsAskTopics"), topicPicker(c, me.Topics))
}

func (b *Bot) handleTypedBio(ctx context.Context, c *Ctx, me *store.Consultant) error {
	bio, n := cleanInput(c.Update.Message.Text)
	if n < 10 || n > maxBioRunes {
		return c.Fail("ConsBioInvalid", "Max", c.num(maxBioRunes))
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

func (b *Bot) handleTypedHours(ctx context.Context, c *Ctx, me *store.Consultant) error {
	hours, n := cleanInput(c.Update.Message.Text)
	if n < 3 || n > maxHoursRunes {
		return c.Fail("ConsHoursInvalid", "Max", c.num(maxHoursRunes))
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
			offered, err = b.offerWaitingTo(tx, k)
		}
		return err
	}); err != nil {
		return err
	}
	text := b.profileText(c, me) + "\n\n" + c.T("ConsProfileSaved")
	if first {
		text = b.profileText(c, me) + "\n\n" + c.T("ConsProfileDone")
	}
	if _, err := c.Reply(ctx, text, nil); err != nil {
		return err
	}
	return b.sendOffersAll(ctx, offered)
}

// ---- Availability ----

func (b *Bot) handleAway(ctx context.Context, c *Ctx, me *store.Consultant) error {
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
func (b *Bot) handleAvailable(ctx context.Context, c *Ctx, me *store.Consultant) error {
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
		offered, err = b.offerWaitingTo(tx, k)
		return err
	}); err != nil {
		return err
	}
	text := c.T("ConsNowAvailable")
	if len(offered) > 0 {
		text = c.T("ConsNowAvailableWaiting", "Count", c.num(len(offered)))
	}
	if _, err := c.Reply(ctx, text, nil); err != nil {
		return err
	}
	return b.sendOffersAll(ctx, offered)
}

// offerWaitingTo offers a consultant who just became available what waits for them: offline tickets
// (whatever their topic; the learner is told someone is back), requests already widened to everyone, and
// requests on their topics.
func (b *Bot) offerWaitingTo(tx *store.Tx, k *store.Consultant) ([]uint64, error) {
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
		if err := b.offer(tx, rec, []int64{k.ID}); err != nil {
			return nil, err
		}
		if wasOffline {
			lc := b.langCtx(langOf(tx, rec.LearnerID))
			if err := b.enqueue(tx, Notice{ChatID: rec.LearnerID, Text: lc.T("ConsBackNotice", "Session", lc.sessionNum(rec.ID))}); err != nil {
				return nil, err
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (b *Bot) sendOffersAll(ctx context.Context, ids []uint64) error {
	for _, id := range ids {
		if err := b.sendOffers(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// ---- The session picker ----

func (b *Bot) handleSessions(ctx context.Context, c *Ctx, me *store.Consultant) error {
	return b.showSessionPicker(ctx, c, "ConsSessionsTitle")
}

// showSessionPicker lists a consultant's open sessions; the ✓ marks the one their messages go to.
func (b *Bot) showSessionPicker(ctx context.Context, c *Ctx, titleID string) error {
	type entry struct {
		id    uint64
		name  string
		topic string
	}
	var (
		list    []entry
		current uint64
	)
	if err := b.Store.View(func(tx *store.Tx) error {
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
		lines = append(lines, c.T("ConsSessionLine", "Mark", mark, "Session", c.sessionNum(e.id), "Name", htmlEscape(e.name), "Topic", c.topicName(e.topic)))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
			truncateRunes(mark+c.T("ConsLabel", "Name", e.name, "Session", c.sessionNum(e.id)), 60), cb("cssel", idArg(e.id), "p"))))
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n"), &kb)
}

// handlePickSession makes a session the one the consultant's messages go to: from the picker
// ("cssel|<id>|p", which is redrawn) or from the label under a relayed message ("cssel|<id>").
func (b *Bot) handlePickSession(ctx context.Context, c *Ctx, me *store.Consultant) error {
	if len(c.Data) < 1 || len(c.Data) > 2 || (len(c.Data) == 2 && c.Data[1] != "p") {
		return handleStaleButton(ctx, c)
	}
	id, ok := parseID(c.Data[0])
	if !ok {
		return handleStaleButton(ctx, c)
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
	_ = c.Toast(ctx, c.T("ConsNowTalkingTo", "Name", name, "Session", c.sessionNum(id)), false)
	if len(c.Data) == 2 && !same {
		return b.showSessionPicker(ctx, c, "ConsSessionsTitle")
	}
	return nil
}
