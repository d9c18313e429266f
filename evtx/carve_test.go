package evtx

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wudiag/wudiag/internal/evtxwrite"
)

var carveT0 = time.Date(2024, 1, 10, 10, 23, 45, 0, time.UTC)

// wu20 is a WindowsUpdateClient 20 (installation failure) on computer pc.
func wu20(id uint64, pc string, code uint32, kb int) evtxwrite.Event {
	return evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient",
		ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}", EventID: 20, Level: 2, Task: 1, Opcode: 13,
		Keywords: 0x8000000000000028, Time: carveT0.Add(time.Duration(id) * time.Minute), RecordID: id,
		Computer: pc, UserID: "S-1-5-18", ProcessID: 1012, ThreadID: 1732,
		Data: []evtxwrite.Field{
			{Name: "errorCode", Value: evtxwrite.HexInt32(code)},
			{Name: "updateTitle", Value: fmt.Sprintf("Update for Microsoft Visual Studio 2010 Service Pack 1 (KB%d)", kb)},
			{Name: "updateGuid", Value: evtxwrite.GUID("{326EE4D6-68B2-4400-9671-2AE695B0C383}")},
			{Name: "updateRevisionNumber", Value: uint32(200)},
		}}
}

// reusedLog writes, in Windows 7's layout, `before` full chunks of live
// WindowsUpdateClient events on PC1, then a chunk of ten such events
// (IDs 1001-1010; 1009 is the 0x80070643 failure) that Windows then
// reused: new records (IDs from 2000, one on each computer of newPCs) are
// written over the first old ones, taking the template definition and
// the names they all refer to. Records 1001-1010 that they do not reach
// stay in slack space, their substitution arrays intact.
func reusedLog(t testing.TB, before int, newPCs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, &evtxwrite.Options{Win7Layout: true, RecordsPerChunk: 10})
	for i := 0; i < 10*before; i++ {
		must(t, w.Add(wu20(uint64(1+i), "PC1", 0x80240022, 5000000+i)))
	}
	for i := uint64(1001); i <= 1010; i++ {
		code := uint32(0x80240022)
		if i == 1009 {
			code = 0x80070643
		}
		must(t, w.Add(wu20(i, "PC1", code, 2890573)))
	}
	w.Reuse()
	for i, pc := range newPCs {
		big := wu20(2000+uint64(i), pc, 0, 1)
		big.Data[1].Value = strings.Repeat("new record over the old ones ", 30/len(newPCs))
		must(t, w.Add(big))
	}
	must(t, w.Close())
	return buf.Bytes()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func readAll(t testing.TB, data []byte, opts *Options) (evs []*Event, warns []error) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), int64(len(data)), opts)
	for r.Next() {
		warns = append(warns, r.Warnings()...)
		evs = append(evs, r.Event())
	}
	warns = append(warns, r.Warnings()...)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return evs, warns
}

// checkFailure checks the recovered 0x80070643 record 1009.
func checkFailure(t *testing.T, evs []*Event, computer string) {
	t.Helper()
	var ev *Event
	for _, e := range evs {
		if e.RecordID == 1009 {
			ev = e
		}
	}
	if ev == nil {
		t.Fatalf("record 1009 not recovered; got %d events", len(evs))
	}
	want := []Field{{"errorCode", "0x80070643"},
		{"updateTitle", "Update for Microsoft Visual Studio 2010 Service Pack 1 (KB2890573)"},
		{"updateGuid", "{326EE4D6-68B2-4400-9671-2AE695B0C383}"}, {"updateRevisionNumber", "200"}}
	if fmt.Sprint(ev.Data) != fmt.Sprint(want) {
		t.Errorf("Data = %v\nwant %v", ev.Data, want)
	}
	if !ev.Recovered || !ev.Inferred {
		t.Errorf("Recovered, Inferred = %v, %v; want true, true", ev.Recovered, ev.Inferred)
	}
	got := fmt.Sprint(ev.Provider, ev.ProviderGUID, ev.EventID, ev.Channel, ev.Level, ev.Task, ev.Opcode, ev.Keywords,
		ev.UserID, ev.ProcessID, ev.ThreadID, ev.Computer, ev.Time)
	wantS := fmt.Sprint("Microsoft-Windows-WindowsUpdateClient", "{945A8954-C147-4ACD-923F-40C45405A658}", 20, "System",
		2, 1, 13, uint64(0x8000000000000028), "S-1-5-18", 1012, 1732, computer, carveT0.Add(1009*time.Minute))
	if got != wantS {
		t.Errorf("System fields:\n got %s\nwant %s", got, wantS)
	}
}

// TestCarveOverwrittenTemplate reads records whose outer template
// definition and names were overwritten, three ways: through the live
// record's template with the same ID (same computer, so the same generic
// template), through the built-in System layout (the new record is on
// another computer, so its template differs and the literal Computer is
// lost), and through the template of an earlier chunk (which also gives
// the Computer back).
func TestCarveOverwrittenTemplate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		before   int
		newPCs   []string
		computer string
	}{
		{"same ID in chunk", 0, []string{"OTHER", "PC1"}, "PC1"},
		{"built-in layout", 0, []string{"OTHER"}, ""},
		{"same ID in an earlier chunk", 1, []string{"OTHER"}, "PC1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := reusedLog(t, tc.before, tc.newPCs...)
			live, _ := readAll(t, data, nil)
			if n := 10*tc.before + len(tc.newPCs); len(live) != n {
				t.Fatalf("%d live events, want %d", len(live), n)
			}
			for _, ev := range live {
				if ev.Recovered || ev.Inferred {
					t.Fatalf("live event %d marked Recovered %v, Inferred %v", ev.RecordID, ev.Recovered, ev.Inferred)
				}
			}
			evs, _ := readAll(t, data, &Options{Recover: true})
			checkFailure(t, evs, tc.computer)
			// Every record the new one did not reach is recovered, in order.
			var ids []uint64
			for _, ev := range evs[len(live):] {
				ids = append(ids, ev.RecordID)
			}
			if len(ids) < 3 || ids[len(ids)-1] != 1010 {
				t.Errorf("recovered IDs %v, want a run ending at 1010", ids)
			}
			for i := 1; i < len(ids); i++ {
				if ids[i] != ids[i-1]+1 {
					t.Errorf("recovered IDs %v not consecutive", ids)
				}
			}
			// Parallel decoding gives the same events (the templates of
			// earlier chunks are used whatever the batch).
			par, _ := readAll(t, data, &Options{Recover: true, Parallel: 3})
			if len(par) != len(evs) {
				t.Fatalf("Parallel: %d events, want %d", len(par), len(evs))
			}
			for i := range par {
				if fmt.Sprint(*par[i]) != fmt.Sprint(*evs[i]) {
					t.Errorf("Parallel: event %d\n%v\nwant\n%v", i, *par[i], *evs[i])
				}
			}
		})
	}
}

// TestCarveGuessesLostNames checks that the payload's names (EventData,
// Data and Name, which the nested template refers to in the chunk's name
// table) were in fact overwritten in the generated log, and so guessed.
func TestCarveGuessesLostNames(t *testing.T) {
	data := reusedLog(t, 0, "OTHER")
	d := newChunkDecoder()
	out := d.decodeChunk(data[fileHeaderBlock:fileHeaderBlock+chunkSize], fileHeaderBlock, 0, &Options{Recover: true}, true, nil)
	out = d.carveSlack(out)
	lost := 0
	for _, c := range d.cnames {
		if c.lost {
			lost++
		}
	}
	if lost == 0 {
		t.Fatal("no name of the carved records was lost: the test does not exercise name guessing")
	}
	var failure *Event
	for _, it := range out {
		if it.ev != nil && it.ev.RecordID == 1009 {
			failure = it.ev
		}
	}
	if failure == nil || failure.Get("errorCode") != "0x80070643" {
		t.Fatalf("record 1009: %+v", failure)
	}
}

// TestCarveStandInMustFit checks that a template with the same ID but a
// different substitution layout is not used: a template whose values
// have other types would put values under wrong names.
func TestCarveStandInMustFit(t *testing.T) {
	tpl := &template{ops: []op{{kind: opSubst, sub: 0, vtype: tUint16}, {kind: opSubst, sub: 1, vtype: tString, optional: true}}}
	for _, tc := range []struct {
		vals []subValue
		want bool
	}{
		{[]subValue{{t: tUint16, n: 2}, {t: tString, n: 4}}, true},
		{[]subValue{{t: tUint16, n: 2}, {t: tNull}}, true},                            // NULL fits any type
		{[]subValue{{t: tUint32, n: 4}, {t: tString, n: 4}}, false},                   // other type
		{[]subValue{{t: tUint16, n: 2}, {t: tString, n: 4}, {t: tSID, n: 12}}, false}, // a value the template drops
		{[]subValue{{t: tUint16, n: 2}}, true},                                        // optional substitution past the values
	} {
		if got := fits(tpl, tc.vals); got != tc.want {
			t.Errorf("fits(%v) = %v, want %v", tc.vals, got, tc.want)
		}
	}
}

// issue38 returns python-evtx's tests/data/issue_38.evtx, which holds the
// only public WindowsUpdateClient 0x80070643 event, in its slack space.
// It is third-party data and not part of this repository; to run the
// test, get it and say where it is:
//
//	fetch github:williballenthin/python-evtx, then
//	git --git-dir=<mirror> show HEAD:tests/data/issue_38.evtx > /tmp/issue_38.evtx
//	WUDIAG_ISSUE38=/tmp/issue_38.evtx go test ./evtx -run Issue38
//
// (/tmp/issue_38.evtx is also looked at when the variable is unset.)
func issue38(t *testing.T) []byte {
	name := os.Getenv("WUDIAG_ISSUE38")
	if name == "" {
		name = "/tmp/issue_38.evtx"
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Skipf("python-evtx's issue_38.evtx not found (%v); see the comment on issue38 for how to get it", err)
	}
	return data
}

// TestIssue38 reads record 21231 (WindowsUpdateClient 20, 0x80070643,
// KB2890573) from the slack space of issue_38.evtx: its outer template
// (chunk offset 5014) and the names its inline EventData template uses
// were overwritten by the one live record (a Security 4672), whose own
// template has the same ID.
func TestIssue38(t *testing.T) {
	data := issue38(t)
	live, _ := readAll(t, data, nil)
	if len(live) != 1 || live[0].EventID != 4672 {
		t.Fatalf("live events: %d (want the one 4672)", len(live))
	}
	evs, _ := readAll(t, data, &Options{Recover: true})
	if len(evs) != 39 {
		t.Errorf("%d events with Recover, want 39 (1 live, 38 recovered)", len(evs))
	}
	var ev *Event
	for _, e := range evs {
		if e.RecordID == 21231 {
			ev = e
		}
	}
	if ev == nil {
		t.Fatal("record 21231 not recovered")
	}
	want := "Microsoft-Windows-WindowsUpdateClient {945A8954-C147-4ACD-923F-40C45405A658} 20 System 2 0x8000000000000028 1012 1732 S-1-5-18 2017-06-27T06:32:14.29675Z true true"
	got := fmt.Sprintf("%s %s %d %s %d 0x%X %d %d %s %s %v %v", ev.Provider, ev.ProviderGUID, ev.EventID, ev.Channel, ev.Level,
		ev.Keywords, ev.ProcessID, ev.ThreadID, ev.UserID, ev.Time.Format(time.RFC3339Nano), ev.Recovered, ev.Inferred)
	if got != want {
		t.Errorf("System:\n got %s\nwant %s", got, want)
	}
	wantData := []Field{{"errorCode", "0x80070643"},
		{"updateTitle", "Mise à jour pour Microsoft Visual Studio 2010 Service Pack 1 (KB2890573)"},
		{"updateGuid", "{326EE4D6-68B2-4400-9671-2AE695B0C383}"}, {"updateRevisionNumber", "200"}}
	if fmt.Sprint(ev.Data) != fmt.Sprint(wantData) {
		t.Errorf("Data = %v\nwant %v", ev.Data, wantData)
	}
	// Every recovered record has its event ID and time; the classic
	// Service Control Manager ones (7036) keep their values by position.
	for _, e := range evs[1:] {
		if !e.Recovered || e.EventID == 0 || e.Time.IsZero() {
			t.Errorf("record %d: Recovered %v, EventID %d, Time %v", e.RecordID, e.Recovered, e.EventID, e.Time)
		}
		if e.EventID == 7036 && (len(e.Data) < 2 || e.Data[0].Value == "") {
			t.Errorf("record %d (7036): Data %v", e.RecordID, e.Data)
		}
	}
}
