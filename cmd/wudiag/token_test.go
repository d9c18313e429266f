package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/internal/server"
)

func TestTokenCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := runServe(ctx, append([]string{"-data", data}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, tok, errs := run("token", "add", "alice")
	require.Equal(t, exitOK, code, errs)
	tok = strings.TrimSpace(tok)
	require.NoError(t, server.CheckToken(tok))

	code, _, errs = run("token", "add", "alice")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "already has a token")
	code, _, errs = run("token", "add", "token")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "reserved")

	code, list, _ := run("token", "list")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, list, "alice")
	assert.NotContains(t, list, tok)

	// Only the hash is in the database.
	db, err := os.ReadFile(filepath.Join(data, "wudiag.db"))
	require.NoError(t, err)
	assert.NotContains(t, string(db), tok)

	code, _, _ = run("token", "revoke", "alice")
	assert.Equal(t, exitOK, code)
	code, _, errs = run("token", "revoke", "alice")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "no token named alice")
	code, _, _ = run("token", "frobnicate")
	assert.Equal(t, exitUsage, code)

	// A tokens file gets the line; serve reads it.
	file := filepath.Join(t.TempDir(), "tokens")
	code, ftok, errs := run("-tokens-file", file, "token", "add", "bob")
	require.Equal(t, exitOK, code, errs)
	body, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "bob "+server.HashToken(strings.TrimSpace(ftok))+"\n", string(body))
	m, err := readTokensFile(file)
	require.NoError(t, err)
	assert.Equal(t, "bob", m[server.HashToken(strings.TrimSpace(ftok))])
	code, list, _ = run("-tokens-file", file, "token", "list")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "bob\n", list)
}
