package server

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestLoad posts 200 bundles at once over loopback (httptest listens on
// 127.0.0.1 only), reports the throughput, and checks that every case
// is stored and analysed exactly once: none lost, none duplicated.
// go test -short skips it; it takes 10–20 s on two cores.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: 200 bundles; skipped with -short")
	}
	const n = 200
	ts := newTestServer(t, nil, nil)
	zip := exampleZip(t)
	// One connection per upload, all at once.
	tr := http.DefaultTransport.(*http.Transport)
	old := tr.MaxIdleConnsPerHost
	tr.MaxIdleConnsPerHost = n
	t.Cleanup(func() { tr.MaxIdleConnsPerHost = old })

	start := time.Now()
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ids[i] = ts.postZip(t, zip) })
	}
	wg.Wait()
	posted := time.Since(start)
	if t.Failed() {
		t.FailNow()
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("ID %s given twice", id)
		}
		seen[id] = true
	}

	// Wait until the queue is empty.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var out struct{ Cases []caseJSON }
		ts.do(t, "GET", "/api/v1/cases?limit=1000&status=done", "", nil, &out)
		if len(out.Cases) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d cases done after 2 minutes", len(out.Cases), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	total := time.Since(start)
	t.Logf("%d bundles (%d KiB zip each), %d workers: posted in %v (%.0f uploads/s), all analysed in %v (%.1f cases/s, each in en and ja)",
		n, len(zip)>>10, ts.cfg.Workers, posted.Round(time.Millisecond), float64(n)/posted.Seconds(),
		total.Round(time.Millisecond), float64(n)/total.Seconds())

	var out struct{ Cases []caseJSON }
	ts.do(t, "GET", "/api/v1/cases?limit=1000", "", nil, &out)
	if len(out.Cases) != n {
		t.Errorf("%d cases stored, want %d", len(out.Cases), n)
	}
	for _, c := range out.Cases {
		if !seen[c.ID] {
			t.Errorf("stored case %s was never posted", c.ID)
		}
		delete(seen, c.ID)
		got, err := ts.store.Get(context.Background(), c.ID)
		if err != nil || got.Status != StatusDone || got.Attempts != 1 || len(got.Causes) == 0 || got.Causes[0] != "component_corruption" {
			t.Errorf("case %s: %+v %v", c.ID, got, err)
		}
	}
	if len(seen) > 0 {
		t.Errorf("%d posted cases not stored", len(seen))
	}
}
