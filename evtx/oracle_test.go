package evtx_test

// The differential test against github.com/0xrawsec/golang-evtx. That
// module is GPL-3.0: it is imported from this _test.go file only and never
// linked into the library or the wudiag binary.

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gevtx "github.com/0xrawsec/golang-evtx/evtx"
	"github.com/wudiag/wudiag/evtx"
)

// oracleEvent is what golang-evtx returns for one record.
type oracleEvent struct {
	offset int64
	m      gevtx.GoEvtxMap
}

// readOracle reads a file with golang-evtx's synchronous per-chunk API
// (FetchChunk, ParseEvent, GoEvtxMap), recovering its panics. Its goroutine
// APIs (FastEvents, Chunks.Events) can panic where no caller can recover.
func readOracle(data []byte) (evs []oracleEvent) {
	defer func() { recover() }()
	gevtx.SetModeCarving(false)
	f, err := gevtx.New(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	for off := int64(4096); off+0x200 <= int64(len(data)); off += 0x10000 {
		func() {
			defer func() { recover() }()
			c, err := f.FetchChunk(off)
			if err != nil {
				return
			}
			for _, eo := range c.EventOffsets {
				func() {
					defer func() { recover() }()
					e := c.ParseEvent(int64(eo))
					m, err := e.GoEvtxMap(&c)
					if err != nil || m == nil {
						return
					}
					evs = append(evs, oracleEvent{offset: off + int64(eo), m: *m})
				}()
			}
		}()
	}
	return evs
}

func get(m gevtx.GoEvtxMap, path ...string) (any, bool) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(gevtx.GoEvtxMap)
		if !ok {
			return nil, false
		}
		cur, ok = mm[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// norm renders a golang-evtx value the way this package does, up to the
// documented differences (hex width, GUID braces and case).
func norm(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return normText(x), true
	case gevtx.UTCTime:
		return time.Time(x).UTC().Format(time.RFC3339Nano), true
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	case []string:
		return normText(strings.Join(x, ", ")), true
	case nil:
		return "", true
	}
	return "", false // AnsiString bytes, unknown values: golang-evtx bugs
}

func normText(s string) string {
	s = strings.TrimRight(s, "\x00")
	if len(s) > 2 && (strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X")) {
		if v, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return fmt.Sprintf("0x%x", v)
		}
	}
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) == 36 && strings.Count(s, "-") == 4 {
		return strings.ToUpper(s)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && strings.HasSuffix(s, "Z") {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return s
}

// TestOracleGolangEvtx reads every shared sample with both readers and
// requires the same event ID, time, provider and Data for every record
// both return.
func TestOracleGolangEvtx(t *testing.T) {
	_, files := sharedSamples(t)
	log.SetOutput(io.Discard) // golang-evtx logs parse errors through the std logger
	defer log.SetOutput(os.Stderr)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			oracle := readOracle(data)
			mine := map[int64]*evtx.Event{}
			r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil)
			for r.Next() {
				mine[r.Event().Offset] = r.Event()
			}
			both, compared := 0, 0
			for _, o := range oracle {
				ev, ok := mine[o.offset]
				if !ok {
					continue
				}
				both++
				compared += compareOracle(t, ev, o.m)
			}
			t.Logf("golang-evtx %d records, this reader %d, both %d, %d Data values compared", len(oracle), len(mine), both, compared)
			if both < len(oracle) {
				t.Errorf("golang-evtx returns %d records this reader misses", len(oracle)-both)
			}
		})
	}
}

func compareOracle(t *testing.T, ev *evtx.Event, m gevtx.GoEvtxMap) (compared int) {
	t.Helper()
	at := fmt.Sprintf("record %d at offset %d", ev.RecordID, ev.Offset)
	if v, ok := get(m, "Event", "System", "EventID"); ok {
		if mm, ok := v.(gevtx.GoEvtxMap); ok {
			v = mm["Value"]
		}
		if s, _ := norm(v); s != strconv.Itoa(int(ev.EventID)) {
			t.Errorf("%s: EventID %d, golang-evtx %q", at, ev.EventID, s)
		}
	}
	if v, ok := get(m, "Event", "System", "TimeCreated", "SystemTime"); ok {
		if s, ok := norm(v); ok && s != ev.Time.Format(time.RFC3339Nano) {
			t.Errorf("%s: time %s, golang-evtx %s", at, ev.Time.Format(time.RFC3339Nano), s)
		}
	}
	if v, ok := get(m, "Event", "System", "Provider", "Name"); ok {
		if s, _ := norm(v); s != ev.Provider {
			t.Errorf("%s: provider %q, golang-evtx %q", at, ev.Provider, s)
		}
	}
	// Data: EventData values by name, or the UserData payload's leaves.
	var payload gevtx.GoEvtxMap
	if v, ok := get(m, "Event", "EventData"); ok {
		payload, _ = v.(gevtx.GoEvtxMap)
	} else if v, ok := get(m, "Event", "UserData", ev.UserData); ok {
		payload, _ = v.(gevtx.GoEvtxMap)
	}
	seen := map[string]bool{}
	for i := 0; i < len(ev.Data); i++ {
		f := ev.Data[i]
		// An array value is one field per element here, all with the
		// same name; golang-evtx joins them.
		for i+1 < len(ev.Data) && ev.Data[i+1].Name == f.Name && f.Name != "" {
			i++
			f.Value += ", " + ev.Data[i].Value
		}
		if f.Name == "" || seen[f.Name] {
			continue // unnamed Data: golang-evtx merges them; repeated names: it renames them
		}
		seen[f.Name] = true
		v, ok := findKey(payload, f.Name)
		if !ok {
			if len(f.Value) > 0 {
				t.Errorf("%s: Data %q=%q missing in golang-evtx", at, f.Name, f.Value)
			}
			continue
		}
		want, ok := norm(v)
		if !ok {
			continue
		}
		if got := normText(f.Value); got != want && !knownOracleBug(got, want) {
			t.Errorf("%s: Data %q = %q, golang-evtx %q", at, f.Name, got, want)
		}
		compared++
	}
	return compared
}

// findKey finds name in m or in maps nested in it (UserData containers).
func findKey(m gevtx.GoEvtxMap, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for _, v := range m {
		if mm, ok := v.(gevtx.GoEvtxMap); ok {
			if v, ok := findKey(mm, name); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// knownOracleBug reports differences that are golang-evtx rendering bugs
// (evtx-perf-baseline.md §8): booleans other than 0/1 read as false.
func knownOracleBug(got, want string) bool {
	return got == "true" && want == "false"
}
