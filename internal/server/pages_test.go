package server

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every label the pages use is in the catalog in both languages, and so
// is every word the word function looks up (statuses, confidences,
// skip reasons): a missing key would print as nothing or as a code.
func TestPageLabelsInCatalog(t *testing.T) {
	label := regexp.MustCompile(`(?:\$t|\.T)\.([a-zA-Z]+)`)
	files, err := filepath.Glob(filepath.Join("templates", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatal("no templates", err)
	}
	used := map[string]bool{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range label.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	for _, st := range []Status{StatusQueued, StatusRunning, StatusDone, StatusFailed} {
		used["st_"+string(st)] = true
	}
	for _, c := range []string{"high", "medium", "low"} {
		used["conf_"+c] = true
	}
	for _, lang := range langs {
		for k := range used {
			if labels[lang][k] == "" {
				t.Errorf("%s: no label %q", lang, k)
			}
		}
	}
}
