// Package archtest keeps the house's shape: the core (package bot) names no feature, no feature imports
// another, and the engines and libraries import neither. It reads the import graph with `go list`.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tavan7/tavan"

// notFeatures are the packages under bot/ that are not features: the core, the composition root and the
// engines and libraries.
var notFeatures = []string{
	"bot", "bot/app", "bot/app/apptest", "bot/store", "bot/outbox", "bot/tgsim", "bot/tgsim/spec/gen",
	"bot/sandbox", "bot/persian", "bot/tghtml", "bot/metrics",
}

// libraries import neither the core nor a feature.
var libraries = []string{"bot/store", "bot/outbox", "bot/persian", "bot/tghtml", "bot/metrics", "lessons", "locales"}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")] = p
	}
	return pkgs
}

// features are the packages directly under bot/ that are not the core's engines.
func features(pkgs map[string]pkg) []string {
	var out []string
	for path := range pkgs {
		rest, ok := strings.CutPrefix(path, "bot/")
		if ok && !strings.Contains(rest, "/") && !slices.Contains(notFeatures, path) {
			out = append(out, path)
		}
	}
	slices.Sort(out)
	return out
}

func local(imports []string) []string {
	var out []string
	for _, imp := range imports {
		if rest, ok := strings.CutPrefix(imp, module+"/"); ok {
			out = append(out, rest)
		}
	}
	return out
}

func TestImportRule(t *testing.T) {
	pkgs := listPackages(t)
	feats := features(pkgs)
	if len(feats) < 6 {
		t.Fatalf("found features %v; want account, consult, events, learning, library, ops at least", feats)
	}
	for _, imp := range local(pkgs["bot"].Imports) {
		if slices.Contains(feats, imp) || strings.HasPrefix(imp, "bot/app") {
			t.Errorf("the core (bot) imports %s: the core must name no feature", imp)
		}
	}
	for _, f := range feats {
		p := pkgs[f]
		for _, imp := range local(slices.Concat(p.Imports, p.TestImports, p.XTestImports)) {
			if slices.Contains(feats, imp) && imp != f {
				t.Errorf("feature %s imports feature %s: share through the core's hooks, lessons or store", f, imp)
			}
		}
		for _, imp := range local(p.Imports) {
			if strings.HasPrefix(imp, "bot/app") || imp == "bot/sandbox" || strings.HasPrefix(imp, "bot/tgsim") {
				t.Errorf("feature %s imports %s: features import the core, store, lessons and libraries only", f, imp)
			}
		}
	}
	for _, lib := range libraries {
		for _, imp := range local(pkgs[lib].Imports) {
			if imp == "bot" || slices.Contains(feats, imp) || strings.HasPrefix(imp, "bot/app") {
				t.Errorf("%s imports %s: engines and libraries know neither the core nor the features", lib, imp)
			}
		}
	}
}
