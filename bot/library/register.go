// Package library is the program's other sections — library, free resources, centres (and the nearest
// centres to a shared location), stories — with ambassadors (invitation links, the admins' leaderboard)
// and feedback (learners write to the admins, admins answer through the bot).
package library

import (
	"github.com/tavan7/tavan/bot"
)

// Feature is the sections, ambassadors and feedback, registered into the core.
type Feature struct {
	*bot.Bot
}

// Button actions. The strings are those of the old single package: buttons already sent keep working.
const (
	actSectionView    bot.Action = "sv" // a list page: section, filter, search, page
	actSectionFilters bot.Action = "sf" // the filters of a list
	actSectionSearch  bot.Action = "ss" // ask for a search query
	actSectionItem    bot.Action = "si" // an item's card
	actNearPrompt     bot.Action = "sn" // ask for the learner's location (nearest centres)

	actAmbassador bot.Action = "amb" // hide or show the learner on the leaderboard

	actFeedbackNew    bot.Action = "fbn" // write (another) feedback message
	actFeedbackCancel bot.Action = "fbx" // cancel a feedback or reply step
	actFeedbackReply  bot.Action = "fbr" // an admin answers one feedback
)

// Register adds the sections, nearest centres, ambassadors and feedback to the bot.
func Register(b *bot.Bot) (*Feature, error) {
	f := &Feature{Bot: b}
	r := f.Routes()
	admin := f.Routes(bot.AdminOnly)

	// sections.go, sections_cards.go, centres.go
	r.Command("library", f.sectionCommand(secLibrary))
	r.Command("resources", f.sectionCommand(secResources))
	r.Command("centres", f.sectionCommand(secCentres))
	r.Command("centers", f.sectionCommand(secCentres)) // the American spelling, not in the menu
	r.Command("stories", f.sectionCommand(secStories))
	r.Callback(actSectionView, f.handleSectionView)
	r.Callback(actSectionFilters, f.handleSectionFilters)
	r.Callback(actSectionSearch, f.handleSectionSearch)
	r.Callback(actSectionItem, f.handleSectionItem)
	// Ask Tavan's answers open an item's card like its list does (back goes to the section's first page).
	for kind, sec := range map[string]string{"library": secLibrary, "resource": secResources, "centre": secCentres, "story": secStories} {
		f.Opens(kind, func(id string) string { return actSectionItem.Data(sec, id) })
	}
	r.Callback(actNearPrompt, f.handleNearPrompt)
	r.Step(stepSearch, f.handleSearchQuery)
	r.Step(stepNearCentre, f.handleNearStep)
	f.OnLocation(f.handleLocation)

	// ambassador.go
	r.Command("ambassador", f.handleAmbassador)
	r.Callback(actAmbassador, f.handleAmbassadorToggle)
	admin.Command("leaderboard", f.handleLeaderboard)
	f.StartPayload(refPrefix, f.startReferral)

	// feedback.go. The admin's reply step is not guarded: its handler drops the step of someone who is no
	// longer an admin.
	r.Command("feedback", f.handleFeedback)
	r.Callback(actFeedbackNew, f.handleFeedback)
	r.Callback(actFeedbackCancel, f.handleFeedbackCancel)
	r.Step(stepFeedback, f.handleFeedbackMessage)
	admin.Callback(actFeedbackReply, f.handleFeedbackReplyButton)
	r.Step(stepFeedbackReply, f.handleFeedbackReply)

	f.MenuCommand(bot.Learners, "library", 70)
	f.MenuCommand(bot.Learners, "resources", 80)
	f.MenuCommand(bot.Learners, "centres", 90)
	f.MenuCommand(bot.Learners, "stories", 100)
	f.MenuCommand(bot.Learners, "ambassador", 110)
	f.MenuCommand(bot.Learners, "feedback", 120)
	return f, nil
}
