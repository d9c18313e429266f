package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token strength: a shared token is guessed offline-free only through
// the login form and the API, which back off, but a short or repetitive
// one ("s3cret") is still one guess list away. NewToken's are 26
// characters of base32.
const (
	minTokenLen      = 16
	minTokenDistinct = 8
)

// ErrWeakToken is returned by CheckToken and New for a token too easy to guess.
var ErrWeakToken = fmt.Errorf("access token too weak: use at least %d characters with at least %d different ones (with no token, wudiag serve makes a random one)", minTokenLen, minTokenDistinct)

// CheckToken reports whether tok is strong enough to be the access
// token: at least 16 characters, at least 8 of them different.
func CheckToken(tok string) error {
	distinct := map[rune]bool{}
	for _, r := range tok {
		distinct[r] = true
	}
	if len([]rune(tok)) < minTokenLen || len(distinct) < minTokenDistinct {
		return ErrWeakToken
	}
	return nil
}

// cookieName is the cookie the login form sets. It holds a random
// session ID, never the token; the store keeps only a hash of it.
const cookieName = "wudiag_session"

// sessionLife is how long a login lasts.
const sessionLife = 30 * 24 * time.Hour

// sessionKey is what the store keeps of a session ID: a hash of it, so
// that the database never holds a usable cookie.
func (s *Server) sessionKey(id string) string {
	sum := sha256.Sum256([]byte("wudiag-session\x00" + id))
	return hex.EncodeToString(sum[:])
}

// sharedPrefix starts the stored holder of a session logged in with the
// shared token; a fingerprint of that token follows, so that changing
// the shared token ends its sessions while named tokens' sessions (whose
// holder is the token's name, which has no ':') outlive a restart with
// a new one.
const sharedPrefix = "token:"

// sessionWho is the holder stored for a login by who.
func (s *Server) sessionWho(who string) string {
	if who != "" {
		return who
	}
	sum := sha256.Sum256(s.token[:])
	return sharedPrefix + hex.EncodeToString(sum[:8])
}

// sessionHolder turns a stored holder back into who (see sessionWho);
// ok is false for a session of a shared token that is no longer the
// server's.
func (s *Server) sessionHolder(stored string) (who string, ok bool) {
	if strings.HasPrefix(stored, sharedPrefix) {
		return "", stored == s.sessionWho("")
	}
	return stored, stored != ""
}

// credentials are what a request offers to prove it may pass.
type credentials struct {
	bearer  string // from "Authorization: Bearer …"
	session string // the login cookie's session ID
	bad     bool   // an Authorization header that is not a bearer token
}

func credentialsOf(r *http.Request) credentials {
	var c credentials
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			c.bad = true
			return c
		}
		c.bearer = strings.TrimSpace(tok)
	} else if ck, err := r.Cookie(cookieName); err == nil {
		c.session = ck.Value
	}
	return c
}

// tokenOK compares tok with the access token in constant time.
func (s *Server) tokenOK(tok string) bool {
	sum := sha256.Sum256([]byte(tok))
	return subtle.ConstantTimeCompare(sum[:], s.token[:]) == 1
}

// HashToken is how a named token is kept at rest, in a tokens file and
// in the store: "sha256:" and the hex SHA-256 of the token. Tokens are
// random (NewToken), so a plain hash is as good as a slow one.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// identify returns who holds tok: "" for the shared token, else the
// name of a named token from Config.Tokens or the store. ok is false for
// an unknown token.
func (s *Server) identify(ctx context.Context, tok string) (who string, ok bool, err error) {
	if s.tokenOK(tok) {
		return "", true, nil
	}
	h := HashToken(tok)
	if name, found := s.cfg.Tokens[h]; found {
		return name, true, nil
	}
	name, err := s.store.TokenName(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return name, true, nil
}

// whoKey keys the name of the request's holder in its context.
type whoKey struct{}

// whoOf is who made the authenticated request r: a token's name, or ""
// for the shared token.
func whoOf(r *http.Request) string {
	w, _ := r.Context().Value(whoKey{}).(string)
	return w
}

// authorized reports whether r carries the shared token or a named one
// as a bearer token, or the cookie of a live session, and whose it is.
func (s *Server) authorized(r *http.Request, c credentials) (string, bool) {
	switch {
	case c.bad:
		return "", false
	case c.bearer != "":
		who, ok, err := s.identify(r.Context(), c.bearer)
		if err != nil {
			s.log.Error("check token", "err", err)
		}
		return who, ok
	case c.session != "" && len(c.session) <= 64:
		stored, ok, err := s.store.Session(r.Context(), s.sessionKey(c.session), s.now())
		if err != nil {
			s.log.Error("check session", "err", err)
		}
		if !ok {
			return "", false
		}
		return s.sessionHolder(stored)
	}
	return "", false
}

// refuse answers an unauthenticated request and closes the connection,
// so that a client without the token cannot keep it open (with a slow
// body, say) once answered.
func refuse(w http.ResponseWriter, code int, msg string) {
	hangUp(w)
	writeError(w, code, msg)
}

// hangUp makes the answer being written the last on its connection, and
// reads nothing more from the client: net/http would otherwise read up
// to 256 KB of an unread body after the answer, at the client's pace.
func hangUp(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	http.NewResponseController(w).SetReadDeadline(time.Now())
}

// tooMany answers a client that must wait before it tries again.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
	refuse(w, http.StatusTooManyRequests, "too many wrong access tokens from this address; try again later")
}

// requireToken lets through requests with the token or a session; it
// answers 401 to API requests and other writes without them, and sends
// browsers to the login page. A client past its allowance of wrong
// tokens gets 429 without its credentials being looked at. It runs
// before any body is read, and before an upload's deadline is extended.
func (s *Server) requireToken(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientAddr(r)
		if wait := s.guard.wait(addr); wait > 0 {
			tooMany(w, wait)
			return
		}
		c := credentialsOf(r)
		if who, ok := s.authorized(r, c); ok {
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), whoKey{}, who)))
			return
		}
		// Wrong tokens count against the client. A stale session does
		// not (a browser sends its cookie with every page until the next
		// login, and a 130-bit random ID is not guessed): it is dropped.
		if c.bearer != "" || c.bad {
			s.failedAuth(r, addr, "wrong access token")
		}
		if c.session != "" {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
		}
		if strings.HasPrefix(r.URL.Path, "/api/") || r.Method != http.MethodGet {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wudiag"`)
			refuse(w, http.StatusUnauthorized, "missing or wrong access token")
			return
		}
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	})
}

// failedAuth counts a wrong token or session against the client and
// logs it, sampled: the 1st, 10th, 100th… failure of an address in a
// row, so that a guessing client cannot fill the log.
func (s *Server) failedAuth(r *http.Request, addr, what string) {
	n := s.guard.fail(addr)
	for k := 1; k <= n; k *= 10 {
		if k == n {
			s.log.Warn(what, "remote", r.RemoteAddr, "failures", n)
			return
		}
	}
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login.html", s.newPage(r, "wudiag", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Bad": ""}))
}

// login checks the token from the form and starts a session: a random
// ID in an HttpOnly, SameSite=Strict cookie (Secure behind TLS), kept
// hashed in the store, revoked at logout.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	addr := clientAddr(r)
	next := "/"
	bad := func(code int, label string) {
		hangUp(w)
		s.render(w, r, code, "login.html", s.newPage(r, "wudiag", map[string]any{"Next": next, "Bad": label}))
	}
	if wait := s.guard.wait(addr); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
		bad(http.StatusTooManyRequests, "tooMany")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	tok := strings.TrimSpace(r.PostFormValue("token"))
	next = safeNext(r.PostFormValue("next"))
	var (
		who string
		ok  bool
		err error
	)
	if tok != "" {
		who, ok, err = s.identify(r.Context(), tok)
	}
	if err != nil {
		code, msg := s.failure("login", err)
		http.Error(w, msg, code)
		return
	}
	if !ok {
		if tok != "" {
			s.failedAuth(r, addr, "login refused")
			s.audit(r, "login_refused", "", nil)
		}
		bad(http.StatusUnauthorized, "badToken")
		return
	}
	s.guard.forget(addr)
	id := rand.Text()
	if err := s.store.CreateSession(r.Context(), s.sessionKey(id), s.sessionWho(who), s.now().Add(sessionLife)); err != nil {
		code, msg := s.failure("login", err)
		http.Error(w, msg, code)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: id, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https", SameSite: http.SameSiteStrictMode,
		MaxAge: int(sessionLife / time.Second),
	})
	s.auditAs(r, who, "login", "", nil)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session in the store, not only in the browser: a
// copied cookie stops working too.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c := credentialsOf(r); c.session != "" {
		if err := s.store.DeleteSession(r.Context(), s.sessionKey(c.session)); err != nil {
			s.log.Error("logout", "err", err)
		}
	}
	s.audit(r, "logout", "", nil)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// clientAddr is the address wrong tokens are counted against: the peer's
// IP, or its /64 for IPv6 (one host usually has a whole /64). Behind a
// proxy this is the proxy.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() != nil {
		return host
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// Backoff for wrong tokens, per client address: the first freeFailures
// in a row cost nothing; each further one makes the client wait twice as
// long as the last, from firstPenalty up to maxPenalty, during which its
// requests are answered 429 unread. A right token clears the count; so
// does forgetAfter without a failure.
const (
	freeFailures = 5
	firstPenalty = time.Second
	maxPenalty   = 5 * time.Minute
	forgetAfter  = 15 * time.Minute
	// maxClients bounds the memory of the guard: past it, clients idle
	// longest are forgotten first.
	maxClients = 100_000
)

// A guard counts wrong tokens per client address. Its methods are safe
// for concurrent use.
type guard struct {
	mu      sync.Mutex
	now     func() time.Time
	clients map[string]*strikes
}

type strikes struct {
	n     int       // failures in a row
	last  time.Time // of the last failure
	until time.Time // the client waits until then
}

func newGuard(now func() time.Time) *guard {
	return &guard{now: now, clients: map[string]*strikes{}}
}

// wait is how long addr must still wait before it is heard, 0 if not.
func (g *guard) wait(addr string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.clients[addr]
	if st == nil {
		return 0
	}
	return max(st.until.Sub(g.now()), 0)
}

// fail counts a wrong token from addr and returns its failures in a row.
func (g *guard) fail(addr string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	st := g.clients[addr]
	if st != nil && now.Sub(st.last) > forgetAfter {
		st = nil
	}
	if st == nil {
		if len(g.clients) >= maxClients {
			g.prune(now)
		}
		st = &strikes{}
		g.clients[addr] = st
	}
	st.n++
	st.last = now
	if k := st.n - freeFailures; k > 0 {
		p := maxPenalty
		if k < 20 {
			p = min(firstPenalty<<(k-1), maxPenalty)
		}
		st.until = now.Add(p)
	}
	return st.n
}

// forget clears addr's failures (it gave the right token).
func (g *guard) forget(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.clients, addr)
}

// prune forgets the clients idle past forgetAfter and, if that is not
// enough, the half idle longest. Called with g.mu held.
func (g *guard) prune(now time.Time) {
	for a, st := range g.clients {
		if now.Sub(st.last) > forgetAfter && !now.Before(st.until) {
			delete(g.clients, a)
		}
	}
	if len(g.clients) < maxClients {
		return
	}
	cut := now.Add(-forgetAfter / 2)
	for a, st := range g.clients {
		if st.last.Before(cut) || len(g.clients) >= maxClients {
			delete(g.clients, a)
		}
	}
}
