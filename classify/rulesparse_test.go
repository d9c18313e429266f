package classify

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestParseRulesLines checks that each rule gets the line it starts on,
// read in the decoder's one pass, and that a null item is refused with
// its line rather than crashing.
func TestParseRulesLines(t *testing.T) {
	rules, err := ParseRules(strings.NewReader("# rules\n- id: a\n  cause: av_conflict\n  weight: 0.5\n\n- id: b\n  cause: av_conflict\n  weight: 0.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || rules[0].line != 2 || rules[1].line != 6 {
		t.Fatalf("lines: got %d rules, %v", len(rules), []int{rules[0].line, rules[1].line})
	}
	_, err = ParseRules(strings.NewReader("- id: a\n  cause: av_conflict\n  weight: 0.5\n- \n"))
	if !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("null item: got %v", err)
	}
}

// FuzzParseRules reads any text as a rule file: it is parsed or refused
// with ErrRule, never a crash.
func FuzzParseRules(f *testing.F) {
	f.Add(string(stockRules[:min(len(stockRules), 4000)]))
	f.Add("- \n")
	f.Add("- id: x\n  cause: av_conflict\n  weight: 0.5\n  match: {text: [a], regex: '('}\n")
	f.Add("[{id: x, cause: av_conflict}, {id: x, cause: av_conflict}]")
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := ParseRules(bytes.NewReader([]byte(text)))
		if err != nil && !errors.Is(err, ErrRule) {
			t.Fatalf("error not ErrRule: %v", err)
		}
		for _, r := range rules {
			if r == nil {
				t.Fatal("nil rule")
			}
		}
	})
}
