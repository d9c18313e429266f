package evtx_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

// TestArraysExpanded writes array values with internal/evtxwrite and
// requires one positional value per element, as Event Viewer shows them:
// a classic source's string array, numbers, an empty last string, and an
// array in a named Data element. evtxexport, when installed (required
// with WUDIAG_REQUIRE_PEERS=1), must read the same values.
func TestArraysExpanded(t *testing.T) {
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, nil)
	tm := time.Date(2016, 8, 30, 15, 21, 37, 0, time.UTC)
	w.Add(evtxwrite.Event{Channel: "Application", Provider: "MsiInstaller", EventID: 1033, HasQualifiers: true, Time: tm, Unnamed: true,
		Data:   []evtxwrite.Field{{Value: []string{"EMET 5.51", "5.51", "1033", "1603", "Microsoft Corporation", "(NULL)", ""}}},
		Binary: []byte("{B2A2E7B2}")})
	w.Add(evtxwrite.Event{Channel: "System", Provider: "P", EventID: 1, Time: tm,
		Data: []evtxwrite.Field{{Name: "codes", Value: []uint32{1603, 0x643}}, {Name: "hr", Value: []evtxwrite.HexInt32{0x80070643, 0x800f0922}},
			{Name: "names", Value: []string{"a", "b"}}, {Name: "after", Value: "x"}}})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil)
	var got [][]evtx.Field
	for r.Next() {
		got = append(got, r.Event().Data)
	}
	if r.Err() != nil || len(r.Warnings()) > 0 || len(got) != 2 {
		t.Fatal(r.Err(), r.Warnings(), got)
	}
	want := [][]evtx.Field{
		{{"", "EMET 5.51"}, {"", "5.51"}, {"", "1033"}, {"", "1603"}, {"", "Microsoft Corporation"}, {"", "(NULL)"}, {"", ""}},
		{{"codes", "1603"}, {"codes", "1603"}, {"hr", "0x80070643"}, {"hr", "0x800f0922"}, {"names", "a"}, {"names", "b"}, {"after", "x"}},
	}
	for i := range want {
		if !equalFields(got[i], want[i]) {
			t.Errorf("event %d: Data %q, want %q", i, got[i], want[i])
		}
	}
	path := sharedtest.OptionalPeer(t, "evtxexport")
	if path == "" {
		return
	}
	name := filepath.Join(t.TempDir(), "arrays.evtx")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "-f", "xml", name).Output()
	if err != nil {
		t.Fatalf("evtxexport: %v\n%s", err, stderr(err))
	}
	peer := evtxexportData(t, out)
	compared := 0
	for i, rec := range []uint64{1, 2} {
		if p, ok := peer[rec]; !ok || !equalValues(got[i], p) {
			t.Errorf("record %d: evtxexport %q, this reader %q", rec, p, got[i])
		} else {
			compared++
		}
	}
	sharedtest.Compared(t, compared, "records")
}

// stderr returns what a peer that exited non-zero wrote to its standard
// error, for the failure message.
func stderr(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}

func equalFields(a, b []evtx.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalValues(a []evtx.Field, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if got, want := normPeer(a[i].Value), normPeer(b[i]); got != want && !evtxexportNegative(got, want) {
			return false
		}
	}
	return true
}

// evtxexportNegative reports evtxexport's rendering of a negative Int32 or
// Int64 v as -(2^31-|v|) or -(2^63-|v|) (libevtx 20181227): -1 shows as
// -2147483647. The value is the same; only evtxexport prints it wrong.
func evtxexportNegative(got, peer string) bool {
	g, err1 := strconv.ParseInt(got, 10, 64)
	p, err2 := strconv.ParseInt(peer, 10, 64)
	if err1 != nil || err2 != nil || g >= 0 || p >= 0 {
		return false
	}
	return p == -(1<<31-(-g)) || p == -(1<<63-1-(-g)+1)
}

// normPeer evens out rendering differences with evtxexport that are not
// about which values there are: hex digit case and width, GUID case,
// time precision, white space at the ends (evtxexport indents), NULs.
func normPeer(s string) string {
	s = strings.TrimSpace(strings.TrimRight(s, "\x00"))
	s = strings.ReplaceAll(s, "\r\n", "\n") // XML parsers read CR LF as LF
	s = strings.ReplaceAll(s, "\r", "\n")
	if len(s) > 2 && (strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X")) {
		if v, err := strconv.ParseUint(s[2:], 16, 64); err == nil {
			return "0x" + strconv.FormatUint(v, 16)
		}
	}
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		return strings.ToUpper(s)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && strings.HasSuffix(s, "Z") {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return s
}

// evtxexportData reads evtxexport -f xml output: for each record, its
// EventData <Data> values in order.
func evtxexportData(t *testing.T, out []byte) map[uint64][]string {
	type event struct {
		RecordID  uint64 `xml:"System>EventRecordID"`
		EventData *struct {
			Items []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"EventData"`
	}
	res := map[uint64][]string{}
	parts := bytes.Split(out, []byte("<Event xmlns"))
	for _, p := range parts[1:] {
		end := bytes.Index(p, []byte("</Event>"))
		if end < 0 {
			continue
		}
		doc := append([]byte("<Event xmlns"), p[:end+len("</Event>")]...)
		var ev event
		d := xml.NewDecoder(bytes.NewReader(doc))
		d.Strict = false
		if err := d.Decode(&ev); err != nil || ev.EventData == nil {
			continue
		}
		if _, dup := res[ev.RecordID]; dup {
			res[ev.RecordID] = nil // ambiguous
			continue
		}
		vals := []string{}
		for _, it := range ev.EventData.Items {
			if it.XMLName.Local != "Binary" { // Data and ComplexData
				vals = append(vals, it.Value)
			}
		}
		res[ev.RecordID] = vals
	}
	return res
}

// TestArraysAgainstEvtxexport compares, on every shared sample, the
// EventData values of every record both this reader and evtxexport read:
// the same values in the same order. It skips without evtxexport (Debian
// libevtx-utils), or fails when WUDIAG_REQUIRE_PEERS=1.
func TestArraysAgainstEvtxexport(t *testing.T) {
	path := sharedtest.Peer(t, "evtxexport")
	_, files := sharedSamples(t)
	total := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, err := exec.Command(path, "-f", "xml", f).Output() // non-zero on damage
			if err != nil && stderr(err) == nil {
				t.Fatalf("evtxexport: %v", err) // did not run
			}
			peer := evtxexportData(t, out)
			seen := map[uint64]int{}
			var mine []*evtx.Event
			for ev, err := range evtx.Events(t.Context(), f, nil) {
				if err != nil || ev.Recovered || ev.UserData != "" {
					continue
				}
				seen[ev.RecordID]++
				mine = append(mine, ev)
			}
			compared, bad := 0, 0
			for _, ev := range mine {
				p, ok := peer[ev.RecordID]
				if !ok || p == nil || seen[ev.RecordID] > 1 {
					continue
				}
				compared++
				if !equalValues(ev.Data, p) {
					bad++
					if bad <= 5 {
						t.Errorf("record %d (%s %d): this reader %q, evtxexport %q", ev.RecordID, ev.Provider, ev.EventID, values(ev.Data), p)
					}
				}
			}
			total += compared
			t.Logf("%d records compared, %d differ", compared, bad)
		})
	}
	sharedtest.Compared(t, total, "records")
}

func values(fs []evtx.Field) []string {
	v := make([]string, len(fs))
	for i, f := range fs {
		v[i] = f.Value
	}
	return v
}

// TestMsiInstallerArraySample checks the records the issue names: the
// MsiInstaller 1033 events of deepblue-many-events-application.evtx for
// EMET 5.51 have seven positional values, the status (1603) fourth.
func TestMsiInstallerArraySample(t *testing.T) {
	dir, _ := sharedSamples(t)
	want := []string{"EMET 5.51", "5.51", "1033", "1603", "Microsoft Corporation", "(NULL)", ""}
	failed := 0
	for ev, err := range evtx.Events(t.Context(), filepath.Join(dir, "deepblue-many-events-application.evtx"), nil) {
		if err != nil || ev.Provider != "MsiInstaller" || ev.EventID != 1033 || ev.Value(0) != "EMET 5.51" {
			continue
		}
		got := values(ev.Data)
		if ev.Value(3) == "1603" {
			failed++
		} else if len(got) == len(want) {
			got[3] = "1603" // the successful installs: status 0
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("record %d: %q, want %q", ev.RecordID, values(ev.Data), want)
		}
	}
	if failed == 0 {
		t.Error("no MsiInstaller 1033 record with status 1603 for EMET 5.51")
	}
}
