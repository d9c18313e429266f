package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

// postgresStore opens a store in a new schema of the database named by
// WUDIAG_TEST_POSTGRES (dropped after the test), or skips the test.
func postgresStore(t testing.TB) (open func() Store) {
	t.Helper()
	dsn := sharedtest.PeerEnv(t, "WUDIAG_TEST_POSTGRES", "PostgreSQL server")
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := "wudiag_test_" + newID()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return func() Store {
		st, err := OpenStore(ctx, u.String(), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

func sqliteStore(t testing.TB) Store {
	st, err := OpenStore(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestStoreSQLite(t *testing.T) { testStore(t, sqliteStore(t)) }

func TestStorePostgres(t *testing.T) {
	open := postgresStore(t)
	st := open()
	// A second process migrating the same database is a no-op.
	open()
	testStore(t, st)
}

// testStore is the contract every Store keeps.
func testStore(t *testing.T, st Store) {
	ctx := context.Background()
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i := range 3 {
		c := &Case{ID: fmt.Sprintf("case%d", i), Created: base.Add(time.Duration(i) * time.Minute), Files: []string{"a.zip"}, Machine: "PC-" + fmt.Sprint(i)}
		if err := st.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown: %v", err)
	}
	// Claims go oldest first.
	c0, err := st.Claim(ctx)
	if err != nil || c0 == nil || c0.ID != "case0" || c0.Status != StatusRunning || c0.Attempts != 1 {
		t.Fatalf("Claim: %+v %v", c0, err)
	}
	res := &Result{Status: StatusDone, KBs: []string{"kb5034441", "5034122"}, Causes: []string{"recovery_partition", "disk_storage"},
		Artifacts: map[string][]byte{"json.en": []byte(`{"schema_version":1}`), "html.en": []byte("<html>\x00\xff")}}
	if err := st.Finish(ctx, c0, res); err != nil {
		t.Fatal(err)
	}
	// A second finish of the same claim is lost.
	if err := st.Finish(ctx, c0, res); !errors.Is(err, ErrLost) {
		t.Errorf("second Finish: %v", err)
	}
	got, err := st.Get(ctx, "case0")
	if err != nil || got.Status != StatusDone || strings.Join(got.KBs, ",") != "KB5034441,KB5034122" || got.Causes[0] != "recovery_partition" ||
		got.Machine != "PC-0" || !got.Created.Equal(base) || got.Finished.IsZero() || got.Files[0] != "a.zip" {
		t.Errorf("Get done: %+v %v", got, err)
	}
	if b, err := st.Artifact(ctx, "case0", "html.en"); err != nil || string(b) != "<html>\x00\xff" {
		t.Errorf("Artifact: %q %v", b, err)
	}
	if _, err := st.Artifact(ctx, "case0", "html.ja"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing artifact: %v", err)
	}

	for _, tc := range []struct {
		f    Filter
		want []string
	}{
		{Filter{}, []string{"case2", "case1", "case0"}},
		{Filter{Status: StatusQueued}, []string{"case2", "case1"}},
		{Filter{Cause: "disk_storage"}, []string{"case0"}},
		{Filter{Cause: "disk"}, nil},
		{Filter{KB: "5034441"}, []string{"case0"}},
		{Filter{KB: "503444"}, nil},
		{Filter{Query: "pc-1"}, []string{"case1"}},
		{Filter{Query: "kb50341"}, []string{"case0"}},
		{Filter{Query: "%"}, nil},
		{Filter{From: base.Add(time.Minute)}, []string{"case2", "case1"}},
		{Filter{To: base.Add(time.Minute)}, []string{"case0"}},
		{Filter{Limit: 1}, []string{"case2"}},
	} {
		cs, err := st.List(ctx, tc.f)
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("List(%+v) = %v, %v; want %v", tc.f, ids, err, tc.want)
		}
	}

	// Release, then requeue of a lost claim, then failure after maxAttempts.
	c1, _ := st.Claim(ctx)
	if err := st.Release(ctx, c1); err != nil {
		t.Fatal(err)
	}
	for attempt := 2; attempt <= maxAttempts+1; attempt++ {
		c, _ := st.Claim(ctx)
		if c == nil || c.ID != "case1" || c.Attempts != attempt {
			t.Fatalf("claim %d: %+v", attempt, c)
		}
		n, err := st.Requeue(ctx, time.Now().Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := st.Get(ctx, "case1")
		if attempt < maxAttempts && (n != 1 || got.Status != StatusQueued) {
			t.Fatalf("requeue %d: %d %s", attempt, n, got.Status)
		}
		if attempt >= maxAttempts {
			if got.Status != StatusFailed || got.Error == "" {
				t.Fatalf("after %d attempts: %+v", attempt, got)
			}
			break
		}
		// The old claim is lost.
		if err := st.Finish(ctx, c, res); !errors.Is(err, ErrLost) {
			t.Errorf("finish of a requeued claim: %v", err)
		}
	}

	ids, err := st.Delete(ctx, base.Add(90*time.Second))
	if err != nil || !slices.Equal(ids, []string{"case0", "case1"}) && !slices.Equal(ids, []string{"case1", "case0"}) {
		t.Errorf("Delete: %v %v", ids, err)
	}
	if _, err := st.Artifact(ctx, "case0", "json.en"); !errors.Is(err, ErrNotFound) {
		t.Errorf("artifact after delete: %v", err)
	}
	testHeartbeat(t, st)
	testConcurrentClaims(t, st)
}

// testHeartbeat: a claim that beats is not requeued for its age; one
// that stopped beating is.
func testHeartbeat(t *testing.T, st Store) {
	ctx := context.Background()
	// Older than every other queued case: claimed first.
	if err := st.Create(ctx, &Case{ID: "beat0", Created: time.Now().Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c, err := st.Claim(ctx)
	if err != nil || c == nil || c.ID != "beat0" {
		t.Fatalf("claim: %+v %v", c, err)
	}
	// Times in milliseconds: let a few go by either side of mid.
	time.Sleep(5 * time.Millisecond)
	mid := time.Now()
	time.Sleep(5 * time.Millisecond)
	if err := st.Heartbeat(ctx, c); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Requeue(ctx, mid); err != nil || n != 0 {
		t.Errorf("requeue of a claim that beat since: %d %v", n, err)
	}
	if n, err := st.Requeue(ctx, time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Errorf("requeue of a silent claim: %d %v", n, err)
	}
	if err := st.Heartbeat(ctx, c); !errors.Is(err, ErrLost) {
		t.Errorf("heartbeat of a requeued claim: %v", err)
	}
	c, _ = st.Claim(ctx)
	if c == nil || c.ID != "beat0" {
		t.Fatalf("claim again: %+v", c)
	}
	if err := st.Finish(ctx, c, &Result{Status: StatusDone}); err != nil {
		t.Fatal(err)
	}
}

// testConcurrentClaims claims from many goroutines at once: every queued
// case is claimed exactly once.
func testConcurrentClaims(t *testing.T, st Store) {
	ctx := context.Background()
	const n = 60
	for i := range n {
		if err := st.Create(ctx, &Case{ID: fmt.Sprintf("many%03d", i), Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu   sync.Mutex
		seen = map[string]int{}
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for {
				c, err := st.Claim(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if c == nil {
					return
				}
				mu.Lock()
				seen[c.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	claimed := 0
	for id, k := range seen {
		if strings.HasPrefix(id, "many") {
			claimed++
		}
		if k != 1 {
			t.Errorf("%s claimed %d times", id, k)
		}
	}
	if claimed != n {
		t.Errorf("claimed %d of %d", claimed, n)
	}
}

// TestPostgresReplicas runs two servers on one PostgreSQL database and
// one shared data folder, as replicas behind a load balancer: cases
// posted to either are analysed once each, by either.
func TestPostgresReplicas(t *testing.T) {
	open := postgresStore(t)
	dir := t.TempDir()
	shared := func(c *Config) { c.DataDir = dir; c.Workers = 2 }
	a := newTestServer(t, open(), shared)
	b := newTestServer(t, open(), shared)
	zip := exampleZip(t)
	var ids []string
	for i := range 20 {
		ts := a
		if i%2 == 1 {
			ts = b
		}
		ids = append(ids, ts.postZip(t, zip))
	}
	for i, id := range ids {
		// Read back through the other replica.
		ts := b
		if i%2 == 1 {
			ts = a
		}
		if r := ts.wait(t, id, "en"); r.Status != "done" || len(r.Findings) == 0 {
			t.Errorf("case %s: %+v", id, r)
		}
	}
	var out struct{ Cases []caseJSON }
	a.do(t, "GET", "/api/v1/cases?limit=1000", "", nil, &out)
	if len(out.Cases) != len(ids) {
		t.Errorf("%d cases stored, want %d", len(out.Cases), len(ids))
	}
	for _, c := range out.Cases {
		if got, _ := a.store.Get(context.Background(), c.ID); got.Attempts != 1 {
			t.Errorf("case %s analysed %d times", c.ID, got.Attempts)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://triage:s3cret@db.example/wudiag?sslmode=require":          "postgres://triage:***@db.example/wudiag?sslmode=require",
		"postgres://triage@db.example/wudiag":                                 "postgres://triage@db.example/wudiag",
		"postgres://u:p@ss:w@rd@host/db":                                      "postgres://u:***@host/db",
		"sqlite:/var/lib/wudiag/cases.db":                                     "sqlite:/var/lib/wudiag/cases.db",
		"postgres://triage@db.example/wudiag?password=s3cret&sslmode=require": "postgres://triage@db.example/wudiag?password=***&sslmode=require",
		"postgres://db.example/wudiag?sslmode=disable&PASSWORD=s3cret":        "postgres://db.example/wudiag?sslmode=disable&PASSWORD=***",
		"postgres://u:pw@db/x?sslpassword=s3cret#frag":                        "postgres://u:***@db/x?sslpassword=***#frag",
		"host=db user=triage password=s3cret dbname=wudiag":                   "host=db user=triage password=*** dbname=wudiag",
		"host=db password='s3 cret' dbname=wudiag":                            "host=db password=*** dbname=wudiag",
		"mysql://root:pw@db/wudiag?password=s3cret":                           "mysql://root:***@db/wudiag?password=***",
	} {
		if got := RedactDSN(in); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// A DSN naming a database wudiag does not support is refused, not taken
// for a SQLite file name.
func TestOpenStoreRefusesUnknownSchemes(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{"mysql://root:pw@db/wudiag", "sqlserver://x", "mysql://db/wudiag?password=s3cret", "mysql://db/wudiag?user=a&password=s3cret&x=1"} {
		_, err := OpenStore(context.Background(), dsn, dir)
		if err == nil || !strings.Contains(err.Error(), "unsupported scheme") || strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v", dsn, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files were created: %v", ents)
	}
}

// With SQLite, reads go on while a write transaction is open: WAL and a
// pool of readers beside the one writer.
func TestSQLiteReadsBesideWrite(t *testing.T) {
	st := sqliteStore(t).(*sqlStore)
	ctx := context.Background()
	if err := st.Create(ctx, &Case{ID: "case0", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := st.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q %v", mode, err)
	}
	// A long write holds the writer.
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET machine = 'busy' WHERE id = 'case0'`); err != nil {
		t.Fatal(err)
	}
	// Generous bound: it fails only if reads wait for the writer.
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := st.Get(rctx, "case0")
	if err != nil || c.Machine != "" {
		t.Fatalf("Get during a write: %+v %v", c, err)
	}
	if _, err := st.List(rctx, Filter{}); err != nil {
		t.Fatalf("List during a write: %v", err)
	}
	if _, _, err := st.Session(rctx, "x", time.Now()); err != nil {
		t.Fatalf("Session during a write: %v", err)
	}
}
