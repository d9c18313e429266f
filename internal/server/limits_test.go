package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// postNamed uploads the example zip under a name and returns the case ID.
func (ts *testServer) postNamed(t *testing.T, name string) string {
	t.Helper()
	var c created
	if code := ts.do(t, "POST", "/api/v1/cases?name="+name, "application/zip", bytes.NewReader(exampleZip(t)), &c); code != http.StatusAccepted {
		t.Fatalf("POST %s: %d", name, code)
	}
	return c.ID
}

// quickResult is what the test hooks return for a case they pass.
func quickResult() *Result {
	return &Result{Status: StatusDone, Artifacts: map[string][]byte{
		artifactName("json", "en"): []byte(`{"schema_version":1}`), artifactName("json", "ja"): []byte(`{"schema_version":1}`)}}
}

// An analysis that ignores its context still fails at the timeout, and
// its worker (the only one) goes on to the next case.
func TestAnalysisTimeoutEnforced(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ts := newTestServer(t, nil, func(c *Config) {
		c.Workers = 1
		c.AnalysisTimeout = 20 * time.Millisecond
		c.stopGrace = 10 * time.Millisecond
	})
	ts.diagnoseHook = func(ctx context.Context, c *Case) (*Result, error) {
		if c.Files[0] == "slow.zip" {
			<-release // deaf to ctx, like a reader stuck in a loop
			return &Result{}, errors.New("too late")
		}
		return quickResult(), nil
	}
	slow := ts.postNamed(t, "slow.zip")
	next := ts.postNamed(t, "next.zip")
	if r := ts.wait(t, slow, "en"); r.Status != "failed" || !strings.Contains(r.Error, "longer than") || !strings.Contains(r.Error, "--analysis-timeout") {
		t.Errorf("slow case: %+v", r)
	}
	if r := ts.wait(t, next, "en"); r.Status != "done" {
		t.Errorf("next case: %+v", r)
	}
}

// The janitor never requeues a case that a worker of its own process
// still runs, however old the claim looks.
func TestJanitorKeepsLiveClaims(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()
	started := make(chan string, 1)
	st := sqliteStore(t)
	ts := newTestServer(t, st, func(c *Config) {
		c.Workers = 1
		c.HeartbeatInterval = time.Hour // no heartbeat of its own before the janitor's
	})
	ts.diagnoseHook = func(ctx context.Context, c *Case) (*Result, error) {
		started <- c.ID
		<-release
		return quickResult(), nil
	}
	id := ts.postZip(t, exampleZip(t))
	<-started
	// The claim looks hours old: no live worker elsewhere could hold it.
	old := time.Now().Add(-10 * time.Hour).UnixMilli()
	if _, err := st.(*sqlStore).exec(context.Background(), `UPDATE cases SET started = ?, heartbeat = ? WHERE id = ?`, old, old, id); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		ts.tidy(context.Background())
	}
	c, err := st.Get(context.Background(), id)
	if err != nil || c.Status != StatusRunning || c.Attempts != 1 {
		t.Fatalf("live claim after the janitor: %+v %v", c, err)
	}
	free()
	if r := ts.wait(t, id, "en"); r.Status != "done" {
		t.Errorf("case: %+v", r)
	}
	if c, _ := st.Get(context.Background(), id); c.Attempts != 1 {
		t.Errorf("analysed %d times", c.Attempts)
	}
}

// Past the memory ceiling the analysis is stopped and its case fails
// with a clear error; the server goes on.
func TestMemoryCeiling(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates up to a few hundred MB")
	}
	ts := newTestServer(t, nil, func(c *Config) {
		c.Workers = 1
		c.MaxAnalysisMemory = 64 << 20
		c.memCheck = time.Millisecond
	})
	ts.diagnoseHook = func(ctx context.Context, c *Case) (*Result, error) {
		if c.Files[0] != "big.zip" {
			return quickResult(), nil
		}
		var keep [][]byte
		for len(keep) < 1024 { // 1 GiB at most: the ceiling must stop it long before
			if err := ctx.Err(); err != nil {
				return &Result{}, err
			}
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = byte(i)
			}
			keep = append(keep, b)
		}
		return &Result{}, errors.New("never stopped")
	}
	big := ts.postNamed(t, "big.zip")
	if r := ts.wait(t, big, "en"); r.Status != "failed" || !strings.Contains(r.Error, "memory ceiling") || !strings.Contains(r.Error, "--max-analysis-memory") {
		t.Errorf("big case: %+v", r)
	}
	if r := ts.wait(t, ts.postNamed(t, "small.zip"), "en"); r.Status != "done" {
		t.Errorf("next case: %+v", r)
	}
}

// With PostgreSQL, a replica's janitor leaves alone a claim that another
// replica's worker holds and beats for, however old the claim.
func TestPostgresHeartbeat(t *testing.T) {
	open := postgresStore(t)
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()
	started := make(chan struct{}, 1)
	dir := t.TempDir()
	a := newTestServer(t, open(), func(c *Config) { c.DataDir = dir; c.Workers = 1; c.HeartbeatInterval = 20 * time.Millisecond })
	stB := open()
	// b is only another replica's janitor: it runs no worker that could
	// take the case.
	b, err := New(Config{Store: stB, DataDir: dir, Token: testToken, HeartbeatInterval: time.Second, Logger: a.log})
	if err != nil {
		t.Fatal(err)
	}
	hook := func(ctx context.Context, c *Case) (*Result, error) {
		started <- struct{}{}
		<-release
		return quickResult(), nil
	}
	a.diagnoseHook = hook
	id := a.postZip(t, exampleZip(t))
	<-started
	// The claim looks an hour old; then wait for a's next heartbeat.
	old := time.Now().Add(-time.Hour).UnixMilli()
	sql := stB.(*sqlStore)
	ctx := context.Background()
	if _, err := sql.exec(ctx, `UPDATE cases SET started = ?, heartbeat = ? WHERE id = ?`, old, old, id); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var hb int64
		if err := sql.db.QueryRowContext(ctx, `SELECT heartbeat FROM cases WHERE id = $1`, id).Scan(&hb); err != nil {
			t.Fatal(err)
		}
		if hb > old {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no heartbeat")
		}
	}
	b.tidy(ctx) // stale after 4 s of silence: a's beat is fresh
	if c, err := stB.Get(ctx, id); err != nil || c.Status != StatusRunning || c.Attempts != 1 {
		t.Fatalf("after the other replica's janitor: %+v %v", c, err)
	}
	free()
	if r := a.wait(t, id, "en"); r.Status != "done" {
		t.Errorf("case: %+v", r)
	}
}
