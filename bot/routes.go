package bot

// routes wires every command, button and conversation step; each feature's handlers live in its own file.
func (b *Bot) routes() *Router {
	r := newRouter()

	// onboarding.go
	r.Command("start", b.handleStart)
	r.Callback("lang", b.handleLanguageChoice)
	r.Callback("track", b.handleTrackChoice)
	r.Callback("time", b.handleTimeChoice)
	r.Step(stepTime, b.handleTypedTime)

	// settings.go
	r.Command("settings", b.handleSettings)
	r.Command("language", b.handleLanguage)
	r.Callback("set", b.handleSettingsMenu)
	r.Callback("pause", b.handlePauseChoice)

	// privacy.go
	r.Command("privacy", b.handlePrivacy)
	r.Command("deleteme", b.handleDeleteMe)
	r.Callback("del", b.handleDeleteChoice)

	// lesson.go, content.go
	r.Command("courses", b.handleCourses)
	r.Command("today", b.handleToday)
	r.Callback("courses", b.handleCourses)
	r.Callback("course", b.handleCourse)
	r.Callback("open", b.handleOpenLesson)
	r.AdminCommand("reload", b.handleReload)

	// quiz.go, review.go, certificate.go, me.go
	r.Callback("quiz", b.handleQuiz)
	r.Callback("qa", b.handleButtonAnswer)
	r.pollAnswer = b.handlePollAnswer
	r.Command("review", b.handleReview)
	r.Command("verify", b.handleVerify)
	r.Command("me", b.handleMe)

	// help.go
	r.Command("help", b.handleHelp)

	b.sectionsRoutes(r)
	b.eventsRoutes(r)
	b.consultRoutes(r)
	b.opsRoutes(r)
	return r
}
