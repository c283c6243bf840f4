package library

import (
	"context"
	"slices"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot"
	"github.com/tavan7/tavan/bot/tghtml"
	"github.com/tavan7/tavan/lessons"
)

// handleSectionItem sends an item's card as new messages; the list it came from stays as it was.
// Its data is the section and the item's id, then (when it fits in 64 bytes) the list page it was on,
// which the card's [back to the list] returns to.
func (f *Feature) handleSectionItem(ctx context.Context, c *bot.Ctx) error {
	if len(c.Data) != 2 && len(c.Data) != 5 || !slices.Contains(sectionIDs, c.Data[0]) {
		return bot.HandleStaleButton(ctx, c)
	}
	back := view{sec: c.Data[0], filter: filterAll}
	if len(c.Data) == 5 {
		if v, ok := parseView([]string{c.Data[0], c.Data[2], c.Data[3], c.Data[4]}); ok {
			back = v
		}
	}
	cat := f.Content()
	id := c.Data[1]
	_ = c.Toast(ctx, "", false) // the card may take a moment (an upload): stop the button spinning now
	var err error
	switch c.Data[0] {
	case secLibrary:
		if it := cat.LibraryItem(id); it != nil {
			err = f.sendLibraryCard(ctx, c, it)
		}
	case secResources:
		if r := cat.Resource(id); r != nil {
			err = f.sendResource(ctx, c, r)
		}
	case secCentres:
		if ce := cat.Centre(id); ce != nil {
			err = f.sendCentreCard(ctx, c, ce, cat.CentresAreSample)
		}
	case secStories:
		if s := cat.Story(id); s != nil {
			err = f.sendStory(ctx, c, s)
		}
	}
	if err != nil {
		return err
	}
	text := c.T("SecBackPrompt")
	if !itemExists(cat, c.Data[0], id) {
		text = c.T("SecItemGone") // removed by a content reload since the list was drawn
	}
	// The card's last line: pressing it turns this line into the list again, the card stays above it.
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(c.T("SecBackButton"), back.data(actSectionView))))
	_, err = c.Reply(ctx, text, kb)
	return err
}

// itemData is an item button's data: with the list page to go back to when it fits.
func itemData(v view, id string) string {
	args := []string{v.sec, id, v.filter, strconv.FormatUint(uint64(v.seq), 10), strconv.Itoa(v.page)}
	if n := len(actSectionItem.Data(args[:2]...)) + len(args[2]) + len(args[3]) + len(args[4]) + 3; n <= 64 {
		return actSectionItem.Data(args...)
	}
	return actSectionItem.Data(args[:2]...)
}

// itemExists reports whether section sec still has the item id.
func itemExists(cat *lessons.Catalog, sec, id string) bool {
	switch sec {
	case secLibrary:
		return cat.LibraryItem(id) != nil
	case secResources:
		return cat.Resource(id) != nil
	case secCentres:
		return cat.Centre(id) != nil
	case secStories:
		return cat.Story(id) != nil
	}
	return false
}

// tagList names tags in the user's language: «بازاریابی، خانواده».
func tagList(c *bot.Ctx, tags []string) string {
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		if slices.Contains(tagOrder, t) {
			names = append(names, c.T("Tag_"+t))
		}
	}
	return strings.Join(names, c.T("SecListSeparator"))
}

func (f *Feature) sendLibraryCard(ctx context.Context, c *bot.Ctx, it *lessons.LibraryItem) error {
	lines := []string{kindEmoji(it.Kind) + " <b>" + bot.Escape(c.Content(it.Title)) + "</b>"}
	if it.OriginalTitle != "" {
		lines = append(lines, "<i>"+bot.Escape(it.OriginalTitle)+"</i>")
	}
	by := c.T("LibraryAuthor", "Author", bot.Escape(c.Content(it.Author)))
	if it.Year != 0 {
		by += " — " + digits(c, strconv.Itoa(it.Year))
	}
	lines = append(lines, by, c.T("LibraryKind", "Kind", c.T("Kind_"+it.Kind)), "",
		bot.Escape(c.Content(it.Summary)), "",
		c.T("LibraryWhy"), bot.Escape(c.Content(it.Why)))
	if it.Link != "" {
		lines = append(lines, "", c.T("LibraryLink", "URL", bot.Escape(it.Link)))
	}
	if len(it.Tags) > 0 {
		lines = append(lines, "", c.T("TagsLine", "Tags", tagList(c, it.Tags)))
	}
	if err := c.ReplyLong(ctx, strings.Join(lines, "\n")); err != nil {
		return err
	}
	if it.File != nil {
		return f.SendMedia(ctx, c.ChatID, it.File, "<b>"+bot.Escape(c.Content(it.Title))+"</b>")
	}
	return nil
}

// sendResource sends the resource's document (uploaded once, then by file_id) with its description as the
// caption, or before it when the caption would be too long.
func (f *Feature) sendResource(ctx context.Context, c *bot.Ctx, r *lessons.Resource) error {
	if r.File == nil {
		return c.Fail("SecItemGone")
	}
	caption := "📝 <b>" + bot.Escape(c.Content(r.Title)) + "</b>\n\n" + bot.Escape(c.Content(r.Description))
	if len(r.Tags) > 0 {
		caption += "\n\n" + c.T("TagsLine", "Tags", tagList(c, r.Tags))
	}
	if n, err := tghtml.Len(caption); err != nil || n > lessons.MaxCaption {
		if err := c.ReplyLong(ctx, caption); err != nil {
			return err
		}
		caption = "📝 <b>" + bot.Escape(bot.Truncate(c.Content(r.Title), 200)) + "</b>"
	}
	return f.SendMedia(ctx, c.ChatID, r.File, caption)
}

// centreCard is a centre's details as HTML.
func centreCard(c *bot.Ctx, ce *lessons.Centre, sample bool) string {
	lines := []string{"🏢 <b>" + bot.Escape(c.Content(ce.Name)) + "</b>", c.T("CentreKindLine", "Kind", c.T("CentreKind_"+ce.Kind))}
	if len(ce.Services) > 0 {
		lines = append(lines, c.T("CentreServices"))
		for _, s := range ce.Services {
			lines = append(lines, "• "+bot.Escape(s.In(c.Lang)))
		}
	}
	if h := ce.Hours.In(c.Lang); h != "" {
		lines = append(lines, c.T("CentreHours", "Hours", bot.Escape(h)))
	}
	if ce.Phone != "" {
		lines = append(lines, c.T("CentrePhone", "Phone", bot.Escape(ce.Phone)))
	}
	if ce.Website != "" {
		lines = append(lines, c.T("CentreWebsite", "URL", bot.Escape(ce.Website)))
	}
	lines = append(lines, c.T("CentreAddress", "Address", bot.Escape(ce.Address.In(c.Lang))))
	if sample {
		lines = append(lines, "", c.T("CentreSampleMarker"))
	}
	return strings.Join(lines, "\n")
}

// sendCentreCard sends the details, then the place as a venue the learner can open in their map.
func (f *Feature) sendCentreCard(ctx context.Context, c *bot.Ctx, ce *lessons.Centre, sample bool) error {
	if err := c.ReplyLong(ctx, centreCard(c, ce, sample)); err != nil {
		return err
	}
	title := c.Content(ce.Name)
	if sample && !strings.Contains(title, c.T("SampleWord")) {
		title += " (" + c.T("SampleWord") + ")"
	}
	return f.SendVenue(ctx, c.ChatID, bot.Truncate(title, 100), bot.Truncate(ce.Address.In(c.Lang), 200), ce.Lat, ce.Lon)
}

// sendStory sends the story's photo (with its field and, for an invented story, a note saying so), then
// its text.
func (f *Feature) sendStory(ctx context.Context, c *bot.Ctx, s *lessons.Story) error {
	note := c.T("StoryField", "Field", storyField(c, s))
	if s.Fictional {
		note += "\n" + c.T("StoryFictional")
	}
	if s.Photo != nil {
		if err := f.SendMedia(ctx, c.ChatID, s.Photo, note); err != nil {
			return err
		}
	} else if _, err := c.Reply(ctx, note, nil); err != nil {
		return err
	}
	for _, part := range s.Parts(c.Lang) {
		if _, err := c.Reply(ctx, part, nil); err != nil {
			return err
		}
	}
	return nil
}
