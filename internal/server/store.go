package server

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Status is where a case is in its life: queued, running, done or failed.
type Status string

// The statuses of a case. A case is queued when uploaded, running while a
// worker analyses it, and done or failed once the worker is finished.
const (
	StatusQueued  Status = "queued"
	StatusRunning Status = "running"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
)

// Errors returned by a Store.
var (
	// ErrNotFound is returned for a case ID that is not stored.
	ErrNotFound = errors.New("case not found")
	// ErrLost is returned by Finish and Release when the case is no
	// longer held by the caller's claim: it was requeued after its lease
	// ran out and claimed again, or deleted.
	ErrLost = errors.New("case no longer held by this claim")
	// ErrBusy is returned by Reanalyse for a case queued or running.
	ErrBusy = errors.New("case is queued or being analysed")
	// ErrExists is returned by AddToken for a name already taken.
	ErrExists = errors.New("a token with that name exists")
)

// A TokenInfo describes a named token; the token itself is not kept.
type TokenInfo struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// A Case is one uploaded bundle and what its analysis found.
type Case struct {
	ID       string
	Status   Status
	Created  time.Time
	Started  time.Time // when the last claim began; zero while queued
	Finished time.Time // zero until done or failed
	// Machine is the machine's name, given at upload or found in the
	// event logs. Files are the uploaded files' names as the client gave
	// them: metadata only, never used as paths.
	Machine string
	Files   []string
	// Error says why the analysis failed (status failed).
	Error string
	// KBs are the failing updates (upper case) and Causes the ranked
	// cause IDs, best first, once done.
	KBs    []string
	Causes []string
	// Attempts counts the claims: a case whose worker vanished is queued
	// again, up to maxAttempts.
	Attempts int
	// Uploader names who uploaded the case: a named token's name, or
	// empty for the shared token.
	Uploader string
	// RulesVersion is the version of the rule set the last analysis used
	// (see RulesVersion). A re-analysis keeps the previous one and its
	// causes in PrevRulesVersion and PrevCauses, so that the case says
	// what changed.
	RulesVersion     string
	PrevRulesVersion string
	PrevCauses       []string
}

// A Result is what a worker leaves when it finishes a case.
type Result struct {
	Status  Status // StatusDone or StatusFailed
	Error   string
	Machine string // replaces Case.Machine when not empty
	KBs     []string
	Causes  []string
	// RulesVersion is the version of the rule set used.
	RulesVersion string
	// Artifacts are stored blobs by name: the JSON contract and the HTML
	// report in each language (see artifactName), the bundle's problems.
	Artifacts map[string][]byte
}

// A Filter selects cases for List. Empty fields select everything.
type Filter struct {
	Status Status
	Cause  string // a cause ID among the case's findings
	KB     string // a failing update, "KB5034441" or "5034441"
	// Query matches the machine name or a failing KB, in part and
	// without regard to case.
	Query    string
	From, To time.Time // created in [From, To)
	Limit    int       // 0 means 100
}

// A Store keeps cases, their queue and their results. Both
// implementations (SQLite and PostgreSQL) are the same SQL behind this
// interface; its methods are safe for concurrent use, and for use by
// several processes on one PostgreSQL database.
type Store interface {
	// Create stores a new queued case.
	Create(ctx context.Context, c *Case) error
	// Get returns the case with the ID, or ErrNotFound.
	Get(ctx context.Context, id string) (*Case, error)
	// List returns the cases that match f, newest first.
	List(ctx context.Context, f Filter) ([]*Case, error)
	// Claim marks the oldest queued case running and returns it, or
	// returns nil when none is queued. Concurrent claims, from any
	// process, never return the same case.
	Claim(ctx context.Context) (*Case, error)
	// Finish records the result of the claim c (matched by ID and
	// Attempts) and its artifacts; ErrLost when the claim was lost.
	Finish(ctx context.Context, c *Case, r *Result) error
	// Release puts the claimed case c back in the queue, for a worker
	// stopped before it could finish.
	Release(ctx context.Context, c *Case) error
	// Heartbeat tells that the claim c is alive: a worker calls it
	// every Config.HeartbeatInterval while it holds the case. ErrLost
	// when the claim was lost.
	Heartbeat(ctx context.Context, c *Case) error
	// Requeue puts back in the queue the running cases whose last sign
	// of life (claim or heartbeat) is older than the time (their worker
	// died), and fails those that were already claimed maxAttempts
	// times. It returns how many it requeued.
	Requeue(ctx context.Context, silentSince time.Time) (int, error)
	// Artifact returns a stored blob of the case, or ErrNotFound.
	Artifact(ctx context.Context, id, name string) ([]byte, error)
	// Delete removes the cases created before the time, with their
	// artifacts, and returns their IDs so that their folders can go.
	Delete(ctx context.Context, createdBefore time.Time) ([]string, error)
	// DeleteCase removes one case and its artifacts, whatever its
	// status (a worker holding it then loses its claim), or returns
	// ErrNotFound.
	DeleteCase(ctx context.Context, id string) error
	// Trends counts the done cases created at or after since by UTC day,
	// per cause and per failing KB, for the trends page; cause and kb,
	// when not empty, keep only the cases with that cause or KB.
	Trends(ctx context.Context, since time.Time, cause, kb string) ([]TrendRow, error)
	// Reanalyse queues a done or failed case again, keeping its rule set
	// version and causes as the previous ones; ErrNotFound when there is
	// no such case, ErrBusy when it is queued or running.
	Reanalyse(ctx context.Context, id string) error
	// AddToken stores a named API token by its hash (ErrExists when the
	// name is taken); Tokens lists them, oldest first; RevokeToken
	// deletes one and the sessions logged in with it (ErrNotFound when
	// there is none); TokenName returns the name of the token with the
	// hash, or ErrNotFound.
	AddToken(ctx context.Context, name, hash string, created time.Time) error
	Tokens(ctx context.Context) ([]TokenInfo, error)
	RevokeToken(ctx context.Context, name string) error
	TokenName(ctx context.Context, hash string) (string, error)
	// CreateSession stores a browser session by its key (a hash of the
	// cookie's ID, never the ID itself) until it expires; who is the
	// name of the token that logged in (empty for the shared token).
	CreateSession(ctx context.Context, key, who string, expires time.Time) error
	// Session reports whether the session with the key exists and is
	// not expired at now, and whose it is.
	Session(ctx context.Context, key string, now time.Time) (who string, ok bool, err error)
	// DeleteSession revokes a session (logout); DeleteSessions removes
	// those expired before the time.
	DeleteSession(ctx context.Context, key string) error
	DeleteSessions(ctx context.Context, expiredBefore time.Time) error
	// Close releases the database.
	Close() error
}

// maxAttempts is how many times a case is claimed before a vanished
// worker is taken to mean that the bundle kills the worker.
const maxAttempts = 3

// artifactName names the stored form of a case's diagnosis: kind is
// "json" or "html", lang "en" or "ja".
func artifactName(kind, lang string) string { return kind + "." + lang }

// artifactProblems names the JSON list of what the bundle reader skipped.
const artifactProblems = "problems.json"

// joinList stores a list as " a b c " so that one item can be matched
// with LIKE '% b %' in either database.
func joinList(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return " " + strings.Join(items, " ") + " "
}

func splitList(s string) []string { return strings.Fields(s) }

// normKB spells a KB the way the store keeps it: "KB" and the digits.
func normKB(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s != "" && !strings.HasPrefix(s, "KB") && strings.Trim(s, "0123456789") == "" {
		s = "KB" + s
	}
	return s
}
