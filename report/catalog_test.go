package report

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
)

// TestCatalog checks messages.tsv: every text in both languages with the
// same placeholders, and a text for everything classify can return.
func TestCatalog(t *testing.T) {
	if _, err := parseCatalog(messagesTSV); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys() {
		en, ja := catalog[k][0], catalog[k][1]
		if !slices.Equal(placeholders(en), placeholders(ja)) {
			t.Errorf("%s: English placeholders %v, Japanese %v", k, placeholders(en), placeholders(ja))
		}
		if strings.Contains(en, "%") && !strings.Contains(en, "%Program") {
			t.Errorf("%s: a printf verb in %q (placeholders are {name})", k, en)
		}
	}
	need := []string{"check.other", "confidence." + string(classify.High), "confidence." + string(classify.Medium),
		"confidence." + string(classify.Low)}
	steps := map[string]bool{}
	for _, c := range classify.Causes() {
		need = append(need, "cause."+c, "check."+c)
		if len(classify.Steps(c)) == 0 {
			t.Errorf("cause %s has no remedy steps", c)
		}
		for _, id := range classify.Steps(c) {
			need = append(need, "remedy."+id)
			steps["remedy."+id] = true
		}
	}
	for _, r := range classify.Reasons() {
		need = append(need, "skip."+string(r))
	}
	for _, f := range []classify.Family{classify.FamilyWinRE, classify.FamilyDefender, classify.FamilyMSI, classify.FamilyLCU, classify.FamilySSU} {
		need = append(need, "family."+string(f))
	}
	for _, k := range need {
		if _, ok := catalog[k]; !ok {
			t.Errorf("the catalog has no %s", k)
		}
	}
	for _, k := range keys() {
		if strings.HasPrefix(k, "remedy.") && !steps[k] {
			t.Errorf("%s is no step of classify.Steps", k)
		}
	}
}

func TestParseCatalogRefuses(t *testing.T) {
	for _, bad := range []string{"key\tonly English\n", "a\tx\ty\na\tx\ty\n", "\tx\ty\n", "a\t\ty\n"} {
		if _, err := parseCatalog(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	m, err := parseCatalog("# comment\n\nk\t, leading\t、先頭\n")
	if err != nil || m["k"] != [2]string{", leading", "、先頭"} {
		t.Errorf("got %v, %v", m, err)
	}
}

func TestFill(t *testing.T) {
	for _, tt := range []struct {
		s    string
		vals map[string]string
		want string
	}{
		{"retry {kb|the update}.", nil, "retry the update."},
		{"retry {kb|the update}.", map[string]string{"kb": "KB5034441"}, "retry KB5034441."},
		{"partition{(free)}: at least", map[string]string{"free": "120 MB"}, "partition (120 MB): at least"},
		{"partition{(free)}: at least", nil, "partition: at least"},
		{"no placeholder", map[string]string{"kb": "x"}, "no placeholder"},
		{"unclosed {kb", map[string]string{"kb": "x"}, "unclosed {kb"},
	} {
		if got := fill(tt.s, tt.vals); got != tt.want {
			t.Errorf("fill(%q, %v) = %q, want %q", tt.s, tt.vals, got, tt.want)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]language.Tag{"ja": language.Japanese, "ja_JP.UTF-8": language.Japanese, "en-US": language.English,
		"": language.English, "C": language.English, "fr": language.English, "xx-!!": language.English} {
		if got := ParseLanguage(in); got != want {
			t.Errorf("ParseLanguage(%q) = %v, want %v", in, got, want)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "ja_JP.UTF-8")
	if got := LanguageFromEnv(); got != language.Japanese {
		t.Errorf("LanguageFromEnv with LC_MESSAGES=ja_JP.UTF-8 = %v", got)
	}
}

// Reasons name update families in the report language, not by their IDs.
func TestReasonFamilyWorded(t *testing.T) {
	for fam, want := range map[classify.Family][2]string{
		classify.FamilyWinRE: {"is a WinRE update", "WinRE (回復環境) の更新"},
		classify.FamilyMSI:   {"is a Windows Installer (MSI) package", "Windows インストーラー (MSI) のパッケージ"},
		classify.FamilyLCU:   {"is a cumulative update", "累積更新プログラム"},
	} {
		f := &classify.Finding{Grounds: classify.Grounds{Rules: 2, Family: fam}}
		en, ja := Reason(f, language.English), Reason(f, language.Japanese)
		if !strings.Contains(en, want[0]) || !strings.Contains(ja, want[1]) || strings.Contains(ja, string(fam)) {
			t.Errorf("family %s: en %q, ja %q", fam, en, ja)
		}
	}
}

// Every Reason is worded in both languages.
func TestSkipReason(t *testing.T) {
	for _, r := range classify.Reasons() {
		en, ja := SkipReason(r, language.English), SkipReason(r, language.Japanese)
		if en == string(r) || ja == string(r) || en == ja {
			t.Errorf("reason %q: en %q, ja %q", r, en, ja)
		}
	}
	if SkipReason("", language.English) != "" || SkipReason("new_reason", language.Japanese) != "new_reason" {
		t.Error("the zero Reason is not empty, or an unknown one not its code")
	}
}

// A remedy step's values fill its text; a step without them reads in
// general terms.
func TestRemedyFilled(t *testing.T) {
	f := &classify.Finding{Cause: classify.CauseRecoveryPartition, Remedy: []classify.Step{
		{ID: "recovery_partition.free_space", Values: map[string]string{"free": "120 MB"}},
		{ID: "recovery_partition.enlarge"},
		{ID: "recovery_partition.no_such_step"},
	}}
	got := Remedy(f, language.English)
	if len(got) != 2 || !strings.Contains(got[0], "recovery partition (120 MB):") || !strings.Contains(got[1], "retry the update") {
		t.Errorf("got %q", got)
	}
	ja := Remedy(f, language.Japanese)
	if len(ja) != 2 || !strings.Contains(ja[1], "更新プログラム を再試行") {
		t.Errorf("got %q", ja)
	}
}
