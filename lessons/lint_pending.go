package lessons

import "strings"

// pendingRewrite lists the embedded courses whose rewrite for the writing rules (issue #16) is on another
// branch: their findings do not fail the build until it is merged. THE LEAD EMPTIES THIS LIST WHEN MERGING
// the content branches (then deletes this file); nothing else should ever be added to it.
var pendingRewrite = []string{
	"courses/02-", "courses/03-", "courses/04-", "courses/05-", "courses/06-", "courses/07-",
}

// EmbeddedFindings are the findings that fail the build for the embedded content: all of them except those
// in a course still pending its rewrite.
func EmbeddedFindings(all Problems) Problems {
	var out Problems
	for _, p := range all {
		if !pendingFile(p.File) {
			out = append(out, p)
		}
	}
	return out
}

// pendingFile reports whether a content file belongs to a course still pending its rewrite.
func pendingFile(file string) bool {
	for _, prefix := range pendingRewrite {
		if strings.HasPrefix(file, prefix) {
			return true
		}
	}
	return false
}
