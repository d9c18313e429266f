package collect_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/internal/collect"
)

// repoFile reads a file of the repository by its path from the module root.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// providerLine is a rule's provider condition, as a flow list or a single
// value ("provider: [disk, Ntfs]", "provider: MsiInstaller"); the inline
// values of a rule's examples ("values: {provider: …}") are not conditions.
var providerLine = regexp.MustCompile(`(?m)^[ \t]*(?:- )?provider:[ \t]*(.+?)[ \t]*$`)

// ruleProviders returns the event providers the rule files' conditions name.
func ruleProviders(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	for _, m := range providerLine.FindAllStringSubmatch(text, -1) {
		v := strings.TrimSpace(m[1])
		if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.Trim(strings.TrimSpace(p), `"'`); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestChannelsCoverTheRules(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range collect.Channels {
		for _, p := range c.Providers {
			listed[p] = true
		}
	}
	seen, reported := 0, map[string]bool{}
	for _, f := range []string{"classify/rules.yaml", "classify/failures.yaml"} {
		for _, p := range ruleProviders(t, repoFile(t, f)) {
			seen++
			if !listed[p] && !reported[p] {
				reported[p] = true
				t.Errorf("%s reads events of provider %q, which no channel of collect.Channels lists: add it to the channel it writes to", f, p)
			}
		}
	}
	// The stock rules read events of several providers; finding none means
	// the rule files changed shape and this test no longer reads them.
	if seen < 5 {
		t.Fatalf("found only %d provider conditions in the rule files: has their syntax changed?", seen)
	}
}

func TestRuleProvidersParsing(t *testing.T) {
	got := ruleProviders(t, "  match:\n    provider: [disk, Ntfs, \"Microsoft-Windows-Ntfs\"]\n"+
		"    provider: MsiInstaller # one\n"+
		"      - {signal: evtx.event, values: {provider: Ignored, event_id: \"7\"}}\n")
	want := []string{"disk", "Ntfs", "Microsoft-Windows-Ntfs", "MsiInstaller"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestChannelsAreConsistent(t *testing.T) {
	names, files := map[string]bool{}, map[string]bool{}
	for _, c := range collect.Channels {
		if names[c.Name] || files[strings.ToLower(c.File)] {
			t.Errorf("channel %q or file %q listed twice", c.Name, c.File)
		}
		names[c.Name], files[strings.ToLower(c.File)] = true, true
		// wevtutil epl and the Event Log service name a channel's file
		// after the channel, "/" written as "%4".
		if want := "Windows/System32/winevt/Logs/" + strings.ReplaceAll(c.Name, "/", "%4") + ".evtx"; c.File != want {
			t.Errorf("channel %q: file %q, want %q", c.Name, c.File, want)
		}
		if len(c.Providers) == 0 {
			t.Errorf("channel %q lists no provider: the analyzer would not need it", c.Name)
		}
		if got, ok := collect.ChannelByFile(strings.ToUpper(c.File)); !ok || got.Name != c.Name {
			t.Errorf("ChannelByFile(%q) = %q, %v", c.File, got.Name, ok)
		}
		if got, ok := collect.ChannelByName(c.Name); !ok || got.File != c.File {
			t.Errorf("ChannelByName(%q) = %q, %v", c.Name, got.File, ok)
		}
		if !collect.Match(c.File) {
			t.Errorf("the selection does not take %s", c.File)
		}
	}
	if _, ok := collect.ChannelByName("Security"); ok {
		t.Error("ChannelByName found Security, which is not listed")
	}
}

// eplLine is the PowerShell line of the documentation that exports the
// channels: 'System','Application',… | % { wevtutil epl $_ … }.
var eplLine = regexp.MustCompile(`((?:'[^']+'\s*,\s*)*'[^']+')\s*\|\s*%\s*\{\s*wevtutil epl`)

// TestDocsExportTheChannels checks that the PowerShell line given in the
// documentation for machines without wudiag.exe exports exactly
// collect.Channels.
func TestDocsExportTheChannels(t *testing.T) {
	var want []string
	for _, c := range collect.Channels {
		want = append(want, c.Name)
	}
	slices.Sort(want)
	for _, f := range []string{"README.md", "docs/support-desk.md", "docs/support-desk.ja.md"} {
		text := repoFile(t, f)
		if strings.HasPrefix(f, "docs/") {
			// The walkthroughs also list each channel's providers.
			for _, c := range collect.Channels {
				for _, p := range c.Providers {
					if !strings.Contains(text, p) {
						t.Errorf("%s does not name provider %s of channel %s", f, p, c.Name)
					}
				}
			}
		}
		ms := eplLine.FindAllStringSubmatch(text, -1)
		if len(ms) == 0 {
			t.Errorf("%s: no PowerShell line exporting the channels ('System',… | %% { wevtutil epl …)", f)
		}
		for _, m := range ms {
			var got []string
			for _, q := range regexp.MustCompile(`'([^']+)'`).FindAllStringSubmatch(m[1], -1) {
				got = append(got, q[1])
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: the PowerShell line exports %q; collect.Channels lists %q", f, got, want)
			}
		}
	}
}
