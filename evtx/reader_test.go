package evtx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
)

func genLog(t testing.TB, n int, opts *evtxwrite.Options) []byte {
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, opts)
	for i := 0; i < n; i++ {
		w.Add(evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: uint16(19 + i%2),
			Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
			Data: []evtxwrite.Field{{Name: "updateTitle", Value: fmt.Sprintf("Update %d (KB%07d)", i, 5000000+i)}}})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParallelKeepsOrder reads a multi-chunk log serially and in parallel
// and requires the same events in the same order.
func TestParallelKeepsOrder(t *testing.T) {
	data := genLog(t, 3000, nil)
	read := func(par int) []uint64 {
		r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), &evtx.Options{Parallel: par})
		var ids []uint64
		for r.Next() {
			ids = append(ids, r.Event().RecordID)
		}
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
		return ids
	}
	serial, parallel := read(1), read(4)
	if len(serial) != 3000 || fmt.Sprint(serial) != fmt.Sprint(parallel) {
		t.Fatalf("serial %d events, parallel %d, or order differs", len(serial), len(parallel))
	}
}

// TestStopEarlyLeaksNothing stops iterating after a few events, many
// times, and requires no goroutine to be left behind.
func TestStopEarlyLeaksNothing(t *testing.T) {
	data := genLog(t, 3000, nil)
	before := runtime.NumGoroutine()
	for i := 0; i < 50; i++ {
		r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), &evtx.Options{Parallel: 4})
		n := 0
		for range r.All(context.Background()) {
			if n++; n == 10 {
				break
			}
		}
	}
	time.Sleep(10 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after", before, after)
	}
}

// TestNotAnEventLog covers inputs that are no log at all.
func TestNotAnEventLog(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte{0}, 100)} {
		r := evtx.NewReader(bytes.NewReader(in), int64(len(in)), nil)
		if r.Next() || !errors.Is(r.Err(), evtx.ErrFormat) {
			t.Errorf("%q: Next or Err = %v, want ErrFormat", in, r.Err())
		}
	}
}

func TestAliasesIsACopy(t *testing.T) {
	a := evtx.Aliases()
	if len(a) == 0 || len(a[0]) < 2 {
		t.Fatalf("Aliases() = %v", a)
	}
	old, alt := a[0][0], a[0][1]
	a[0][1] = "something else"
	a[1] = nil
	ev := &evtx.Event{Data: []evtx.Field{{Name: alt, Value: "1.2.3"}}}
	if v, ok := ev.Lookup(old); !ok || v != "1.2.3" {
		t.Errorf("after changing the copy, Lookup(%q) = %q, %v; want the value under %q", old, v, ok, alt)
	}
	if b := evtx.Aliases(); b[0][1] != alt || b[1] == nil {
		t.Errorf("Aliases() changed by its caller: %v", b[:2])
	}
}
