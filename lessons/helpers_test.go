package lessons

import (
	"flag"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dirFS copies a folder into a MapFS so tests can change it.
func dirFS(tb testing.TB, dir string) fstest.MapFS {
	tb.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(os.DirFS(dir), p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// brokenFS is testdata/good with testdata/broken/<name> laid over it: a file replaces or adds, and an empty
// "<file>.remove" removes <file>.
func brokenFS(tb testing.TB, name string) fstest.MapFS {
	tb.Helper()
	m := dirFS(tb, "testdata/good")
	for p, f := range dirFS(tb, path.Join("testdata/broken", name)) {
		if target, ok := strings.CutSuffix(p, ".remove"); ok {
			delete(m, target)
			continue
		}
		m[p] = f
	}
	return m
}

func mustLoad(tb testing.TB, fsys fs.FS) *Catalog {
	tb.Helper()
	c, err := Load(fsys)
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return c
}
