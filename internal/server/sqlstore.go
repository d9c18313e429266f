package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", pure Go
)

// A dialect is what differs between SQLite and PostgreSQL.
type dialect struct {
	name string
	blob string // column type of binary data
	// skipLocked ends the subquery that picks the case to claim: with
	// PostgreSQL, FOR UPDATE SKIP LOCKED lets replicas claim at once
	// without waiting on each other or taking the same row. SQLite has
	// one writer at a time, so its claim is atomic as it is.
	skipLocked string
	// lockMigrations is run first in the migration transaction, so that
	// replicas starting together migrate one after the other.
	lockMigrations string
	dollar         bool // placeholders $1, $2… instead of ?
}

var (
	sqliteDialect   = dialect{name: "sqlite", blob: "BLOB"}
	postgresDialect = dialect{
		name: "postgres", blob: "BYTEA",
		skipLocked:     "FOR UPDATE SKIP LOCKED",
		lockMigrations: "SELECT pg_advisory_xact_lock(7707)",
		dollar:         true,
	}
)

// rebind turns the ? placeholders of q into the dialect's.
func (d dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrations are applied in order, each once, in its own transaction;
// schema_migrations records which ran. Append; never edit one that
// shipped. {{blob}} is the dialect's binary type.
var migrations = []string{
	`CREATE TABLE cases (
		id       TEXT PRIMARY KEY,
		status   TEXT NOT NULL,
		created  BIGINT NOT NULL,
		started  BIGINT NOT NULL DEFAULT 0,
		finished BIGINT NOT NULL DEFAULT 0,
		machine  TEXT NOT NULL DEFAULT '',
		files    TEXT NOT NULL DEFAULT '[]',
		error    TEXT NOT NULL DEFAULT '',
		kbs      TEXT NOT NULL DEFAULT '',
		causes   TEXT NOT NULL DEFAULT '',
		attempts INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX cases_status_created ON cases (status, created);
	CREATE INDEX cases_created ON cases (created);
	CREATE TABLE artifacts (
		case_id TEXT NOT NULL,
		name    TEXT NOT NULL,
		data    {{blob}} NOT NULL,
		PRIMARY KEY (case_id, name)
	)`,
	// Browser sessions: the key is a hash of the cookie's random ID.
	`CREATE TABLE sessions (
		hash    TEXT PRIMARY KEY,
		expires BIGINT NOT NULL
	)`,
	// A worker's claim is live while its heartbeat is fresh.
	`ALTER TABLE cases ADD COLUMN heartbeat BIGINT NOT NULL DEFAULT 0`,
	// Who uploaded a case, and the rule set it was analysed with; a
	// re-analysis keeps the previous rule set and causes to compare.
	`ALTER TABLE cases ADD COLUMN uploader TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN rules_version TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN prev_rules_version TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN prev_causes TEXT NOT NULL DEFAULT ''`,
	// Named API tokens: only a SHA-256 of each token is kept.
	`CREATE TABLE tokens (
		name    TEXT PRIMARY KEY,
		hash    TEXT NOT NULL UNIQUE,
		created BIGINT NOT NULL
	)`,
	// A session remembers whose login it is (the token's name; empty for
	// the shared token).
	`ALTER TABLE sessions ADD COLUMN who TEXT NOT NULL DEFAULT ''`,
}

// sqlStore is the Store on database/sql, for either dialect.
type sqlStore struct {
	db *sql.DB
	// rdb, when not nil, is a pool of read-only connections for the
	// queries that only read (SQLite: db is its one writer).
	rdb *sql.DB
	d   dialect
}

// OpenStore opens the store named by dsn and brings its schema up to
// date. An empty dsn is the embedded SQLite database wudiag.db in
// dataDir; "postgres://…" or "postgresql://…" is a PostgreSQL database
// (pgx connection string); "sqlite:PATH" or any other string is the
// path of a SQLite file. Another URL scheme ("mysql://…") is an error
// rather than the name of a file.
func OpenStore(ctx context.Context, dsn, dataDir string) (Store, error) {
	switch scheme, _, isURL := strings.Cut(dsn, "://"); {
	case isURL && (scheme == "postgres" || scheme == "postgresql"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		return newSQLStore(ctx, db, postgresDialect)
	case isURL && !strings.ContainsAny(scheme, `/\`):
		return nil, fmt.Errorf("database %q: unsupported scheme %q (use postgres://… or sqlite:PATH)", RedactDSN(dsn), scheme)
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		path = filepath.Join(dataDir, "wudiag.db")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// WAL lets readers go on while a case is written, and busy_timeout
	// makes a connection wait for a lock (another connection's write, a
	// second "wudiag serve" by mistake) instead of failing at once.
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One writer: SQLite has one at a time anyway, and this makes every
	// write, the claim included, atomic within the process.
	db.SetMaxOpenConns(1)
	st, err := newSQLStore(ctx, db, sqliteDialect)
	if err != nil {
		return nil, err
	}
	// And a pool of readers, which WAL lets run beside the writer, so
	// that pages and API answers do not queue behind a long write.
	rdb, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(sqliteReaders)
	rdb.SetMaxIdleConns(sqliteReaders)
	if err := rdb.PingContext(ctx); err != nil {
		db.Close()
		rdb.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	st.rdb = rdb
	return st, nil
}

// sqliteReaders is the size of SQLite's pool of read connections.
const sqliteReaders = 8

func newSQLStore(ctx context.Context, db *sql.DB, d dialect) (*sqlStore, error) {
	s := &sqlStore{db: db, d: d}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", d.name, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrate applies the migrations not yet recorded.
func (s *sqlStore) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("%s: create schema_migrations: %w", s.d.name, err)
	}
	for i, m := range migrations {
		version := i + 1
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if s.d.lockMigrations != "" {
				if _, err := tx.ExecContext(ctx, s.d.lockMigrations); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range strings.Split(strings.ReplaceAll(m, "{{blob}}", s.d.blob), ";") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO schema_migrations (version) VALUES (?)`), version)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: migration %d: %w", s.d.name, version, err)
		}
	}
	return nil
}

// read is the pool for queries that only read.
func (s *sqlStore) read() *sql.DB {
	if s.rdb != nil {
		return s.rdb
	}
	return s.db
}

func (s *sqlStore) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *sqlStore) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.d.rebind(q), args...)
}

const caseColumns = `id, status, created, started, finished, machine, files, error, kbs, causes, attempts, uploader, rules_version, prev_rules_version, prev_causes`

func scanCase(row interface{ Scan(...any) error }) (*Case, error) {
	var (
		c                          Case
		status, files, kbs, causes string
		prevCauses                 string
		created, started, finished int64
	)
	if err := row.Scan(&c.ID, &status, &created, &started, &finished, &c.Machine, &files, &c.Error, &kbs, &causes, &c.Attempts,
		&c.Uploader, &c.RulesVersion, &c.PrevRulesVersion, &prevCauses); err != nil {
		return nil, err
	}
	c.Status = Status(status)
	c.Created = fromMillis(created)
	c.Started = fromMillis(started)
	c.Finished = fromMillis(finished)
	c.KBs = splitList(kbs)
	c.Causes = splitList(causes)
	c.PrevCauses = splitList(prevCauses)
	if err := json.Unmarshal([]byte(files), &c.Files); err != nil {
		return nil, fmt.Errorf("case %s: files: %w", c.ID, err)
	}
	return &c, nil
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func (s *sqlStore) Create(ctx context.Context, c *Case) error {
	files, err := json.Marshal(c.Files)
	if err != nil {
		return err
	}
	if c.Files == nil {
		files = []byte("[]")
	}
	_, err = s.exec(ctx, `INSERT INTO cases (id, status, created, machine, files, uploader) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, string(StatusQueued), millis(c.Created), c.Machine, string(files), c.Uploader)
	if err != nil {
		return fmt.Errorf("create case %s: %w", c.ID, err)
	}
	c.Status = StatusQueued
	return nil
}

func (s *sqlStore) Get(ctx context.Context, id string) (*Case, error) {
	c, err := scanCase(s.read().QueryRowContext(ctx, s.d.rebind(`SELECT `+caseColumns+` FROM cases WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get case %s: %w", id, err)
	}
	return c, nil
}

// escapeLike escapes the LIKE wildcards of a user's search text; the
// queries say ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *sqlStore) List(ctx context.Context, f Filter) ([]*Case, error) {
	var (
		where []string
		args  []any
	)
	if f.Status != "" {
		where = append(where, `status = ?`)
		args = append(args, string(f.Status))
	}
	if f.Cause != "" {
		where = append(where, `causes LIKE ? ESCAPE '\'`)
		args = append(args, "% "+escapeLike(f.Cause)+" %")
	}
	if f.KB != "" {
		where = append(where, `kbs LIKE ? ESCAPE '\'`)
		args = append(args, "% "+escapeLike(normKB(f.KB))+" %")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(UPPER(machine) LIKE ? ESCAPE '\' OR kbs LIKE ? ESCAPE '\')`)
		p := "%" + escapeLike(strings.ToUpper(q)) + "%"
		args = append(args, p, p)
	}
	if !f.From.IsZero() {
		where = append(where, `created >= ?`)
		args = append(args, millis(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, `created < ?`)
		args = append(args, millis(f.To))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + caseColumns + ` FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY created DESC, id DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := s.read().QueryContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var cs []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return cs, nil
}

func (s *sqlStore) Claim(ctx context.Context) (*Case, error) {
	q := `UPDATE cases SET status = 'running', started = ?, heartbeat = ?, attempts = attempts + 1
		WHERE status = 'queued' AND id = (
			SELECT id FROM cases WHERE status = 'queued'
			ORDER BY created, id LIMIT 1 ` + s.d.skipLocked + `)
		RETURNING ` + caseColumns
	now := time.Now().UnixMilli()
	c, err := scanCase(s.db.QueryRowContext(ctx, s.d.rebind(q), now, now))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim case: %w", err)
	}
	return c, nil
}

func (s *sqlStore) Finish(ctx context.Context, c *Case, r *Result) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		machine := r.Machine
		if machine == "" {
			machine = c.Machine
		}
		kbs := make([]string, len(r.KBs))
		for i, kb := range r.KBs {
			kbs[i] = normKB(kb)
		}
		res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE cases SET status = ?, finished = ?, error = ?, machine = ?, kbs = ?, causes = ?, rules_version = ?
			WHERE id = ? AND status = 'running' AND attempts = ?`),
			string(r.Status), time.Now().UnixMilli(), r.Error, machine, joinList(kbs), joinList(r.Causes), r.RulesVersion, c.ID, c.Attempts)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrLost
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM artifacts WHERE case_id = ?`), c.ID); err != nil {
			return err
		}
		for name, data := range r.Artifacts {
			if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO artifacts (case_id, name, data) VALUES (?, ?, ?)`), c.ID, name, data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish case %s: %w", c.ID, err)
	}
	return nil
}

func (s *sqlStore) Release(ctx context.Context, c *Case) error {
	res, err := s.exec(ctx, `UPDATE cases SET status = 'queued', started = 0 WHERE id = ? AND status = 'running' AND attempts = ?`, c.ID, c.Attempts)
	if err != nil {
		return fmt.Errorf("release case %s: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("release case %s: %w", c.ID, ErrLost)
	}
	return nil
}

func (s *sqlStore) Heartbeat(ctx context.Context, c *Case) error {
	res, err := s.exec(ctx, `UPDATE cases SET heartbeat = ? WHERE id = ? AND status = 'running' AND attempts = ?`, time.Now().UnixMilli(), c.ID, c.Attempts)
	if err != nil {
		return fmt.Errorf("heartbeat of case %s: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("heartbeat of case %s: %w", c.ID, ErrLost)
	}
	return nil
}

// silent is the condition of a running case with no sign of life since
// ?: the later of its claim and its last heartbeat (a claim made by a
// version without heartbeats has only the former).
const silent = `status = 'running' AND CASE WHEN heartbeat > started THEN heartbeat ELSE started END < ?`

func (s *sqlStore) Requeue(ctx context.Context, silentSince time.Time) (int, error) {
	before := silentSince.UnixMilli()
	_, err := s.exec(ctx, `UPDATE cases SET status = 'failed', finished = ?, error = ?
		WHERE `+silent+` AND attempts >= ?`,
		time.Now().UnixMilli(), fmt.Sprintf("analysis stopped without a result %d times (worker killed or restarted); giving up", maxAttempts), before, maxAttempts)
	if err != nil {
		return 0, fmt.Errorf("requeue: %w", err)
	}
	res, err := s.exec(ctx, `UPDATE cases SET status = 'queued', started = 0, heartbeat = 0 WHERE `+silent, before)
	if err != nil {
		return 0, fmt.Errorf("requeue: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (s *sqlStore) CreateSession(ctx context.Context, key, who string, expires time.Time) error {
	if _, err := s.exec(ctx, `INSERT INTO sessions (hash, expires, who) VALUES (?, ?, ?)`, key, millis(expires), who); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

func (s *sqlStore) Session(ctx context.Context, key string, now time.Time) (string, bool, error) {
	var who string
	err := s.read().QueryRowContext(ctx, s.d.rebind(`SELECT who FROM sessions WHERE hash = ? AND expires > ?`), key, millis(now)).Scan(&who)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("session: %w", err)
	}
	return who, true, nil
}

func (s *sqlStore) DeleteSession(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, key); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteSessions(ctx context.Context, expiredBefore time.Time) error {
	if _, err := s.exec(ctx, `DELETE FROM sessions WHERE expires <= ?`, millis(expiredBefore)); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	return nil
}

func (s *sqlStore) Artifact(ctx context.Context, id, name string) ([]byte, error) {
	var data []byte
	err := s.read().QueryRowContext(ctx, s.d.rebind(`SELECT data FROM artifacts WHERE case_id = ? AND name = ?`), id, name).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("artifact %s of case %s: %w", name, id, err)
	}
	return data, nil
}

func (s *sqlStore) Delete(ctx context.Context, createdBefore time.Time) ([]string, error) {
	var ids []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ids = ids[:0]
		rows, err := tx.QueryContext(ctx, s.d.rebind(`SELECT id FROM cases WHERE created < ? AND status <> 'running'`), millis(createdBefore))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM artifacts WHERE case_id = ?`), id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM cases WHERE id = ?`), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete old cases: %w", err)
	}
	return ids, nil
}

func (s *sqlStore) Close() error {
	if s.rdb != nil {
		s.rdb.Close()
	}
	return s.db.Close()
}

// RedactDSN returns dsn with every password in it replaced by ***, for
// logs and error messages: the one in the user information of a URL
// (postgres://user:pass@host) and any password= parameter, in a URL's
// query (?password=…) or a key=value connection string (password=…).
func RedactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		// The user information ends at the last @ before the query.
		rest := dsn[i+3:]
		if q := strings.IndexAny(rest, "?#"); q >= 0 {
			rest = rest[:q]
		}
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if user, _, ok := strings.Cut(rest[:at], ":"); ok {
				dsn = dsn[:i+3] + user + ":***" + dsn[i+3+at:]
			}
		}
	}
	return passwordParam.ReplaceAllString(dsn, "${1}***")
}

// passwordParam matches the value of a password parameter: in a query
// string (up to & or #) or a key=value list (up to a space), quoted or not.
var passwordParam = regexp.MustCompile(`(?i)((?:^|[?&;\s])(?:password|passwd|pwd|sslpassword)\s*=\s*)('(?:[^'\\]|\\.)*'|[^&#\s;]*)`)
