package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/codes"
)

// handmade is a diagnosis built by hand: a failure resolved later, one
// low finding whose evidence (the same WinREAgent record) was matched by
// three rules, an ETW trace and a damaged archive among the inputs.
func handmade() *classify.Diagnosis {
	t0 := time.Date(2024, 3, 12, 18, 4, 5, 0, time.UTC)
	ev := func() *classify.Evidence {
		return &classify.Evidence{Kind: "evtx", File: "System.evtx", Record: 943, Time: t0,
			Text: "WinREAgent 4502: Windows Recovery Environment servicing failed", Codes: []codes.Code{0x80070070}}
	}
	rule := func(id string) *classify.Rule { return &classify.Rule{ID: id, Cause: "recovery_partition"} }
	return &classify.Diagnosis{
		Machine: "PC-042", Offset: 9 * time.Hour, OffsetKnown: true,
		Failures: []*classify.Failure{{Update: "KB5034441", Code: 0x80070643, Codes: []codes.Code{0x80070643}, Stage: "install",
			Time: t0, Family: "winre", Resolved: true, Source: ev()}},
		Findings: []*classify.Finding{{Cause: "recovery_partition", Score: 0.3, Confidence: classify.Low,
			Grounds: classify.Grounds{Rules: 3, Family: classify.FamilyWinRE, Resolved: true},
			Support: []classify.Support{{Rule: rule("winre-4502"), Evidence: ev()}, {Rule: rule("winre-disk-full"), Evidence: ev()},
				{Rule: rule("winre-code"), Evidence: ev()}},
			Remedy: []classify.Step{{ID: "recovery_partition.enlarge", Values: map[string]string{"kb": "KB5034441"}}}}},
		Inputs: []classify.InputReport{{File: "System.evtx", Kind: "evtx", Entries: 1200},
			{File: "WindowsUpdate.20240312.etl", Skipped: true, Reason: classify.ReasonETL, Errors: []string{"not a log wudiag reads"}},
			{File: "logs.zip", Reason: classify.ReasonDamaged, Errors: []string{"zip: not a valid zip file"}}},
	}
}

func TestHandmadeGolden(t *testing.T) {
	since := time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC)
	for _, lang := range []language.Tag{language.English, language.Japanese} {
		for _, format := range Formats() {
			name := "handmade-" + format + "-" + lang.String() + ".golden"
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				require.NoError(t, Write(&b, handmade(), format, &Options{Since: since, Lang: lang}))
				out := b.String()
				path := filepath.Join("testdata", name)
				if *update {
					require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
				} else {
					want, err := os.ReadFile(path)
					require.NoError(t, err, "run go test ./internal/render -update")
					assert.Equal(t, string(want), out)
				}
				if format == "json" {
					return
				}
				// A low finding is a check, not a repair.
				assert.NotContains(t, out, "Resize the recovery partition", "a low finding shows the check")
				if format == "csv" {
					return
				}
				// The record once, with its three rules (the table's summary
				// and the HTML timeline show it again, in their own sections).
				if format == "text" || format == "markdown" {
					assert.Equal(t, 1, strings.Count(out, "WinREAgent 4502"), "one line per record")
				}
				if format != "ticket" {
					assert.Contains(t, out, "winre-4502, winre-disk-full, winre-code")
					assert.Contains(t, out, "WindowsUpdate.20240312.etl")
					assert.Contains(t, out, "Get-WindowsUpdateLog")
					assert.Contains(t, out, "logs.zip")
				}
				if lang == language.Japanese {
					assert.Contains(t, out, "可能性あり (未確認)")
					assert.Contains(t, out, "対象期間")
				} else {
					assert.Contains(t, out, "possible, not confirmed")
					assert.Contains(t, out, "Window: 2024-03-12 09:00:00 – …")
				}
			})
		}
	}
}

func TestActionable(t *testing.T) {
	d := handmade()
	assert.False(t, Actionable(d), "a resolved failure and a low finding are nothing to act on")
	d.Findings[0].Confidence = classify.Medium
	assert.True(t, Actionable(d))
	d = handmade()
	d.Failures[0].Resolved = false
	assert.True(t, Actionable(d))
}

// TestRecoveredMarked checks that a failure read from a deleted record
// (analyze -recover) says so wherever its source is shown, so that nobody
// looks for it in Event Viewer.
func TestRecoveredMarked(t *testing.T) {
	for _, lang := range []language.Tag{language.English, language.Japanese} {
		d := handmade()
		d.Failures[0].Source.Set("recovered", "true")
		d.Failures[0].Source.Set("inferred", "true")
		mark := map[language.Tag]string{language.English: "System.evtx#943 (deleted record, recovered)",
			language.Japanese: "System.evtx#943 (削除済みレコードから復元)"}[lang]
		for _, format := range Formats() {
			var b bytes.Buffer
			require.NoError(t, Write(&b, d, format, &Options{Lang: lang}))
			switch format {
			case "json":
				assert.Contains(t, b.String(), `"recovered": true,
        "inferred": true`, format)
			case "csv", "ticket":
				// The CSV keeps the plain source; the ticket names no sources.
			default:
				assert.Contains(t, b.String(), mark, "%s %s", format, lang)
			}
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"": "", "PC1": "PC1", "=1+1": "'=1+1", "+x": "'+x", "-x": "'-x", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx"} {
		assert.Equal(t, want, CSVCell(in), "%q", in)
	}
}
