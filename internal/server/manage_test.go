package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// get sends an authenticated GET and returns the status and the body.
func (ts *testServer) get(t testing.TB, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestDeleteCaseAndCSV(t *testing.T) {
	ts := newTestServer(t, nil, func(c *Config) { c.KeepUploads = true })
	var c created
	if code := ts.do(t, "POST", "/api/v1/cases?name=b.zip&machine="+urlQueryEscape("=HYPERLINK(\"x\")"), "application/zip", bytes.NewReader(exampleZip(t)), &c); code != http.StatusAccepted {
		t.Fatalf("POST: %d", code)
	}
	ts.wait(t, c.ID, "en")

	code, body := ts.get(t, "/api/v1/cases.csv")
	if code != http.StatusOK {
		t.Fatalf("CSV: %d %s", code, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][0] != "id" || recs[1][0] != c.ID {
		t.Fatalf("CSV: %q %v", recs, err)
	}
	if m := recs[1][4]; m != `'=HYPERLINK("x")` {
		t.Errorf("machine cell not defused: %q", m)
	}

	if _, err := os.Stat(ts.caseDir(c.ID)); err != nil {
		t.Fatalf("kept upload: %v", err)
	}
	if code := ts.do(t, "DELETE", "/api/v1/cases/"+c.ID, "", nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE: %d", code)
	}
	if code := ts.do(t, "GET", "/api/v1/cases/"+c.ID, "", nil, nil); code != http.StatusNotFound {
		t.Errorf("GET deleted: %d", code)
	}
	if _, err := os.Stat(ts.caseDir(c.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("folder of deleted case: %v", err)
	}
	if code := ts.do(t, "DELETE", "/api/v1/cases/"+c.ID, "", nil, nil); code != http.StatusNotFound {
		t.Errorf("DELETE again: %d", code)
	}
	if code := ts.do(t, "DELETE", "/api/v1/cases/..", "", nil, nil); code != http.StatusNotFound {
		t.Errorf("DELETE bad ID: %d", code)
	}
}

func TestTrendsAPI(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	id := ts.postZip(t, exampleZip(t))
	r := ts.wait(t, id, "en")
	if r.Status != "done" || len(r.Findings) == 0 {
		t.Fatalf("case: %+v", r)
	}
	var a trendsAnswer
	if code := ts.do(t, "GET", "/api/v1/trends?days=7", "", nil, &a); code != http.StatusOK {
		t.Fatalf("trends: %d", code)
	}
	today := time.Now().UTC().Format("2006-01-02")
	found := false
	for _, row := range a.Rows {
		if row.Kind == "cause" && row.Key == r.Findings[0].Cause && row.Day == today && row.Cases == 1 {
			found = true
		}
	}
	if !found || a.Days != 7 {
		t.Errorf("trends lacks %s today: %+v", r.Findings[0].Cause, a)
	}
	if code := ts.do(t, "GET", "/api/v1/trends?cause=no_such_cause", "", nil, &a); code != http.StatusOK || len(a.Rows) != 0 {
		t.Errorf("filtered trends: %d %+v", code, a)
	}
	if code := ts.do(t, "GET", "/api/v1/trends?days=0", "", nil, nil); code != http.StatusBadRequest {
		t.Errorf("days=0: %d", code)
	}
}

func TestTrendsSQLite(t *testing.T) { testTrends(t, sqliteStore(t)) }

func TestTrendsPostgres(t *testing.T) { testTrends(t, postgresStore(t)()) }

// testTrends checks Trends and DeleteCase on a store: counts by day,
// filters, and the days before since left out.
func testTrends(t *testing.T, st Store) {
	ctx := context.Background()
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	add := func(id string, created time.Time, kbs, causes []string) {
		t.Helper()
		if err := st.Create(ctx, &Case{ID: id, Created: created}); err != nil {
			t.Fatal(err)
		}
		c, err := st.Claim(ctx)
		if err != nil || c == nil {
			t.Fatalf("claim %s: %v", id, err)
		}
		if err := st.Finish(ctx, c, &Result{Status: StatusDone, KBs: kbs, Causes: causes}); err != nil {
			t.Fatal(err)
		}
	}
	add("t0", day.AddDate(0, 0, -5), []string{"KB1"}, []string{"disk_storage"}) // before since
	add("t1", day, []string{"KB5034441"}, []string{"recovery_partition"})
	add("t2", day.Add(time.Hour), []string{"KB5034441", "KB5034441"}, []string{"recovery_partition", "disk_storage"})
	add("t3", day.AddDate(0, 0, 1), []string{"KB5034122"}, []string{"store_corruption"})
	if err := st.Create(ctx, &Case{ID: "t4", Created: day}); err != nil { // queued: not counted
		t.Fatal(err)
	}
	since := day.AddDate(0, 0, -1)
	show := func(rows []TrendRow) string {
		var b strings.Builder
		for _, r := range rows {
			b.WriteString(r.Day + " " + r.Kind + " " + r.Key + " " + string(rune('0'+r.Cases)) + "\n")
		}
		return b.String()
	}
	rows, err := st.Trends(ctx, since, "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-03-10 cause recovery_partition 2\n2026-03-10 cause disk_storage 1\n2026-03-10 kb KB5034441 2\n" +
		"2026-03-11 cause store_corruption 1\n2026-03-11 kb KB5034122 1\n"
	if got := show(rows); got != want {
		t.Errorf("Trends:\n%s\nwant:\n%s", got, want)
	}
	rows, err = st.Trends(ctx, since, "disk_storage", "5034441")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := show(rows), "2026-03-10 cause disk_storage 1\n2026-03-10 cause recovery_partition 1\n2026-03-10 kb KB5034441 1\n"; got != want {
		t.Errorf("Trends filtered:\n%s\nwant:\n%s", got, want)
	}

	if err := st.Reanalyse(ctx, "t2"); err != nil {
		t.Fatal(err)
	}
	if c, err := st.Get(ctx, "t2"); err != nil || c.Status != StatusQueued || strings.Join(c.PrevCauses, " ") != "recovery_partition disk_storage" || !c.Finished.IsZero() {
		t.Errorf("reanalysed: %+v %v", c, err)
	}
	if err := st.Reanalyse(ctx, "t4"); !errors.Is(err, ErrBusy) {
		t.Errorf("Reanalyse queued: %v", err)
	}
	if err := st.Reanalyse(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Reanalyse unknown: %v", err)
	}
	if err := st.DeleteCase(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "t1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get deleted: %v", err)
	}
	if err := st.DeleteCase(ctx, "t1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteCase twice: %v", err)
	}
}
