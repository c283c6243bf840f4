package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/tavan7/tavan/lessons"
)

// contentLoader returns the function that loads the served content: the embedded courses, extended or
// replaced by id from an external folder (TAVAN_CONTENT) so staff publish without recompiling.
func contentLoader(dir string) func() (*lessons.Catalog, error) {
	return func() (*lessons.Catalog, error) {
		base, err := lessons.Load(lessons.Embedded())
		if err != nil {
			return nil, fmt.Errorf("embedded content: %w", err)
		}
		if dir == "" {
			return base, nil
		}
		overlay, err := lessons.Load(os.DirFS(dir))
		if err != nil {
			return nil, fmt.Errorf("content folder %s:\n%w", dir, err)
		}
		return lessons.Merge(base, overlay), nil
	}
}

// lessonsCheck is `tavanbot lessons check [DIR]`: the summary table and the writing-rule findings, or every
// problem with file and line. Findings fail the check for the embedded content (it ships in the binary, so
// CI holds it to the rules) and are warnings for an external folder, which the bot serves anyway.
func lessonsCheck(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "check" || len(args) > 2 {
		return usageError{"usage: tavanbot lessons check [DIR]"}
	}
	fsys := lessons.Embedded()
	name := "embedded content"
	external := len(args) == 2
	if external {
		info, err := os.Stat(args[1])
		if err != nil || !info.IsDir() {
			return usageError{fmt.Sprintf("lessons check: %s is not a folder", args[1])}
		}
		fsys, name = os.DirFS(args[1]), args[1]
	}
	cat, err := lessons.Load(fsys)
	if err != nil {
		fmt.Fprintf(stdout, "%s has problems:\n%v\n", name, err)
		return fmt.Errorf("%s: content has problems", name)
	}
	cat.WriteSummary(stdout)
	findings := lessons.Lint(cat).Findings
	if len(findings) == 0 {
		return nil
	}
	if external {
		fmt.Fprintf(stdout, "\n%d warning(s): the writing rules of lessons/README.md (the bot serves the folder anyway):\n%v\n", len(findings), findings)
		return nil
	}
	fmt.Fprintf(stdout, "\n%d finding(s) against the writing rules of lessons/README.md:\n%v\n", len(findings), findings)
	return fmt.Errorf("%s: %d writing-rule finding(s)", name, len(findings))
}

// warnWritingRules logs the external folder's writing-rule findings: it is served anyway, and staff see
// what to fix (admins also get them in /reload's answer).
func warnWritingRules(logger *slog.Logger, cat *lessons.Catalog) {
	if o := cat.Overlay(); o != nil {
		if findings := lessons.Lint(o).Findings; len(findings) > 0 {
			logger.Warn("content folder: writing-rule warnings (served anyway; see tavanbot lessons check DIR)", "count", len(findings), "findings", findings.Error())
		}
	}
}
