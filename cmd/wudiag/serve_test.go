package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/corpus"
)

// lockedBuffer is a bytes.Buffer the server's goroutines may log into.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Started with no token, serve listens, prints its address and a fresh
// token, refuses requests without the token, analyses an uploaded bundle,
// and on cancellation shuts down cleanly with its database left in the
// data folder.
func TestServeFromStartToShutdown(t *testing.T) {
	t.Setenv("WUDIAG_TOKEN", "")
	t.Setenv("WUDIAG_TOKEN_FILE", "")
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- runServe(ctx, []string{"-addr", "127.0.0.1:0", "-data", data, "-workers", "1"}, pw, &stderr)
		pw.Close()
	}()

	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan(), "no start line; stderr:\n%s", stderr.String())
	base, ok := strings.CutPrefix(lines.Text(), "wudiag serve: ")
	require.True(t, ok, lines.Text())
	base = strings.TrimSuffix(base, "/")
	require.True(t, lines.Scan())
	_, token, ok := strings.Cut(lines.Text(), "): ")
	require.True(t, ok, lines.Text())
	require.Len(t, token, len(strings.TrimSpace(token)))
	require.GreaterOrEqual(t, len(token), 20, "token %q is too short to be secret", token)
	go io.Copy(io.Discard, pr)

	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	var bundle bytes.Buffer
	require.NoError(t, corpus.WriteZip(&bundle, filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption")))
	upload := func(tok string) *http.Response {
		req, _ := http.NewRequest("POST", base+"/api/v1/cases?name=store.zip", bytes.NewReader(bundle.Bytes()))
		req.Header.Set("Content-Type", "application/zip")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return resp
	}
	resp = upload("")
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = upload("wrong-" + token)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	resp = upload(token)
	var created struct{ ID string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&created))
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	var got struct {
		Status   string
		Error    string
		Findings []struct{ Cause string }
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequest("GET", base+"/api/v1/cases/"+created.ID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		resp.Body.Close()
		if got.Status == "done" || got.Status == "failed" {
			break
		}
		require.False(t, time.Now().After(deadline), "case still %s", got.Status)
	}
	require.Equal(t, "done", got.Status, got.Error)
	require.NotEmpty(t, got.Findings)
	assert.Equal(t, "component_corruption", got.Findings[0].Cause)

	cancel()
	select {
	case code := <-exit:
		assert.Equal(t, exitOK, code, stderr.String())
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	assert.Contains(t, stderr.String(), "shutting down")
	assert.FileExists(t, filepath.Join(data, "wudiag.db"))
	assert.NotContains(t, stderr.String(), token, "the token must not be logged")
	// The audit log is in --data by default: one JSON object per line.
	audit, err := os.ReadFile(filepath.Join(data, "audit.log"))
	require.NoError(t, err)
	assert.Contains(t, string(audit), `"action":"upload","who":"token"`)
	assert.NotContains(t, string(audit), token)
}

func TestServeUsageAndBadConfiguration(t *testing.T) {
	// Should a bad configuration start a server after all, the deadline
	// stops it and the exit code below tells.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	assert.Equal(t, exitUsage, runServe(ctx, []string{"extra"}, &out, &errb))
	assert.Contains(t, errb.String(), "usage: wudiag serve")

	errb.Reset()
	assert.Equal(t, exitOK, runServe(ctx, []string{"-h"}, &out, &errb))
	assert.Contains(t, errb.String(), "POST /api/v1/cases")

	// A database it cannot open is an error at start, not a server that
	// fails every request.
	errb.Reset()
	code := runServe(ctx, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-db", "mysql://x", "-token", "serve-test-token-K7p2"}, &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "mysql")

	// So is an address already taken.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	errb.Reset()
	code = runServe(ctx, []string{"-addr", ln.Addr().String(), "-data", t.TempDir(), "-token", "serve-test-token-K7p2"}, &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "address already in use")
}

func TestDefaultDataDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/srv/data")
	d, err := defaultDataDir()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("/srv/data", "wudiag"), d)

	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/support")
	d, err = defaultDataDir()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("/home/support", ".local", "share", "wudiag"), d)
}

// The token comes from a file first; a weak one is refused at start.
func TestServeToken(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(file, []byte("  from-file-token-9XkQ2  \nignored\n"), 0o600))
	t.Setenv("WUDIAG_TOKEN", "from-env-token-4Rt8Zm")
	t.Setenv("WUDIAG_TOKEN_FILE", "")
	for _, tc := range []struct {
		flag, file, env, want, source string
	}{
		{"", file, "", "from-file-token-9XkQ2", "--token-file"},
		{"flag-token-7Hc3Wq2", "", "", "flag-token-7Hc3Wq2", "--token"},
		{"", "", file, "from-file-token-9XkQ2", "WUDIAG_TOKEN_FILE"},
		{"", "", "", "from-env-token-4Rt8Zm", "WUDIAG_TOKEN"},
	} {
		t.Setenv("WUDIAG_TOKEN_FILE", tc.env)
		tok, src, err := accessToken(tc.flag, tc.file)
		assert.NoError(t, err)
		assert.Equal(t, tc.want, tok)
		assert.Equal(t, tc.source, src)
	}
	_, _, err := accessToken("a", file)
	assert.Error(t, err, "both --token and --token-file")
	_, _, err = accessToken("", filepath.Join(dir, "missing"))
	assert.Error(t, err)

	// The README's old example is refused.
	t.Setenv("WUDIAG_TOKEN_FILE", "")
	t.Setenv("WUDIAG_TOKEN", "s3cret")
	var out, errb bytes.Buffer
	code := runServe(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, &out, &errb)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errb.String(), "too weak")
	assert.NotContains(t, errb.String()+out.String(), "s3cret")
}

// Every serve flag is in the README's table.
func TestServeFlagsInREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	var out, errb bytes.Buffer
	require.Equal(t, exitOK, runServe(context.Background(), []string{"-h"}, &out, &errb))
	n := 0
	for _, line := range strings.Split(errb.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "  -"); ok {
			name, _, _ = strings.Cut(name, " ")
			n++
			assert.Contains(t, string(readme), "| `--"+name+"` |", "flag --%s is not in the README's serve table", name)
		}
	}
	assert.Greater(t, n, 10)
}
