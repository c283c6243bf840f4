package library

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/store"
)

// Ambassadors: every learner has a personal invitation link t.me/<bot>?start=ref_<code>. A NEW learner who
// starts the bot through it is credited to the inviter once, in the transaction that creates the learner,
// so a redelivered /start cannot credit twice and an existing learner cannot be credited at all.

const refPrefix = "ref_"

// leaderboardSize is how many ambassadors the admins' leaderboard lists.
const leaderboardSize = 20

// startReferral is the deep-link handler of ref_<code>: it credits the inviter of a NEW learner, in the
// Apply that creates them; then /start onboards them like anyone else (handled is false).
func (f *Feature) startReferral(ctx context.Context, c *bot.Ctx, code string) (handled bool, err error) {
	return false, f.creditReferral(ctx, c, code)
}

// creditReferral credits the owner of code with the sender if, and only if, this /start creates them.
func (f *Feature) creditReferral(_ context.Context, c *bot.Ctx, code string) error {
	if len(code) != store.RefCodeLen {
		return nil // not a code of ours: /start goes on as without a payload
	}
	return c.Apply(func(tx *store.Tx, u *store.User) error {
		// Apply saves the sender after this function: if the store has no record yet, this update creates it.
		if _, err := tx.User(u.ID); err == nil {
			return nil // an existing learner: no credit
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		inviter, ok, err := tx.InviterByCode(code)
		if err != nil || !ok {
			return err
		}
		added, err := tx.AddReferral(inviter, u.ID) // refuses a self-invitation and a second credit
		if err != nil || !added {
			return err
		}
		who, err := tx.User(inviter)
		if err != nil {
			return err
		}
		v := f.VoiceOf(who)
		n := len(tx.Invitees(inviter))
		return f.Enqueue(tx, bot.Notice{
			ChatID: inviter,
			Text:   v.N("AmbassadorNewJoin", n, "Count", v.Num(n)),
			Dedupe: fmt.Sprintf("ref:%d:%d", inviter, u.ID),
		})
	})
}

// inviteLink is the learner's personal link, or "" if the bot's username is unknown.
func (f *Feature) inviteLink(code string) string {
	if f.Username == "" || code == "" {
		return ""
	}
	return f.DeepLink(refPrefix + code)
}

func (f *Feature) handleAmbassador(ctx context.Context, c *bot.Ctx) error {
	var a store.Ambassador
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		a, err = tx.EnsureAmbassador(u.ID)
		return err
	}); err != nil {
		return err
	}
	return f.showAmbassador(ctx, c, a)
}

// referralCounts is how many people userID brought in, and how many of them completed a lesson.
func (f *Feature) referralCounts(tx *store.Tx, userID int64) (total, learning int, err error) {
	for _, id := range tx.Invitees(userID) {
		total++
		u, err := tx.User(id)
		if errors.Is(err, store.ErrNotFound) {
			continue // they deleted their data: still brought in, but nothing more is known
		} else if err != nil {
			return 0, 0, err
		}
		if u.LessonsCompleted > 0 {
			learning++
		}
	}
	return total, learning, nil
}

// showAmbassador shows the link, the counts and the leaderboard choice in one message.
func (f *Feature) showAmbassador(ctx context.Context, c *bot.Ctx, a store.Ambassador) error {
	var total, learning int
	if err := f.Store.View(func(tx *store.Tx) error {
		var err error
		total, learning, err = f.referralCounts(tx, c.User.ID)
		return err
	}); err != nil {
		return err
	}
	link := f.inviteLink(a.Code)
	lines := []string{c.T("AmbassadorTitle"), c.T("AmbassadorIntro"), ""}
	if link != "" {
		lines = append(lines, c.T("AmbassadorLink", "Link", bot.Escape(link)), "")
	} else {
		lines = append(lines, c.T("AmbassadorNoLink"), "")
	}
	lines = append(lines, c.N("AmbassadorCount", total, "Count", c.Num(total)))
	if total > 0 {
		lines = append(lines, c.N("AmbassadorLearning", learning, "Count", c.Num(learning)))
	}
	board := "AmbassadorOnBoard"
	toggle := tgbotapi.NewInlineKeyboardButtonData(c.T("AmbassadorHideButton"), actAmbassador.Data("hide"))
	if a.Hidden {
		board = "AmbassadorOffBoard"
		toggle = tgbotapi.NewInlineKeyboardButtonData(c.T("AmbassadorShowButton"), actAmbassador.Data("show"))
	}
	lines = append(lines, "", c.T(board))
	var rows [][]tgbotapi.InlineKeyboardButton
	if link != "" && f.Platform.ShareURL != "" {
		share := f.Platform.ShareURL + "?url=" + url.QueryEscape(link) + "&text=" + url.QueryEscape(c.T("AmbassadorShareText"))
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL(c.T("AmbassadorShareButton"), share)))
	}
	rows = append(rows, tgbotapi.NewInlineKeyboardRow(toggle))
	kb := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return c.Menu(ctx, strings.Join(lines, "\n"), &kb)
}

// handleAmbassadorToggle hides the learner from the leaderboard, or shows them again.
func (f *Feature) handleAmbassadorToggle(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 1 || (c.Data[0] != "hide" && c.Data[0] != "show") {
		return bot.HandleStaleButton(ctx, c)
	}
	hidden := c.Data[0] == "hide"
	var a store.Ambassador
	if err := c.Apply(func(tx *store.Tx, u *store.User) error {
		var err error
		a, err = tx.SetLeaderboardHidden(u.ID, hidden)
		return err
	}); err != nil {
		return err
	}
	_ = c.Toast(ctx, c.T("Saved"), false)
	return f.showAmbassador(ctx, c, a)
}

// leaderRow is one ambassador on the leaderboard.
type leaderRow struct {
	name            string
	total, learning int
	id              int64
}

// handleLeaderboard shows admins the ambassadors who brought most people in, by display name only; the
// learners who opted out are counted but not named.
func (f *Feature) handleLeaderboard(ctx context.Context, c *bot.Ctx) error {
	var rows []leaderRow
	hidden, all := 0, 0
	err := f.Store.View(func(tx *store.Tx) error {
		return tx.EachInviter(func(inviter int64, _ []int64) error {
			u, err := tx.User(inviter)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			} else if err != nil {
				return err
			}
			total, learning, err := f.referralCounts(tx, inviter)
			if err != nil {
				return err
			}
			all += total
			a, _, err := tx.Ambassador(inviter)
			if err != nil {
				return err
			}
			if a.Hidden {
				hidden++
				return nil
			}
			rows = append(rows, leaderRow{name: displayName(u), total: total, learning: learning, id: inviter})
			return nil
		})
	})
	if err != nil {
		return err
	}
	slices.SortFunc(rows, func(a, b leaderRow) int {
		return cmp.Or(cmp.Compare(b.total, a.total), cmp.Compare(b.learning, a.learning), cmp.Compare(a.id, b.id))
	})
	lines := []string{c.T("LeaderboardTitle"), c.T("LeaderboardTotal", "Count", c.Num(all)), ""}
	if len(rows) == 0 {
		lines = append(lines, c.T("LeaderboardEmpty"))
	}
	for i, r := range rows[:min(len(rows), leaderboardSize)] {
		name := bot.Escape(r.name)
		if name == "" {
			name = c.T("SecNoName")
		}
		lines = append(lines, c.T("LeaderboardRow", "Rank", c.Num(i+1), "Name", name,
			"Count", c.N("LeaderboardPeople", r.total, "Count", c.Num(r.total)), "Learning", c.Num(r.learning)))
	}
	if hidden > 0 {
		lines = append(lines, "", c.N("LeaderboardHidden", hidden, "Count", c.Num(hidden)))
	}
	return c.ReplyLong(ctx, strings.Join(lines, "\n"))
}

// displayName is how Telegram shows a person: first and last name, never the username.
func displayName(u *store.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}
