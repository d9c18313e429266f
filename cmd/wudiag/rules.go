package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/internal/server"
)

const rulesHelp = `usage: wudiag rules check FILE

Check reads a team's rule file as "analyze -rules" and "serve --rules" do
(the same messages for a bad file), then runs each rule's own examples:
every tests.positive example must match the rule and every
tests.negative one must not. It prints each failure and the version the
rule set (stock + FILE) gets on the cases, and exits 1 when an example
fails, 2 when the file cannot be read.
`

// runRules is "wudiag rules check FILE".
func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("rules", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, rulesHelp) }
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fl.NArg() != 2 || fl.Arg(0) != "check" {
		fl.Usage()
		return exitUsage
	}
	name := fl.Arg(1)
	f, err := os.Open(name)
	if err != nil {
		fmt.Fprintf(stderr, "wudiag rules check: %v\n", err)
		return exitUsage
	}
	extra, err := classify.ParseRules(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "wudiag rules check: %s: %v\n", name, err)
		return exitUsage
	}
	failures, ran := checkExamples(extra, stdout)
	version := server.RulesVersion(classify.MergeRules(classify.StockRules(), extra))
	switch {
	case failures > 0:
		fmt.Fprintf(stdout, "%s: %d failing examples in %d rules\nrule set version %s\n", name, failures, len(extra), version)
		return exitFindings
	case !ran:
		fmt.Fprintf(stdout, "%s: %d rules read; their examples parse but were not run: this build of classify exports no way to match one example (Rule.Matches)\nrule set version %s\n", name, len(extra), version)
	default:
		fmt.Fprintf(stdout, "%s: %d rules, every example passes\nrule set version %s\n", name, len(extra), version)
	}
	return exitOK
}

// exampleMatcher is the method classify.Rule needs for its examples to
// be run here: (r *Rule) Matches(e *Evidence) (bool, string), the
// exported form of the matcher rules_test.go calls (the string says
// which condition failed). Until classify has it, check can only read
// the examples.
type exampleMatcher interface {
	Matches(e *classify.Evidence) (bool, string)
}

// checkExamples runs each rule's examples, prints each failure, and
// returns how many failed; ran is false when the rules cannot match
// evidence from outside classify (see exampleMatcher), in which case
// only the examples' own errors (a bad code) are counted.
func checkExamples(rules []*classify.Rule, w io.Writer) (failures int, ran bool) {
	ran = true
	for _, r := range rules {
		m, ok := any(r).(exampleMatcher)
		if !ok {
			ran = false
		}
		for _, tc := range []struct {
			kind  string
			want  bool
			cases []classify.Example
		}{{"positive", true, r.Tests.Positive}, {"negative", false, r.Tests.Negative}} {
			if len(tc.cases) == 0 {
				fmt.Fprintf(w, "%s: no %s example\n", r.ID, tc.kind)
				failures++
			}
			for i, x := range tc.cases {
				e, err := x.Evidence()
				if err != nil {
					fmt.Fprintf(w, "%s: %s example %d: %v\n", r.ID, tc.kind, i+1, err)
					failures++
					continue
				}
				if m == nil {
					continue
				}
				if got, why := m.Matches(&e); got != tc.want {
					if tc.want {
						fmt.Fprintf(w, "%s: %s example %d (%q) does not match: %s\n", r.ID, tc.kind, i+1, x.Text, why)
					} else {
						fmt.Fprintf(w, "%s: %s example %d (%q) matches\n", r.ID, tc.kind, i+1, x.Text)
					}
					failures++
				}
			}
		}
	}
	return failures, ran
}
