package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/wudiag/wudiag/classify"
)

// RulesVersion names a rule set: the first 12 hex digits of a SHA-256
// of the rules as JSON (every exported field: match, weight, tests…),
// so that any change to a stock or team rule gives a new version. nil
// is the stock rules.
func RulesVersion(rules []*classify.Rule) string {
	if rules == nil {
		rules = classify.StockRules()
	}
	b, err := json.Marshal(rules)
	if err != nil {
		return "unknown"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
