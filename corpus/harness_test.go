package corpus_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/corpus"
)

// The figures the stock rules reached when the corpus was written; the
// test fails when a change makes the classifier worse than this. Raise
// them when the rules improve.
const (
	minTop1        = 1.0 // 33/33
	minTop3        = 1.0 // 33/33
	maxCleanFP     = 0.0 // 0/7 (a finding of medium or high confidence on a clean machine)
	minFailureRate = 1.0 // 41/41
)

// outcome is what the classifier said about one scenario.
type outcome struct {
	s        *corpus.Scenario
	failures []string // unresolved failures
	causes   []string // findings, best first
	// confident lists the findings of medium or high confidence: on a
	// clean machine only these count as false positives, the standard the
	// real "unknown" samples are held to (a low finding is a hint).
	confident []string
	err       error
}

func (o *outcome) top(n int) bool {
	if len(o.s.Expect.Causes) == 0 {
		return len(o.causes) == 0
	}
	return slices.Contains(o.causes[:min(n, len(o.causes))], o.s.Expect.Causes[0])
}

func (o *outcome) failuresRight() bool {
	want := slices.Clone(o.s.Expect.Failures)
	got := slices.Clone(o.failures)
	sort.Strings(want)
	sort.Strings(got)
	// The same update failing on two days is one failed update.
	return slices.Equal(slices.Compact(want), slices.Compact(got))
}

// analyzeAll materializes every scenario into a temporary folder and
// analyzes it, two at a time.
func analyzeAll(t *testing.T) []*outcome {
	all, err := corpus.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	out := make([]*outcome, len(all))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, s := range all {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			o := &outcome{s: s}
			out[i] = o
			dir := filepath.Join(root, s.Name)
			if _, o.err = s.Materialize(dir, nil); o.err != nil {
				return
			}
			in, errs := classify.PathInputs(dir)
			if len(errs) > 0 {
				o.err = errs[0]
				return
			}
			d, err := classify.Analyze(context.Background(), in, nil)
			if err != nil {
				o.err = err
				return
			}
			for _, f := range d.Failures {
				// Scenarios list the installations that failed; a failed
				// repair (DISM /RestoreHealth) is evidence, not one of them.
				if !f.Resolved && f.Stage != classify.StageRepair {
					o.failures = append(o.failures, f.Update)
				}
			}
			for _, f := range d.Findings {
				o.causes = append(o.causes, f.Cause)
				if f.Confidence != "low" {
					o.confident = append(o.confident, f.Cause)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// TestAccuracy is the accuracy harness: every scenario is written as a
// bundle, analyzed with the stock rules and compared with its expected
// outcome. It prints the confusion per scenario and top-1/top-3
// accuracy, and fails below the recorded figures.
func TestAccuracy(t *testing.T) {
	outs := analyzeAll(t)
	var labelled, top1, top3, clean, cleanFP, failRight int
	var lines []string
	for _, o := range outs {
		if o.err != nil {
			t.Errorf("%s: %v", o.s.Name, o.err)
			continue
		}
		mark := "ok "
		switch {
		case len(o.s.Expect.Causes) > 0:
			labelled++
			if o.top(1) {
				top1++
			} else {
				mark = "top3"
				if !o.top(3) {
					mark = "MISS"
				}
			}
			if o.top(3) {
				top3++
			}
		case len(o.s.Expect.Failures) == 0: // a clean machine: no failure, no cause
			clean++
			switch {
			case len(o.confident) > 0 || len(o.failures) > 0:
				cleanFP++
				mark = "FP "
			case len(o.causes) > 0:
				mark = "low"
			}
		default:
			if len(o.confident) > 0 {
				mark = "FP "
			}
		}
		if o.failuresRight() {
			failRight++
		} else {
			mark += " F"
		}
		exp := strings.Join(o.s.Expect.Causes, ",")
		if exp == "" {
			exp = "none"
		}
		got := strings.Join(o.causes[:min(3, len(o.causes))], ",")
		if got == "" {
			got = "none"
		}
		lines = append(lines, fmt.Sprintf("%-5s %-52s want %-40s got %-60s failures want %v got %v", mark, o.s.Name, exp, got, o.s.Expect.Failures, o.failures))
	}
	for _, l := range lines {
		t.Log(l)
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	r1, r3, fp, fr := ratio(top1, labelled), ratio(top3, labelled), ratio(cleanFP, clean), ratio(failRight, len(outs))
	t.Logf("scenarios %d: labelled %d, clean %d", len(outs), labelled, clean)
	t.Logf("top-1 %.3f (%d/%d), top-3 %.3f (%d/%d), clean false-positive rate %.3f (%d/%d), failures right %.3f (%d/%d)",
		r1, top1, labelled, r3, top3, labelled, fp, cleanFP, clean, fr, failRight, len(outs))
	if r1 < minTop1 || r3 < minTop3 || fp > maxCleanFP || fr < minFailureRate {
		t.Errorf("accuracy below the recorded figures (top-1 ≥ %.3f, top-3 ≥ %.3f, clean FP ≤ %.3f, failures ≥ %.3f)", minTop1, minTop3, maxCleanFP, minFailureRate)
	}
}
