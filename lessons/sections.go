package lessons

import (
	"path"
	"strings"
)

type libraryFile struct {
	Items []struct {
		ID            string   `toml:"id"`
		Kind          string   `toml:"kind"`
		Title         string   `toml:"title"`
		OriginalTitle string   `toml:"original_title"`
		Author        string   `toml:"author"`
		Year          int      `toml:"year"`
		Summary       string   `toml:"summary"`
		Why           string   `toml:"why"`
		Link          string   `toml:"link"`
		File          string   `toml:"file"`
		Tags          []string `toml:"tags"`
		EN            *struct {
			Title   string `toml:"title"`
			Author  string `toml:"author"`
			Summary string `toml:"summary"`
			Why     string `toml:"why"`
		} `toml:"en"`
	} `toml:"item"`
}

func (l *loader) loadLibrary() {
	const file = "library/library.toml"
	data, ok := l.readOptional(file)
	if !ok {
		return
	}
	var lf libraryFile
	doc := decodeTOML(&l.reporter, file, string(data), 0, &lf)
	if doc == nil {
		return
	}
	for i, f := range lf.Items {
		at := func(key ...any) []any { return append([]any{"item", i}, key...) }
		it := &LibraryItem{
			ID: f.ID, Kind: f.Kind, OriginalTitle: f.OriginalTitle, Year: f.Year, Link: f.Link, Tags: f.Tags,
			Title: Text{FA: f.Title}, Author: Text{FA: f.Author}, Summary: Text{FA: f.Summary}, Why: Text{FA: f.Why},
		}
		good := l.claimID(f.ID, file, doc.line(at("id")...), maxID)
		l.checkOneOf(doc, f.Kind, "kind", itemKinds, at("kind")...)
		l.checkText(doc, f.Title, "title (Persian)", true, maxTitle, at("title")...)
		l.checkText(doc, f.Author, "author", true, 300, at("author")...)
		l.checkText(doc, f.Summary, "summary", true, maxSummary, at("summary")...)
		l.checkText(doc, f.Why, "why", true, maxWhy, at("why")...)
		if f.Year != 0 && (f.Year < 1000 || f.Year > 2100) {
			l.addf(file, doc.line(at("year")...), "year %d is not a plausible publication year", f.Year)
		}
		if f.Link != "" {
			l.checkURL(doc, f.Link, "link", at("link")...)
		}
		if f.File != "" {
			it.File = l.fileMedia(doc, doc.line(at("file")...), "document", "library", f.File, "file")
		}
		l.checkTags(doc, f.Tags, at("tags")...)
		if f.EN != nil {
			l.checkText(doc, f.EN.Title, "[item.en] title", true, maxTitle, at("en", "title")...)
			l.checkText(doc, f.EN.Summary, "[item.en] summary", false, maxSummary, at("en", "summary")...)
			l.checkText(doc, f.EN.Why, "[item.en] why", false, maxWhy, at("en", "why")...)
			it.Title.EN, it.Author.EN, it.Summary.EN, it.Why.EN = f.EN.Title, f.EN.Author, f.EN.Summary, f.EN.Why
		}
		if good {
			l.cat.Library = append(l.cat.Library, it)
		}
	}
}

type resourcesFile struct {
	Resources []struct {
		ID          string   `toml:"id"`
		Title       string   `toml:"title"`
		Description string   `toml:"description"`
		File        string   `toml:"file"`
		Tags        []string `toml:"tags"`
		EN          *struct {
			Title       string `toml:"title"`
			Description string `toml:"description"`
		} `toml:"en"`
	} `toml:"resource"`
}

func (l *loader) loadResources() {
	const file = "resources/resources.toml"
	data, ok := l.readOptional(file)
	if !ok {
		return
	}
	var rf resourcesFile
	doc := decodeTOML(&l.reporter, file, string(data), 0, &rf)
	if doc == nil {
		return
	}
	for i, f := range rf.Resources {
		at := func(key ...any) []any { return append([]any{"resource", i}, key...) }
		r := &Resource{ID: f.ID, Title: Text{FA: f.Title}, Description: Text{FA: f.Description}, Tags: f.Tags}
		good := l.claimID(f.ID, file, doc.line(at("id")...), maxID)
		l.checkText(doc, f.Title, "title (Persian)", true, maxTitle, at("title")...)
		l.checkText(doc, f.Description, "description", true, maxResourceDesc, at("description")...)
		if f.File == "" {
			l.add(file, doc.line(at()...), "file is required (a document in resources/)")
		} else {
			r.File = l.fileMedia(doc, doc.line(at("file")...), "document", "resources", f.File, "file")
		}
		l.checkTags(doc, f.Tags, at("tags")...)
		if f.EN != nil {
			l.checkText(doc, f.EN.Title, "[resource.en] title", true, maxTitle, at("en", "title")...)
			l.checkText(doc, f.EN.Description, "[resource.en] description", false, maxResourceDesc, at("en", "description")...)
			r.Title.EN, r.Description.EN = f.EN.Title, f.EN.Description
		}
		if good {
			l.cat.Resources = append(l.cat.Resources, r)
		}
	}
}

type centresFile struct {
	Sample  *bool `toml:"sample"`
	Centres []struct {
		ID       string   `toml:"id"`
		Name     string   `toml:"name"`
		Kind     string   `toml:"kind"`
		Services []string `toml:"services"`
		Address  string   `toml:"address"`
		Lat      *float64 `toml:"lat"`
		Lon      *float64 `toml:"lon"`
		Phone    string   `toml:"phone"`
		Website  string   `toml:"website"`
		Hours    string   `toml:"hours"`
		EN       *struct {
			Name     string   `toml:"name"`
			Services []string `toml:"services"`
			Address  string   `toml:"address"`
			Hours    string   `toml:"hours"`
		} `toml:"en"`
	} `toml:"centre"`
}

func (l *loader) loadCentres() {
	const file = "centres/centres.toml"
	data, ok := l.readOptional(file)
	if !ok {
		return
	}
	var cf centresFile
	doc := decodeTOML(&l.reporter, file, string(data), 0, &cf)
	if doc == nil {
		return
	}
	l.cat.hasCentres = true
	if cf.Sample == nil {
		l.add(file, 1, "sample = true or false is required at the top: are these real centres or examples?")
	} else {
		l.cat.CentresAreSample = *cf.Sample
	}
	for i, f := range cf.Centres {
		at := func(key ...any) []any { return append([]any{"centre", i}, key...) }
		c := &Centre{
			ID: f.ID, Kind: f.Kind, Phone: f.Phone, Website: f.Website,
			Name: Text{FA: f.Name}, Address: Text{FA: f.Address}, Hours: Text{FA: f.Hours},
		}
		good := l.claimID(f.ID, file, doc.line(at("id")...), maxID)
		l.checkText(doc, f.Name, "name (Persian)", true, maxTitle, at("name")...)
		l.checkOneOf(doc, f.Kind, "kind", centreKinds, at("kind")...)
		l.checkText(doc, f.Address, "address", true, 300, at("address")...)
		l.checkText(doc, f.Hours, "hours", false, 200, at("hours")...)
		for _, s := range f.Services {
			l.checkText(doc, s, "service", true, maxTitle, at("services")...)
			c.Services = append(c.Services, Text{FA: s})
		}
		switch {
		case f.Lat == nil || f.Lon == nil:
			l.add(file, doc.line(at()...), "lat and lon are required (decimal degrees, e.g. lat = 32.6539, lon = 51.6660)")
		default:
			if *f.Lat < -90 || *f.Lat > 90 {
				l.addf(file, doc.line(at("lat")...), "lat %v is outside -90..90", *f.Lat)
			}
			if *f.Lon < -180 || *f.Lon > 180 {
				l.addf(file, doc.line(at("lon")...), "lon %v is outside -180..180", *f.Lon)
			}
			if *f.Lat == 0 && *f.Lon == 0 {
				l.add(file, doc.line(at("lat")...), "lat and lon are both 0: fill in the real position")
			}
			c.Lat, c.Lon = *f.Lat, *f.Lon
		}
		if f.Website != "" {
			l.checkURL(doc, f.Website, "website", at("website")...)
		}
		if strings.Trim(f.Phone, "+0123456789۰۱۲۳۴۵۶۷۸۹ -()") != "" {
			l.addf(file, doc.line(at("phone")...), "phone %q may contain only digits, spaces, +, - and parentheses", f.Phone)
		}
		if f.EN != nil {
			l.checkText(doc, f.EN.Name, "[centre.en] name", true, maxTitle, at("en", "name")...)
			c.Name.EN, c.Address.EN, c.Hours.EN = f.EN.Name, f.EN.Address, f.EN.Hours
			if len(f.EN.Services) > 0 && len(f.EN.Services) != len(f.Services) {
				l.addf(file, doc.line(at("en", "services")...), "[centre.en] services has %d entries; the Persian list has %d", len(f.EN.Services), len(f.Services))
			} else {
				for k := range f.EN.Services {
					c.Services[k].EN = f.EN.Services[k]
				}
			}
		}
		if good {
			l.cat.Centres = append(l.cat.Centres, c)
		}
	}
}

type storyFile struct {
	ID        string   `toml:"id"`
	Title     string   `toml:"title"`
	Field     string   `toml:"field"`
	Tags      []string `toml:"tags"`
	Photo     string   `toml:"photo"`
	Fictional *bool    `toml:"fictional"`
}

func (l *loader) loadStories() {
	entries := l.readDir("stories")
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || hidden(name) || !strings.HasSuffix(name, ".md") || strings.HasSuffix(name, ".how.md") {
			continue
		}
		file := path.Join("stories", name)
		if base, ok := strings.CutSuffix(name, ".en.md"); ok {
			if !names[base+".md"] {
				l.addf(file, 0, "translation without a Persian story %s.md", base)
			}
			continue
		}
		if numberedRE.FindStringSubmatch(strings.TrimSuffix(name, ".md")) == nil {
			l.add(file, 0, "story file name must be NN-slug.md: two digits, a hyphen, a-z/0-9 words joined by hyphens")
		}
		if s := l.loadStory(file, names[strings.TrimSuffix(name, ".md")+".en.md"]); s != nil {
			l.cat.Stories = append(l.cat.Stories, s)
		}
	}
}

func (l *loader) loadStory(file string, hasTwin bool) *Story {
	var sf storyFile
	doc, md, ok := l.readMD(file, &sf)
	if !ok {
		return nil
	}
	s := &Story{ID: sf.ID, Title: Text{FA: sf.Title}, Field: Text{FA: sf.Field}, Tags: sf.Tags, Body: Text{FA: md.body}, file: file, bodyLine: md.bodyLine}
	good := l.claimID(sf.ID, file, doc.line("id"), maxID)
	l.checkText(doc, sf.Title, "title (Persian)", true, maxTitle, "title")
	l.checkText(doc, sf.Field, "field", true, maxTitle, "field")
	l.checkTags(doc, sf.Tags, "tags")
	if sf.Fictional == nil {
		l.add(file, doc.line("fictional"), "fictional = true or false is required: is this an invented example or a real person?")
	} else {
		s.Fictional = *sf.Fictional
	}
	if sf.Photo != "" {
		s.Photo = l.fileMedia(doc, doc.line("photo"), "photo", "stories", sf.Photo, "photo")
	}
	if strings.TrimSpace(md.body) == "" {
		l.add(file, md.bodyLine, "the story has no text after the front matter")
	} else if body, ok := l.renderBody(file, md.bodyLine, md.body); ok {
		s.parts[0] = l.messageParts(file, sf.Title, body)
	}
	if hasTwin {
		l.loadStoryTwin(s, strings.TrimSuffix(file, ".md")+".en.md")
	}
	if !good {
		return nil
	}
	return s
}

func (l *loader) loadStoryTwin(s *Story, file string) {
	var en storyFile
	doc, md, ok := l.readMD(file, &en)
	if !ok {
		return
	}
	l.forbidKeys(doc, "id", "tags", "photo", "fictional")
	l.checkText(doc, en.Title, "title", true, maxTitle, "title")
	if strings.TrimSpace(md.body) == "" {
		l.add(file, md.bodyLine, "the translation has no text after the front matter")
		return
	}
	body, ok := l.renderBody(file, md.bodyLine, md.body)
	if !ok || en.Title == "" {
		return
	}
	s.Title.EN, s.Field.EN, s.Body.EN = en.Title, en.Field, md.body
	s.parts[1] = l.messageParts(file, en.Title, body)
}
