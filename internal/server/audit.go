package server

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// An auditLog writes one JSON object per line for each upload, view,
// deletion, re-analysis, export, login and logout, so that a desk can
// tell who saw or changed which case. Writes are serialised; a failed
// write is logged, never fatal to the request.
type auditLog struct {
	mu sync.Mutex
	w  io.Writer
}

// auditEntry is one line of the audit log.
type auditEntry struct {
	Time   time.Time      `json:"time"`
	Action string         `json:"action"`
	Who    string         `json:"who"` // a token's name; "token" for the shared token
	Remote string         `json:"remote"`
	Case   string         `json:"case,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
}

// sharedName is how the audit log and the pages name the holder of the
// shared token.
const sharedName = "token"

// displayWho names a holder for people: the token's name, or sharedName.
func displayWho(who string) string {
	if who == "" {
		return sharedName
	}
	return who
}

// audit records an action of the request's holder on a case (id may be
// empty).
func (s *Server) audit(r *http.Request, action, id string, detail map[string]any) {
	s.auditAs(r, whoOf(r), action, id, detail)
}

// auditAs is audit for a holder not yet in the request's context (a
// login).
func (s *Server) auditAs(r *http.Request, who, action, id string, detail map[string]any) {
	if s.auditLog == nil {
		return
	}
	b, err := json.Marshal(auditEntry{Time: s.now().UTC(), Action: action, Who: displayWho(who), Remote: r.RemoteAddr, Case: id, Detail: detail})
	if err != nil {
		s.log.Error("audit", "err", err)
		return
	}
	b = append(b, '\n')
	s.auditLog.mu.Lock()
	defer s.auditLog.mu.Unlock()
	if _, err := s.auditLog.w.Write(b); err != nil {
		s.log.Error("audit", "err", err)
	}
}
