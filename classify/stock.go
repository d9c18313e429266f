package classify

import (
	"bytes"
	_ "embed"
	"encoding/gob"
	"sync"
)

// The stock rules and failure patterns are data written as YAML
// (rules.yaml, failures.yaml), the one source of truth.
// Decoding that YAML is most of what a process spends before it reads a
// log, so stock.gob holds the same data decoded (gob: what ParseRules,
// and ParseFailurePatterns give, before they compile it),
// and the stock sets are read from it and compiled as the YAML's would be.
// (families.yaml is small and read as it is.)
// TestStockGobFresh fails when stock.gob does not say what the YAML files
// say; regenerate it with
//
//	go generate ./classify
//
//go:generate go test -run TestStockGobFresh -update-stock .
//go:embed stock.gob
var stockGob []byte

// stockData is what stock.gob holds.
type stockData struct {
	Rules     []*Rule
	RuleLines []int // the line each rule starts on in rules.yaml
	Failures  []*FailurePattern
}

// decodeStock decodes a stock.gob.
func decodeStock(b []byte) (*stockData, error) {
	var d stockData
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

// encodeStock encodes the stock sets as ParseRules and
// ParseFailurePatterns give them.
func encodeStock(rules []*Rule, failures []*FailurePattern) ([]byte, error) {
	d := stockData{Rules: rules, Failures: failures}
	for _, r := range rules {
		d.RuleLines = append(d.RuleLines, r.line)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var stockDataOnce = sync.OnceValue(func() *stockData {
	d, err := decodeStock(stockGob)
	if err != nil {
		panic("classify: stock.gob: " + err.Error()) // a test keeps this from shipping
	}
	return d
})
