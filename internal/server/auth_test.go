package server

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWeakTokensRefused(t *testing.T) {
	st := sqliteStore(t)
	for _, tok := range []string{"s3cret", "test-token", "aaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababab", "0123456"} {
		if _, err := New(Config{Store: st, DataDir: t.TempDir(), Token: tok}); !errors.Is(err, ErrWeakToken) {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	for range 100 {
		if tok := NewToken(); CheckToken(tok) != nil {
			t.Fatalf("generated token %q refused", tok)
		}
	}
}

// fakeClock is a settable clock for the sessions and the backoff.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func send(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// The login cookie is a random session, not the token, kept by the
// server and revoked at logout; nothing is cached.
func TestSessions(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	form := url.Values{"token": {testToken}, "next": {"/"}}
	resp := send(t, postForm(ts.URL+"/login", form))
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			cookie = c
		}
	}
	if cookie == nil || strings.Contains(cookie.Value, testToken) || len(cookie.Value) < 20 {
		t.Fatalf("login cookie %+v", cookie)
	}
	page := func() *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/cases", nil)
		req.AddCookie(cookie)
		return send(t, req)
	}
	if r := page(); r.StatusCode != 200 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("with the session: %d %q", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	// A cookie holding the token itself is no session.
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/cases", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
	if r := send(t, req); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("token as cookie: %d", r.StatusCode)
	}
	// Logout revokes the session on the server: the old cookie is dead.
	req, _ = http.NewRequest("POST", ts.URL+"/logout", nil)
	req.AddCookie(cookie)
	if r := send(t, req); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	if r := page(); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout the old cookie gives %d", r.StatusCode)
	}
	// A stale cookie is no guess: a browser sending it page after page
	// is not made to wait, and is told to drop it.
	for range 3 * freeFailures {
		r := page()
		if r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("stale cookie: %d", r.StatusCode)
		}
		if len(r.Cookies()) == 0 || r.Cookies()[0].MaxAge >= 0 {
			t.Fatalf("stale cookie not dropped: %v", r.Cookies())
		}
	}
	for _, path := range []string{"/login", "/healthz", "/"} {
		if r := send(t, mustRequest("GET", ts.URL+path)); r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, r.Header.Get("Cache-Control"))
		}
	}
}

// Sessions expire.
func TestSessionExpires(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	ts := newTestServer(t, nil, nil)
	ts.now = clock.now
	resp := send(t, postForm(ts.URL+"/login", url.Values{"token": {testToken}}))
	req := mustRequest("GET", ts.URL+"/api/v1/cases")
	req.AddCookie(resp.Cookies()[0])
	if r := send(t, req); r.StatusCode != 200 {
		t.Fatalf("fresh session: %d", r.StatusCode)
	}
	clock.add(sessionLife + time.Minute)
	if r := send(t, req); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired session: %d", r.StatusCode)
	}
}

func mustRequest(method, u string) *http.Request {
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		panic(err)
	}
	return req
}

// Wrong tokens from one address make it wait, longer each time; its
// failures are logged sampled.
func TestBackoff(t *testing.T) {
	logs := &logBuffer{}
	clock := &fakeClock{t: time.Now()}
	ts := newTestServer(t, nil, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	ts.now = clock.now
	api := func(tok string) *http.Response {
		req := mustRequest("GET", ts.URL+"/api/v1/cases")
		req.Header.Set("Authorization", "Bearer "+tok)
		return send(t, req)
	}
	for i := range freeFailures {
		if r := api("wrong"); r.StatusCode != http.StatusUnauthorized || !r.Close {
			t.Fatalf("wrong token %d: %d, close %v", i, r.StatusCode, r.Close)
		}
	}
	if r := api(testToken); r.StatusCode != 200 {
		t.Fatalf("right token within the allowance: %d", r.StatusCode)
	}
	// The right token cleared the count; fail past the allowance.
	for range freeFailures + 1 {
		api("wrong")
	}
	r := api(testToken)
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !r.Close {
		t.Fatalf("after %d failures: %d %q", freeFailures+1, r.StatusCode, r.Header.Get("Retry-After"))
	}
	// The login form too.
	if r := send(t, postForm(ts.URL+"/login", url.Values{"token": {testToken}})); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("login while waiting: %d", r.StatusCode)
	}
	clock.add(firstPenalty)
	if r := api(testToken); r.StatusCode != 200 {
		t.Fatalf("after the wait: %d", r.StatusCode)
	}
	// Each failure past the allowance doubles the wait.
	for range freeFailures {
		api("wrong")
	}
	for k := range 5 {
		clock.add(maxPenalty)
		api("wrong")
		clock.add(firstPenalty<<k - time.Millisecond)
		if r := api(testToken); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("penalty %d shorter than %v", k, firstPenalty<<k)
		}
	}
	// 30 logged failures in a row: sampled.
	ts.guard.forget("127.0.0.1")
	for range 30 {
		clock.add(maxPenalty)
		send(t, postForm(ts.URL+"/login", url.Values{"token": {"wrong"}}))
	}
	if n := strings.Count(logs.String(), "login refused"); n < 1 || n > 3 {
		t.Errorf("%d log lines for 30 wrong logins", n)
	}
}

// A client without the token is answered at once, before its body is
// read, and its connection is closed.
func TestUnauthenticatedUploadClosed(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	conn, err := net.Dial("tcp", ts.http.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A body small enough that the server would otherwise read the rest
	// of it after answering, to keep the connection.
	io.WriteString(conn, "POST /api/v1/cases?name=b.zip HTTP/1.1\r\nHost: x\r\nContent-Type: application/zip\r\nContent-Length: 100000\r\n\r\nPK")
	// Generous bound: only a connection left open waits for it.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Fatalf("%d, Connection: %q", resp.StatusCode, resp.Header.Get("Connection"))
	}
	// The server hangs up rather than wait for the rest.
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("connection still open: %v", err)
	}
}

func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(inner, 2)
	defer ln.Close()
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	a, _ := ln.Accept()
	ln.Accept()
	third := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			third <- c
		}
	}()
	select {
	case <-third:
		t.Fatal("a third connection was accepted while two were open")
	case <-time.After(50 * time.Millisecond):
	}
	a.Close()
	a.Close() // a second close gives nothing back twice
	c := <-third
	c.Close()
}
