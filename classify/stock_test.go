package classify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var updateStock = flag.Bool("update-stock", false, "rewrite stock.gob from rules.yaml and failures.yaml")

// yamlStock parses the YAML sources of the stock sets.
func yamlStock(t *testing.T) ([]*Rule, []*FailurePattern) {
	t.Helper()
	rules, err := ParseRules(bytes.NewReader(stockRules))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseFailurePatterns(bytes.NewReader(stockFailures))
	if err != nil {
		t.Fatal(err)
	}
	return rules, ps
}

// TestStockGobFresh holds stock.gob to the YAML files it is made from:
// the stock sets read from it are, field by field (as JSON, which tells a
// nil list from an empty one and a missing match from an empty one), and
// line by line, what ParseRules and ParseFailurePatterns read from the
// YAML. When it fails, run go generate ./classify.
func TestStockGobFresh(t *testing.T) {
	rules, ps := yamlStock(t)
	if *updateStock && !stockFresh(stockGob, rules, ps) {
		// Only when stale: gob writes maps in any order, so a rewrite of
		// the same data would differ.
		b, err := encodeStock(rules, ps)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("stock.gob", b, 0o644); err != nil {
			t.Fatal(err)
		}
		stockGob = b
	}
	const stale = "stock.gob is stale: run go generate ./classify"
	same := func(what string, want, got any) {
		t.Helper()
		w, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		g, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w, g) {
			// Name the first item that differs, not the whole set.
			var ws, gs []json.RawMessage
			if json.Unmarshal(w, &ws) == nil && json.Unmarshal(g, &gs) == nil {
				for i := range min(len(ws), len(gs)) {
					if !bytes.Equal(ws[i], gs[i]) {
						t.Fatalf("%s, item %d: %s\n yaml %s\n gob  %s", what, i, stale, ws[i], gs[i])
					}
				}
				t.Fatalf("%s: %d in yaml, %d in gob: %s", what, len(ws), len(gs), stale)
			}
			t.Fatalf("%s: %s", what, stale)
		}
	}
	d, err := decodeStock(stockGob)
	if err != nil {
		t.Fatalf("%s (%v)", stale, err)
	}
	got, err := compileRules(d.Rules, d.RuleLines, true)
	if err != nil {
		t.Fatal(err)
	}
	same("rules", rules, got)
	for i, r := range rules {
		if got[i].line != r.line {
			t.Fatalf("rule %s: line %d, yaml line %d: %s", r.ID, got[i].line, r.line, stale)
		}
	}
	gotPs, err := compileFailurePatterns(d.Failures, true)
	if err != nil {
		t.Fatal(err)
	}
	same("failure patterns", ps, gotPs)
	// What the package uses is what it read from stock.gob.
	same("stock rules", rules, StockRules())
	same("stock failure patterns", ps, StockFailurePatterns())
}

// stockFresh reports whether b holds the rules and patterns (their fields
// as JSON, and the rules' lines).
func stockFresh(b []byte, rules []*Rule, ps []*FailurePattern) bool {
	d, err := decodeStock(b)
	if err != nil || len(d.RuleLines) != len(rules) {
		return false
	}
	for i, r := range rules {
		if d.RuleLines[i] != r.line {
			return false
		}
	}
	for _, pair := range [][2]any{{rules, d.Rules}, {ps, d.Failures}} {
		w, err1 := json.Marshal(pair[0])
		g, err2 := json.Marshal(pair[1])
		if err1 != nil || err2 != nil || !bytes.Equal(w, g) {
			return false
		}
	}
	return true
}
