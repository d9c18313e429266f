package classify

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/wudiag/wudiag/codes"
)

// TestEveryRuleHasPassingExamples runs each stock rule on the positive
// and negative examples written beside it in rules.yaml.
func TestEveryRuleHasPassingExamples(t *testing.T) {
	rules := StockRules()
	require.NotEmpty(t, rules)
	causes := map[string]int{}
	for _, r := range rules {
		t.Run(r.ID, func(t *testing.T) {
			assert.NotEmpty(t, r.Name)
			require.NotEmpty(t, r.Tests.Positive, "rule needs a positive example")
			require.NotEmpty(t, r.Tests.Negative, "rule needs a negative example")
			for _, x := range r.Tests.Positive {
				e, err := x.Evidence()
				require.NoError(t, err)
				ok, why := r.matches(&e)
				assert.True(t, ok, "should match %q (failed on %s)", x.Text, why)
			}
			for _, x := range r.Tests.Negative {
				e, err := x.Evidence()
				require.NoError(t, err)
				ok, _ := r.matches(&e)
				assert.False(t, ok, "should not match %q", x.Text)
			}
		})
		if r.Weight > 0 {
			causes[r.Cause]++
		}
	}
	for _, c := range Causes() {
		assert.Positive(t, causes[c], "no positive rule for %s", c)
	}
}

func TestRuleReferencesExist(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range StockRules() {
		ids[r.ID] = true
	}
	for _, r := range StockRules() {
		for _, list := range [][]string{r.Requires, r.Excludes, r.Suppress} {
			for _, id := range list {
				assert.True(t, ids[id], "%s names unknown rule %s", r.ID, id)
			}
		}
	}
}

func TestParseRulesErrors(t *testing.T) {
	for name, in := range map[string]string{
		"unknown cause": "- {id: x, name: x, cause: gremlins, weight: 0.5}",
		"bad weight":    "- {id: x, name: x, cause: disk_storage, weight: 3}",
		"bad code":      "- {id: x, name: x, cause: disk_storage, weight: 0.5, match: {codes: [NOT_A_CODE]}}",
		"bad regex":     "- {id: x, name: x, cause: disk_storage, weight: 0.5, match: {regex: '('}}",
		"unknown key":   "- {id: x, name: x, cause: disk_storage, weight: 0.5, colour: red}",
		"duplicate id":  "- {id: x, name: x, cause: disk_storage, weight: 0.5}\n- {id: x, name: y, cause: disk_storage, weight: 0.5}",
		"missing id":    "- {name: x, cause: disk_storage, weight: 0.5}",
		"signal typo":   "- {id: x, name: x, cause: disk_storage, weight: 0.5, match: {signal: [cbs.entyr]}}",
		"kind typo":     "- {id: x, name: x, cause: disk_storage, weight: 0.5, match: {kind: [windowsupdat]}}",
		"family typo":   "- {id: x, name: x, cause: disk_storage, weight: 0.5, family: [wirne]}",
		"field typo":    "- {id: x, name: x, cause: disk_storage, weight: 0.5, match: {txt: [a]}}",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRules(strings.NewReader(in))
			assert.ErrorIs(t, err, ErrRule)
		})
	}
}

func TestMergeRulesOverridesByID(t *testing.T) {
	extra, err := ParseRules(strings.NewReader(`
- id: disk-full
  name: my stricter disk-full rule
  cause: disk_storage
  weight: 0.2
  match: {codes: [ERROR_DISK_FULL]}
- id: my-new-rule
  name: something local
  cause: av_conflict
  weight: 0.5
  match: {text: ["AcmeShield"]}
`))
	require.NoError(t, err)
	merged := MergeRules(StockRules(), extra)
	assert.Len(t, merged, len(StockRules())+1)
	for _, r := range merged {
		if r.ID == "disk-full" {
			assert.Equal(t, 0.2, r.Weight)
		}
	}
}

func TestFieldOperators(t *testing.T) {
	rules, err := ParseRules(strings.NewReader(`
- id: ops
  name: ops
  cause: disk_storage
  weight: 0.5
  match:
    fields: {n: ">10", s: "~^ab", t: "!no", u: "*"}
`))
	require.NoError(t, err)
	r := rules[0]
	withValues := func(vals map[string]string) *Evidence {
		e, err := Example{Values: vals}.Evidence()
		require.NoError(t, err)
		return &e
	}
	ok, _ := r.matches(withValues(map[string]string{"n": "11", "s": "abc", "t": "yes", "u": "x"}))
	assert.True(t, ok)
	for _, vals := range []map[string]string{
		{"n": "10", "s": "abc", "t": "yes", "u": "x"},
		{"n": "11", "s": "cab", "t": "yes", "u": "x"},
		{"n": "11", "s": "abc", "t": "NO", "u": "x"},
		{"n": "11", "s": "abc", "t": "yes"},
	} {
		ok, _ := r.matches(withValues(vals))
		assert.False(t, ok, "%v", vals)
	}
}

// A rule is cancelled only by an excluded rule that is itself in force:
// one whose own requirement failed does not cancel anything.
func TestRequiresAndExcludes(t *testing.T) {
	rules, err := ParseRules(strings.NewReader(`
- {id: a, name: a, cause: disk_storage, weight: 0.5, match: {text: [alpha]}}
- {id: b, name: b, cause: disk_storage, weight: 0.5, match: {text: [beta]}, requires: [c]}
- {id: c, name: c, cause: disk_storage, weight: 0.5, match: {text: [gamma]}}
- {id: d, name: d, cause: av_conflict, weight: 0.5, match: {text: [alpha]}, excludes: [b]}
- {id: e, name: e, cause: av_conflict, weight: 0.5, match: {text: [alpha]}, excludes: [a]}
`))
	require.NoError(t, err)
	ev := []Evidence{{Text: "alpha"}, {Text: "beta"}}
	_, traces := rank(rules, ev, nil)
	why := map[string]string{}
	for _, tr := range traces {
		why[tr.Rule.ID] = tr.Why
	}
	assert.Equal(t, "matched", why["a"])
	assert.Equal(t, "requires c, which did not match", why["b"])
	assert.Equal(t, "matched", why["d"], "b is not in force, so it cancels nothing")
	assert.Equal(t, "cancelled: a matched", why["e"])
}

// rawLine makes an example's text a raw log line of its kind, so it runs
// through the real format detection, reader and extractor: a CBS entry
// written without its prefix gets one; other lines are taken as they are.
func rawLine(x Example) (name, text string) {
	t := x.Text
	switch x.Signal {
	case "cbs.entry":
		if len(t) < 4 || t[:2] != "20" {
			level := "Info   "
			if strings.Contains(t, "(F)") || strings.HasPrefix(t, "Failed") {
				level = "Error  "
			}
			t = "2024-01-09 03:21:20, " + level + "               CBS    " + t
		}
		return "CBS.log", t + "\r\n"
	}
	name = "excerpt.log"
	switch x.Kind {
	case "burn":
		name = "Setup_20240101.log"
	case "setupact":
		name = "setupact.log"
	case "reagent":
		name = "ReAgent.log"
	case "mpcmdrun":
		name = "MpCmdRun.log"
	case "mpsigstub":
		name = "MpSigStub.log"
	case "msi":
		name = "MSI1a2b.LOG"
	case "chkdsk":
		name = "chkdsk.txt"
	case "fltmc":
		name = "fltmc.txt"
	}
	return name, t + "\r\n"
}

// TestRuleExamplesThroughReaders runs every text example of every stock
// rule (CBS entries and text-log records written without extracted
// values) as a raw log line through the real readers and extractors, so
// an extractor that drops or reshapes the line a rule needs is caught.
func TestRuleExamplesThroughReaders(t *testing.T) {
	for _, r := range StockRules() {
		for _, x := range r.Tests.Positive {
			if x.Signal != "cbs.entry" && x.Signal != "textlog.record" || len(x.Values) > 0 {
				continue
			}
			name, text := rawLine(x)
			ok := false
			for _, e := range evidenceOf(t, name, text) {
				if m, _ := r.matches(&e); m {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s: positive example not matched after the reader: %q", r.ID, text)
			}
		}
		for _, x := range r.Tests.Negative {
			if x.Signal != "cbs.entry" && x.Signal != "textlog.record" || len(x.Values) > 0 {
				continue
			}
			name, text := rawLine(x)
			for _, e := range evidenceOf(t, name, text) {
				if m, _ := r.matches(&e); m {
					t.Errorf("%s: negative example matched after the reader: %q", r.ID, text)
				}
			}
		}
	}
}

func TestRuleMistakesNameTheLine(t *testing.T) {
	in := "- id: good\n  name: fine\n  cause: disk_storage\n  weight: 0.5\n" +
		"- id: bad\n  name: typo\n  cause: disk_storage\n  weight: 0.5\n  match:\n    signal: [cbs.entyr]\n"
	_, err := ParseRules(strings.NewReader(in))
	require.ErrorIs(t, err, ErrRule)
	assert.Contains(t, err.Error(), "line 5")
	assert.Contains(t, err.Error(), "cbs.entyr")

	_, err = ParseRules(strings.NewReader("- id: x\n  name: x\n  cause: disk_storage\n  weight: 0.5\n  wieght: 1\n"))
	require.ErrorIs(t, err, ErrRule)
	assert.Contains(t, err.Error(), "line 5", "an unknown field is refused with its line")

	rules, err := ParseRules(strings.NewReader("- {id: x, name: x, cause: disk_storage, weight: 0.5, requires: [no-such-rule]}"))
	require.NoError(t, err)
	err = CheckRules(MergeRules(StockRules(), rules))
	require.ErrorIs(t, err, ErrRule)
	assert.Contains(t, err.Error(), "no-such-rule")
	_, err = Analyze(context.Background(), nil, &Options{Rules: MergeRules(StockRules(), rules)})
	assert.ErrorIs(t, err, ErrRule, "Analyze refuses a rule set with a dangling reference")
}

func TestFamilies(t *testing.T) {
	for _, tt := range []struct{ kb, title, want string }{
		{"KB5034441", "", "winre"},
		{"", "2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)", "winre"},
		{"", "winreupdateinstaller_2401b_amd64.exe", "winre"},
		{"", "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.403.1.0)", "defender"},
		{"", "2024-02 Cumulative Update for .NET Framework 3.5, 4.8 and 4.8.1", "msi"},
		{"", "Intel - Network adapter driver update", ""},
		{"", "2024-01 Cumulative Update for Windows 11 Version 23H2 (KB5034123)", "lcu"},
		{"", "2023-05 Servicing Stack Update for Windows Server 2016 (KB5023788)", "ssu"},
		{"", "2024-01 x64 ベース システム用 Windows 11 Version 23H2 の累積更新プログラム (KB5034123)", "lcu"},
	} {
		if got := family(tt.kb, tt.title); string(got) != tt.want {
			t.Errorf("family(%q, %q) = %q, want %q", tt.kb, tt.title, got, tt.want)
		}
	}
}

// TestKBOf checks that a KB named in the text wins, and that a log naming
// only the downloaded payload gets the KB that ships it, matched at the
// start of a file name only.
func TestKBOf(t *testing.T) {
	for _, tt := range []struct {
		texts []string
		want  string
	}{
		{[]string{"Windows failed to download from http://au.download.windowsupdate.com/c/msdownload/update/software/secu/2024/01/winreupdateinstaller_2401b_amd64_0123.exe"}, "KB5034441"},
		{[]string{`C:\Windows\SoftwareDistribution\Download\x\WinREUpdateInstaller_2401B_arm64.exe`}, "KB5034441"},
		{[]string{"Download of mpam-fe.exe failed with 0x80072ee2"}, "KB2267602"},
		{[]string{"http://definitionupdates.microsoft.com/download/DefinitionUpdates/am_delta_patch_1.403.3250.0_1.403.3163.0.exe"}, "KB2267602"},
		{[]string{"updateplatform.amd64fre.exe: 0x80070643"}, "KB4052623"},
		{[]string{"windows10.0-kb5034441-x64_9f6e.cab failed", "mpam-fe.exe"}, "KB5034441"},
		{[]string{"notwinreupdateinstaller_2401.exe", "xam_delta.exe"}, ""},
		{[]string{"winreupdateinstaller_2504_amd64.exe"}, ""}, // a release families.yaml does not map
	} {
		if got := kbOf(tt.texts...); got != tt.want {
			t.Errorf("kbOf(%q) = %q, want %q", tt.texts, got, tt.want)
		}
	}
	_, err := parseFamilies([]byte("- family: winre\n  payloads: {WinRE_2401: KB5034441}\n"))
	assert.ErrorIs(t, err, ErrRule, "an upper-case payload prefix would never match")
	_, err = parseFamilies([]byte("- family: winre\n  payloads: {winre_2401: 5034441}\n"))
	assert.ErrorIs(t, err, ErrRule, "a payload maps to a KB")
}

// Every row of codecauses.tsv names a code of the code table and known
// causes, and the well-known codes suggest what Microsoft's articles say.
func TestCodeCauses(t *testing.T) {
	rows := 0
	for _, line := range strings.Split(codeCausesTSV, "\n") {
		f := strings.Split(line, "\t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows++
		n, err := strconv.ParseUint(f[0], 16, 32)
		if len(f) != 3 || err != nil || len(f[0]) != 8 {
			t.Errorf("codecauses.tsv: bad row %q", line)
			continue
		}
		if in, ok := codes.Lookup(codes.Code(n)); !ok || in.Name != f[2] {
			t.Errorf("codecauses.tsv: %s is %q in the code table, not %q", f[0], in.Name, f[2])
		}
		for _, c := range strings.Split(f[1], ",") {
			if !isCause(c) {
				t.Errorf("codecauses.tsv: %s: unknown cause %q", f[0], c)
			}
		}
	}
	if rows < 50 {
		t.Errorf("codecauses.tsv has %d rows", rows)
	}
	for c, want := range map[codes.Code]string{
		0x80070643: "", 0x800f081f: "component_corruption", 0x800f0823: "servicing_stack",
		0x80073712: "component_corruption", 0x80501005: "defender_platform", 0xD015001A: "component_corruption",
	} {
		if got := strings.Join(CodeCauses(c), ","); !strings.HasPrefix(got, want) || want == "" && got != "" {
			t.Errorf("CodeCauses(%v) = %q, want %q first", c, got, want)
		}
	}
	cs := CodeCauses(0x800f081f)
	cs[0] = "x"
	if CodeCauses(0x800f081f)[0] != "component_corruption" {
		t.Error("CodeCauses shares its slice with the table")
	}
}

// A rule naming an NTSTATUS matches its HRESULT_FROM_NT form, as CSI
// logs it in [gle=0xd…]; other codes match only themselves.
func TestCodeSpecNTForm(t *testing.T) {
	for _, tt := range []struct {
		spec string
		code codes.Code
		want bool
	}{
		{"STATUS_ACCESS_DENIED", 0xC0000022, true},
		{"STATUS_ACCESS_DENIED", 0xD0000022, true},
		{"STATUS_ACCESS_DENIED", 0x80070005, false},
		{"E_ACCESSDENIED", 0x80070005, true},
		{"E_ACCESSDENIED", 0x90070005, false},
		{"0x8024402x", 0x8024402C, true},
	} {
		s, err := parseCodeSpec(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.in(&Evidence{Codes: []codes.Code{tt.code}}); got != tt.want {
			t.Errorf("%s on %v: %v, want %v", tt.spec, tt.code, got, tt.want)
		}
	}
}
