package lessons

import (
	"embed"
	"io/fs"
)

// content is the lessons/content folder, compiled into the binary. "all:" keeps files whose names start with
// "." or "_"; the loader ignores them, and the *.how.md notes beside media files are harmless.
//
//go:embed all:content
var content embed.FS

// Embedded is the content compiled into the binary, rooted at the content folder (courses/, library/, …).
func Embedded() fs.FS {
	sub, err := fs.Sub(content, "content")
	if err != nil {
		panic(err) // "content" is a valid path: fs.Sub cannot fail
	}
	return sub
}
