package main

import (
	"fmt"
	"io"
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

// lessonsCheck is `tavanbot lessons check [DIR]`: the summary table, or every problem with file and line.
func lessonsCheck(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "check" || len(args) > 2 {
		return usageError{"usage: tavanbot lessons check [DIR]"}
	}
	fsys := lessons.Embedded()
	name := "embedded content"
	if len(args) == 2 {
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
	return nil
}
