package classify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

var (
	reCaseCode = regexp.MustCompile(`(?i)\b(0x[0-9a-f]{3,8}|\d{3,4})\b`)
	reCaseKB   = regexp.MustCompile(`\bKB\d{6,7}\b`)
)

// TestSampleCases analyzes each real case under ../shared/samples/text and
// holds the classifier to its label: a cause label must rank first,
// "unknown" (clean logs) gets no finding of medium or high confidence,
// "other" gets no high-confidence finding; and a case whose case.json
// names an error code must yield a failure, named by its KB when the
// case names one. It prints, per case, the top cause and the failures.
func TestSampleCases(t *testing.T) {
	root := sharedtest.Dir(t, "samples", "text")
	dirs, err := os.ReadDir(root)
	require.NoError(t, err)
	var total, ok int
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(root, d.Name())
		var c struct {
			Label         string
			Error         string
			FailingUpdate string `json:"failing_update"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "case.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &c))
		t.Run(d.Name(), func(t *testing.T) {
			total++
			in, errs := PathInputs(dir)
			require.Empty(t, errs)
			var logs []Input
			for _, x := range in {
				if !strings.HasSuffix(x.Name, "case.json") {
					logs = append(logs, x)
				}
			}
			diag, _ := Analyze(context.Background(), logs, nil)
			var got []string
			for _, f := range diag.Findings {
				got = append(got, f.Cause+"/"+string(f.Confidence))
			}
			var named []string
			for _, f := range diag.Failures {
				named = append(named, f.Update+"="+f.Code.String())
			}
			top := "none"
			if len(diag.Findings) > 0 {
				top = diag.Findings[0].Cause + "/" + string(diag.Findings[0].Confidence)
			}
			t.Logf("label %-22s top %-30s findings %v failures %v", c.Label, top, got, named)
			pass := true
			// A case whose label names an error code must yield a failure,
			// named by its KB when the case names exactly one.
			// (A case that says its excerpt holds no code is taken at its word.)
			if reCaseCode.MatchString(c.Error) && !strings.HasPrefix(strings.ToLower(c.Error), "none") &&
				!strings.Contains(c.Error, "no numeric code") {
				if len(diag.Failures) == 0 {
					pass = false
					t.Errorf("the case names error %q but no failure was found", c.Error)
				}
				if kbs := reCaseKB.FindAllString(c.FailingUpdate, -1); len(kbs) == 1 && !strings.Contains(c.FailingUpdate, "/") {
					found := false
					for _, f := range diag.Failures {
						found = found || strings.EqualFold(f.Update, kbs[0])
					}
					if !found {
						pass = false
						t.Errorf("no failure named %s (failures %v)", kbs[0], named)
					}
				}
			}
			switch c.Label {
			case "unknown":
				for _, f := range diag.Findings {
					if f.Confidence != Low {
						pass = false
						t.Errorf("clean case got %s/%s: %s", f.Cause, f.Confidence, f.Support[0].Rule.ID)
					}
				}
			case "other":
				for _, f := range diag.Findings {
					if f.Confidence == High {
						pass = false
						t.Errorf("case outside the causes got %s/%s: %s", f.Cause, f.Confidence, f.Support[0].Rule.ID)
					}
				}
			default:
				if len(diag.Findings) == 0 || diag.Findings[0].Cause != c.Label {
					pass = false
					t.Errorf("want %s first, got %v", c.Label, got)
				}
			}
			if pass {
				ok++
			}
		})
	}
	t.Logf("sample cases: %d of %d as labelled", ok, total)
}

func TestShippedExample(t *testing.T) {
	in, errs := PathInputs(filepath.Join("..", "corpus", "examples", "win10-store-corruption"))
	require.Empty(t, errs)
	d, err := Analyze(context.Background(), in, &Options{Explain: true})
	require.NoError(t, err)
	require.NotEmpty(t, d.Findings)
	assert.Equal(t, CauseComponentCorruption, d.Findings[0].Cause)
	assert.Equal(t, High, d.Findings[0].Confidence)
	require.NotEmpty(t, d.Failures)
	assert.Equal(t, "KB5034122", d.Failures[0].Update)
	assert.Equal(t, "KB5034122", d.Findings[0].Remedy[0].Values["kb"])
	assert.NotEmpty(t, d.Explain)
}

func TestProgressAndWorkersDoNotChangeTheResult(t *testing.T) {
	in, errs := PathInputs(filepath.Join("..", "corpus", "examples"))
	require.Empty(t, errs)
	one, err := Analyze(context.Background(), in, &Options{Workers: 1})
	require.NoError(t, err)
	var calls int
	var last, total int64
	many, err := Analyze(context.Background(), in, &Options{Workers: 4, Progress: func(done, tot int64) {
		calls++
		last, total = done, tot
	}})
	require.NoError(t, err)
	assert.Equal(t, digest(one), digest(many))
	assert.Positive(t, calls)
	assert.Positive(t, total)
	assert.GreaterOrEqual(t, last, total, "every byte was read")
}

func TestCancelledAnalysisStillReturnsADiagnosis(t *testing.T) {
	in, _ := PathInputs(filepath.Join("..", "corpus", "examples"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := Analyze(ctx, in, nil)
	assert.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, d)
}

func TestMachineNameFromEventLogs(t *testing.T) {
	in, errs := PathInputs(filepath.Join("..", "corpus", "examples", "win10-ja-winre-kb5034441-partition-small"))
	require.Empty(t, errs)
	d, err := Analyze(context.Background(), in, nil)
	require.NoError(t, err)
	assert.NotEmpty(t, d.Machine)
}

// A rotated log that overlaps the current one (or a second copy of a log)
// adds no evidence twice.
func TestOverlappingLogsCountOnce(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "corpus", "examples", "win10-store-corruption", "CBS.log"))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(b), "\r\n")
	half := len(lines) * 2 / 3
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CbsPersist_20240109.log"), []byte(strings.Join(lines[:half], "")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "CBS.log"), []byte("\uFEFF"+strings.Join(lines[half/2:], "")), 0o644))
	whole := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(whole, "CBS.log"), b, 0o644))

	count := func(dir string) (int, int) {
		in, errs := PathInputs(dir)
		require.Empty(t, errs)
		d, err := Analyze(context.Background(), in, nil)
		require.NoError(t, err)
		require.NotEmpty(t, d.Findings)
		return len(d.Findings[0].Support), len(d.Failures)
	}
	wantSupport, wantFailures := count(whole)
	gotSupport, gotFailures := count(dir)
	assert.Equal(t, wantSupport, gotSupport, "evidence in the overlap counts once")
	assert.Equal(t, wantFailures, gotFailures)
}

// digest writes what a diagnosis found, for comparing two analyses: the
// failures, and each finding with its grade, support and remedy steps.
func digest(d *Diagnosis) string {
	var b strings.Builder
	for _, f := range d.Failures {
		fmt.Fprintf(&b, "failure %s %s %s %v %s\n", f.Update, f.Code, f.Time.UTC().Format(time.RFC3339), f.Resolved, f.Family)
	}
	for _, f := range d.Findings {
		fmt.Fprintf(&b, "finding %s %.3f %s %+v\n", f.Cause, f.Score, f.Confidence, f.Grounds)
		for _, s := range f.Support {
			fmt.Fprintf(&b, "  %s %s:%d:%d %.3f\n", s.Rule.ID, s.Evidence.File, s.Evidence.Line, s.Evidence.Record, s.Weight)
		}
		for _, s := range f.Remedy {
			fmt.Fprintf(&b, "  step %s %v\n", s.ID, s.Values)
		}
	}
	for _, in := range d.Inputs {
		fmt.Fprintf(&b, "input %s %s %d %q %s\n", in.File, in.Kind, in.Entries, in.Errors, in.Reason)
	}
	return b.String()
}
