package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

const teamRule = `- id: team-contoso-agent
  name: The Contoso endpoint agent blocked a servicing file
  cause: av_conflict
  weight: 0.7
  match:
    signal: [cbs.entry]
    text: ["ContosoGuard blocked"]
  tests:
    positive:
      - {signal: cbs.entry, kind: cbs, text: "ContosoGuard blocked access to C:\\Windows\\WinSxS\\x"}
    negative:
      - {signal: cbs.entry, kind: cbs, text: "Loaded Servicing Stack"}
`

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "team.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRulesCheck(t *testing.T) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	good := writeFile(t, teamRule)
	assert.Equal(t, exitOK, runRules(ctx, []string{"check", good}, &out, &errb), errb.String())
	assert.Contains(t, out.String(), "rule set version ")

	// A bad file gets analyze -rules' message.
	bad := writeFile(t, "- id: x\n  nope: 1\n")
	out.Reset()
	errb.Reset()
	assert.Equal(t, exitUsage, runRules(ctx, []string{"check", bad}, &out, &errb))
	var aout, aerr bytes.Buffer
	runAnalyze(ctx, []string{"-rules", bad, "-q", "../../corpus/examples/win10-store-corruption"}, &aout, &aerr)
	assert.Contains(t, errb.String(), "field nope not found")
	assert.Contains(t, aerr.String(), "field nope not found")

	// An example that cannot be evidence, and a rule with no negative
	// example, are failures.
	noNeg := writeFile(t, `- id: team-x
  name: x
  cause: av_conflict
  weight: 0.5
  match: {text: ["x"]}
  tests:
    positive:
      - {signal: cbs.entry, text: "x", codes: ["not a code"]}
`)
	out.Reset()
	assert.Equal(t, exitFindings, runRules(ctx, []string{"check", noNeg}, &out, &errb))
	assert.Contains(t, out.String(), "team-x: positive example 1:")
	assert.Contains(t, out.String(), "team-x: no negative example")

	assert.Equal(t, exitUsage, runRules(ctx, []string{"lint", good}, &out, &errb))
}

func TestServeRulesRefusedAtStart(t *testing.T) {
	var out, errb bytes.Buffer
	bad := writeFile(t, "- id: x\n  nope: 1\n")
	code := runServe(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-token", "serve-test-token-K7p2", "-rules", bad}, &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "field nope not found")
}
