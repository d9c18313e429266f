package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) entries(t *testing.T) []auditEntry {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []auditEntry
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var e auditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

const (
	aliceToken = "alice-token-Zq8Wm3Kp5Rt7"
	bobToken   = "bob-token-Hn4Vx9Lc2Jd6"
)

// Named tokens, from a file and from the store, open the API and the
// login form; their holder is on the case and in the audit log;
// revoking one ends it and its sessions.
func TestNamedTokensAndAudit(t *testing.T) {
	audit := &syncBuffer{}
	tokens, err := ParseTokens(strings.NewReader("# desk\n" + TokenLine("alice", HashToken(aliceToken))))
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, nil, func(c *Config) { c.Tokens = tokens; c.Audit = audit })
	if err := ts.store.AddToken(context.Background(), "bob", HashToken(bobToken), time.Now()); err != nil {
		t.Fatal(err)
	}
	call := func(tok, method, path string) int {
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return send(t, req).StatusCode
	}
	for _, tok := range []string{testToken, aliceToken, bobToken} {
		if code := call(tok, "GET", "/api/v1/cases"); code != http.StatusOK {
			t.Errorf("token %s: %d", tok, code)
		}
	}
	if code := call("carol-token-Xy7Pq2Mn5Bv8", "GET", "/api/v1/cases"); code != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", code)
	}

	// alice uploads; the case says so.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/cases?name=b.zip", bytes.NewReader(exampleZip(t)))
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	req.Header.Set("Content-Type", "application/zip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var c created
	json.NewDecoder(resp.Body).Decode(&c)
	resp.Body.Close()
	ts.wait(t, c.ID, "en")
	var head struct {
		UploadedBy   string `json:"uploaded_by"`
		RulesVersion string `json:"rules_version"`
	}
	ts.do(t, "GET", "/api/v1/cases/"+c.ID, "", nil, &head)
	if head.UploadedBy != "alice" || len(head.RulesVersion) != 12 {
		t.Errorf("case head: %+v", head)
	}
	code, body := ts.get(t, "/cases/"+c.ID)
	if code != http.StatusOK || !strings.Contains(string(body), "alice") || !strings.Contains(string(body), head.RulesVersion) {
		t.Errorf("case page lacks the uploader or the rules version: %d", code)
	}

	// bob logs in; his session is his, and ends when his token is revoked.
	lr := send(t, postForm(ts.URL+"/login", url.Values{"token": {bobToken}, "next": {"/"}}))
	var cookie *http.Cookie
	for _, ck := range lr.Cookies() {
		if ck.Name == cookieName {
			cookie = ck
		}
	}
	if lr.StatusCode != http.StatusSeeOther || cookie == nil {
		t.Fatalf("bob's login: %d", lr.StatusCode)
	}
	withCookie := func() int {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/cases/"+c.ID, nil)
		req.AddCookie(cookie)
		return send(t, req).StatusCode
	}
	if code := withCookie(); code != http.StatusOK {
		t.Fatalf("bob's session: %d", code)
	}
	if err := ts.store.RevokeToken(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	if code := withCookie(); code != http.StatusUnauthorized {
		t.Errorf("session of a revoked token: %d", code)
	}
	if code := call(bobToken, "GET", "/api/v1/cases"); code != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", code)
	}
	if err := ts.store.RevokeToken(context.Background(), "bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
	send(t, postForm(ts.URL+"/login", url.Values{"token": {"wrong-token-value-123"}}))
	if code := call(aliceToken, "DELETE", "/api/v1/cases/"+c.ID); code != http.StatusNoContent {
		t.Errorf("alice deletes: %d", code)
	}

	var got []string
	views := 0
	for _, e := range audit.entries(t) {
		if e.Action == "view" && e.Who == "token" { // the polls of wait, a number that varies
			views++
			continue
		}
		if e.Time.IsZero() || e.Remote == "" {
			t.Errorf("audit entry without time or address: %+v", e)
		}
		s := e.Action + " " + e.Who
		if e.Case != "" {
			s += " case"
		}
		got = append(got, s)
	}
	if views < 2 {
		t.Errorf("%d views with the shared token logged, want the polls and the page", views)
	}
	want := []string{"upload alice case", "login bob", "view bob case", "login_refused token", "delete alice case"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseTokens(t *testing.T) {
	h := HashToken(aliceToken)
	for _, bad := range []string{
		"alice",
		"alice " + aliceToken,
		"token " + h,
		"al ice " + h,
		"alice " + h + "\nalice " + HashToken(bobToken),
		"alice " + h + "\nbob " + h,
	} {
		if _, err := ParseTokens(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseTokens(%q) accepted", bad)
		}
	}
	m, err := ParseTokens(strings.NewReader("\n# x\nalice " + strings.ToUpper(h[:7]) + h[7:] + "\n"))
	if err != nil || m[h] != "alice" {
		t.Errorf("ParseTokens: %v %v", m, err)
	}
}

func TestTokenStore(t *testing.T) { testTokenStore(t, sqliteStore(t)) }

func TestTokenStorePostgres(t *testing.T) { testTokenStore(t, postgresStore(t)()) }

func testTokenStore(t *testing.T, st Store) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Millisecond)
	if err := st.AddToken(ctx, "alice", HashToken(aliceToken), now); err != nil {
		t.Fatal(err)
	}
	if err := st.AddToken(ctx, "alice", HashToken(bobToken), now); !errors.Is(err, ErrExists) {
		t.Errorf("same name again: %v", err)
	}
	if err := st.AddToken(ctx, "bob", HashToken(bobToken), now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	ts, err := st.Tokens(ctx)
	if err != nil || len(ts) != 2 || ts[0].Name != "alice" || !ts[0].Created.Equal(now) {
		t.Errorf("Tokens: %+v %v", ts, err)
	}
	if n, err := st.TokenName(ctx, HashToken(bobToken)); n != "bob" || err != nil {
		t.Errorf("TokenName: %q %v", n, err)
	}
	if err := st.CreateSession(ctx, "k1", "bob", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if who, ok, err := st.Session(ctx, "k1", now); who != "bob" || !ok || err != nil {
		t.Errorf("Session: %q %v %v", who, ok, err)
	}
	if err := st.RevokeToken(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Session(ctx, "k1", now); ok {
		t.Error("session outlived its token")
	}
	if _, err := st.TokenName(ctx, HashToken(bobToken)); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked TokenName: %v", err)
	}
}

// A named token's session outlives a new shared token; a shared token's
// session does not.
func TestSessionsAcrossSharedTokens(t *testing.T) {
	st := sqliteStore(t)
	ctx := context.Background()
	if err := st.AddToken(ctx, "alice", HashToken(aliceToken), time.Now()); err != nil {
		t.Fatal(err)
	}
	login := func(ts *testServer, tok string) *http.Cookie {
		r := send(t, postForm(ts.URL+"/login", url.Values{"token": {tok}}))
		for _, c := range r.Cookies() {
			if c.Name == cookieName {
				return c
			}
		}
		t.Fatalf("login with %s: %d", tok, r.StatusCode)
		return nil
	}
	ts1 := newTestServer(t, st, nil)
	shared, named := login(ts1, testToken), login(ts1, aliceToken)
	ts2 := newTestServer(t, st, func(c *Config) { c.Token = "another-shared-token-Q4w8" })
	for _, tc := range []struct {
		c    *http.Cookie
		want int
	}{{shared, http.StatusUnauthorized}, {named, http.StatusOK}} {
		req, _ := http.NewRequest("GET", ts2.URL+"/api/v1/cases", nil)
		req.AddCookie(tc.c)
		if code := send(t, req).StatusCode; code != tc.want {
			t.Errorf("cookie %s after the shared token changed: %d, want %d", tc.c.Value[:4], code, tc.want)
		}
	}
}
