package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/corpus"
	"github.com/wudiag/wudiag/internal/server"
)

// The same bundle gives the same diagnosis JSON, byte for byte, from
// "wudiag analyze -format json" and from the server's API: both go through
// classify.AnalyzePaths and render's JSON writer, and problems the intake
// meets are inputs in both. The bundle is a corpus example zipped, with a
// binary ETW trace and a damaged zip beside it, uploaded as three files.
func TestAnalyzeJSONSameAsAPI(t *testing.T) {
	dir := t.TempDir()
	var bundle bytes.Buffer
	require.NoError(t, corpus.WriteZip(&bundle, filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption")))
	etl := make([]byte, 0x200)
	etl[2] = 1 // buffer size 0x10000
	copy(etl[0x48:], []byte{2, 0, 2, 0xC0, 0xB0, 0, 0, 0})
	files := map[string][]byte{
		"store.zip":           bundle.Bytes(),
		"WindowsUpdate.1.etl": etl,
		"broken.zip":          []byte("PK\x03\x04 and nothing else"),
	}
	names := []string{"WindowsUpdate.1.etl", "broken.zip", "store.zip"} // as the CLI walks a folder: lexical
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}

	st, err := server.OpenStore(context.Background(), "", t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	const token = "identity-test-token-0123456789"
	srv, err := server.New(server.Config{Store: st, DataDir: t.TempDir(), Token: token, Workers: 1,
		PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); cancel(); <-done }()
	call := func(method, path, ctype string, body io.Reader) []byte {
		req, err := http.NewRequest(method, hs.URL+path, body)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
		return b
	}
	upload := func(names []string) string {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for _, name := range names {
			fw, err := mw.CreateFormFile("files", name)
			require.NoError(t, err)
			fw.Write(files[name])
		}
		require.NoError(t, mw.Close())
		ctype := mw.FormDataContentType()
		var c struct{ ID string }
		require.NoError(t, json.Unmarshal(call("POST", "/api/v1/cases", ctype, &body), &c))
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var got struct{ Status, Error string }
			require.NoError(t, json.Unmarshal(call("GET", "/api/v1/cases/"+c.ID, "", nil), &got))
			if got.Status == "done" {
				return c.ID
			}
			require.NotEqual(t, "failed", got.Status, got.Error)
			require.False(t, time.Now().After(deadline), "case still %s", got.Status)
		}
	}

	t.Chdir(dir) // the CLI names files as given: relative names, as the client's
	for _, set := range [][]string{names, {"WindowsUpdate.1.etl"}} {
		id := upload(set)
		for _, lang := range []string{"en", "ja"} {
			api := call("GET", "/api/v1/cases/"+id+"/diagnosis?lang="+lang, "", nil)
			code, cli, stderr := runCLI(append([]string{"analyze", "-q", "-format", "json", "-lang", lang}, set...)...)
			if len(set) > 1 {
				require.Equal(t, exitFindings, code, stderr)
			} else {
				require.Equal(t, exitUsage, code, stderr) // nothing readable: the CLI says so by its status
			}
			require.Equal(t, cli, string(api), "%v in %s: CLI and API JSON differ", set, lang)
			require.Contains(t, cli, `"file": "WindowsUpdate.1.etl"`)
			require.Contains(t, cli, `"reason": "etl"`)
			if len(set) > 1 {
				require.Contains(t, cli, `"file": "store.zip:CBS.log"`)
				require.Contains(t, cli, `"reason": "damaged_archive"`)
				require.Contains(t, cli, `"cause": "component_corruption"`)
			}
		}
	}
	// The API's case answer carries the same contract fields.
	var answer, cli map[string]any
	id := upload(names)
	require.NoError(t, json.Unmarshal(call("GET", "/api/v1/cases/"+id, "", nil), &answer))
	_, out, _ := runCLI(append([]string{"analyze", "-q", "-format", "json", "-lang", "en"}, names...)...)
	require.NoError(t, json.Unmarshal([]byte(out), &cli))
	for _, k := range []string{"schema_version", "utc_offset", "failures", "findings", "inputs"} {
		require.Equal(t, cli[k], answer[k], k)
	}
}
