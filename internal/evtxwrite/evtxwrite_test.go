package evtxwrite_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gevtx "github.com/0xrawsec/golang-evtx/evtx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

var t0 = time.Date(2024, 1, 10, 10, 23, 45, 123456700, time.UTC)

// sampleEvents are the event shapes the corpus needs.
func sampleEvents() []evtxwrite.Event {
	return []evtxwrite.Event{
		{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}",
			EventID: 20, Version: 1, Level: 2, Task: 1, Opcode: 13, Keywords: 0x8000000000000028, Time: t0,
			Computer: "DESKTOP-2KGM189", UserID: "S-1-5-18", ProcessID: 436, ThreadID: 5684,
			Data: []evtxwrite.Field{
				{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)},
				{Name: "updateTitle", Value: "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.403.3.0)"},
				{Name: "updateGuid", Value: evtxwrite.GUID("{25ACAE93-40D4-4E62-814C-EFB2F29F1BCA}")},
				{Name: "updateRevisionNumber", Value: uint32(200)},
				{Name: "serviceGuid", Value: evtxwrite.GUID("{9482F4B4-E343-43B6-B170-9A65BC822C77}")},
			}},
		{Channel: "Setup", Provider: "Microsoft-Windows-Servicing", ProviderGUID: "{BD12F3B8-FC40-4A61-A307-B7A013A069C1}",
			EventID: 3, Task: 1, Keywords: 0x8000000000000000, Time: t0.Add(time.Second), Computer: "DESKTOP-LEHA4OH", UserID: "S-1-5-18",
			UserData: "CbsPackageChangeState", UserDataNS: "http://manifests.microsoft.com/win/2004/08/windows/setup_provider",
			Data: []evtxwrite.Field{{Name: "PackageIdentifier", Value: "KB4093137"}, {Name: "IntendedPackageState", Value: "Staged"},
				{Name: "ErrorCode", Value: "0x800f0816"}, {Name: "Client", Value: "WindowsUpdateAgent"}}},
		{Channel: "Application", Provider: "MsiInstaller", EventID: 1033, HasQualifiers: true, Level: 4, Keywords: 0x80000000000000,
			Time: t0.Add(2 * time.Second), Computer: "IE10Win7", Unnamed: true,
			Data: []evtxwrite.Field{{Value: "EMET 5.51"}, {Value: "5.51.0.0"}, {Value: "1033"}, {Value: "1603"},
				{Value: "Microsoft Corporation"}, {Value: "(NULL)"}, {Value: ""}},
			Binary: []byte("{4C9D0B0F-7AD1-4AE6-A1E1-A1BA9F8C6B1C}")},
		{Channel: "Microsoft-Windows-Windows Defender/Operational", Provider: "Microsoft-Windows-Windows Defender",
			ProviderGUID: "{11CD958A-C507-4EF3-B3F2-5FD9DFBD2C78}", EventID: 2001, Level: 2, Time: t0.Add(3 * time.Second),
			Computer: "GoldPaperW11", UserID: "S-1-5-18",
			Data: []evtxwrite.Field{{Name: "Product Name", Value: "%%827"}, {Name: "Current Signature Version", Value: ""},
				{Name: "Error Code", Value: "0x80070643"}}},
	}
}

func write(t *testing.T, opts *evtxwrite.Options, evs ...evtxwrite.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, opts)
	for _, ev := range evs {
		require.NoError(t, w.Add(ev))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func read(t *testing.T, data []byte, opts *evtx.Options) (evs []*evtx.Event, warns []error) {
	t.Helper()
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), opts)
	for ev, err := range r.All(context.Background()) {
		if err != nil {
			warns = append(warns, err)
			continue
		}
		evs = append(evs, ev)
	}
	return evs, warns
}

func TestRoundTrip(t *testing.T) {
	for _, o := range []evtxwrite.Options{{}, {NestedEventData: true}, {Win7Layout: true}} {
		t.Run(fmt.Sprintf("nested=%t,win7=%t", o.NestedEventData, o.Win7Layout), func(t *testing.T) {
			in := sampleEvents()
			data := write(t, &o, in...)
			out, warns := read(t, data, nil)
			require.Empty(t, warns)
			require.Len(t, out, len(in))

			wu := out[0]
			assert.EqualValues(t, 20, wu.EventID)
			assert.Equal(t, "0x80070643", wu.Get("errorCode"))
			assert.Equal(t, "{25ACAE93-40D4-4E62-814C-EFB2F29F1BCA}", wu.Get("updateGuid"))
			assert.Equal(t, "200", wu.Get("updateRevisionNumber"))
			assert.Equal(t, t0, wu.Time)
			assert.Equal(t, "Microsoft-Windows-WindowsUpdateClient", wu.Provider)
			assert.Equal(t, "{945A8954-C147-4ACD-923F-40C45405A658}", wu.ProviderGUID)
			assert.Equal(t, "System", wu.Channel)
			assert.Equal(t, "S-1-5-18", wu.UserID)
			assert.EqualValues(t, 1, wu.RecordID)
			assert.Equal(t, uint64(0x8000000000000028), wu.Keywords)
			assert.Equal(t, "DESKTOP-2KGM189", wu.Computer)
			assert.Equal(t, "updateTitle", wu.Data[1].Name)

			cbs := out[1]
			assert.Equal(t, "CbsPackageChangeState", cbs.UserData)
			assert.Equal(t, "0x800f0816", cbs.Get("ErrorCode"))

			msi := out[2]
			assert.Equal(t, "1603", msi.Value(3))
			assert.True(t, msi.HasQualifiers)
			assert.Equal(t, "", msi.Data[0].Name)
			assert.Equal(t, "7B344339", msi.Binary[:8])

			def := out[3]
			v, ok := def.Lookup("Current security intelligence Version")
			assert.True(t, ok, "alias")
			assert.Equal(t, "", v)
		})
	}
}

// TestTemplatesShared checks that one template serves every event of a
// shape within a chunk: 500 events of two shapes give two definitions.
func TestTemplatesShared(t *testing.T) {
	var evs []evtxwrite.Event
	for i := 0; i < 100; i++ {
		evs = append(evs, sampleEvents()[i%2])
	}
	data := write(t, nil, evs...)
	// 2 definitions per chunk: count TemplateInstance tokens with inline definitions
	n := bytes.Count(data, []byte("ElfChnk\x00"))
	assert.Less(t, len(data), 4096+n*65536+1)
	out, warns := read(t, data, nil)
	require.Empty(t, warns)
	require.Len(t, out, 100)
	assert.Equal(t, "0x80070643", out[98].Get("errorCode"))
}

func TestDamage(t *testing.T) {
	many := func(n int) []evtxwrite.Event {
		var evs []evtxwrite.Event
		for i := 0; i < n; i++ {
			evs = append(evs, sampleEvents()[i%4])
		}
		return evs
	}
	tests := []struct {
		name     string
		opts     evtxwrite.Options
		events   int
		want     int
		wantWarn string // substring of some warning, "" for none
	}{
		{"clean", evtxwrite.Options{}, 400, 400, ""},
		{"dirty stale header", evtxwrite.Options{Dirty: true, StaleChunkCount: 1}, 400, 400, ""},
		{"bad header CRC", evtxwrite.Options{BadHeaderCRC: true}, 400, 400, "file header: checksum mismatch"},
		{"bad chunk CRC", evtxwrite.Options{BadChunkCRC: []int{1}}, 400, 400, "chunk 1 at offset 69632: checksum mismatch"},
		{"zero-size record", evtxwrite.Options{ZeroSizeRecords: []uint64{5}}, 400, 399, "record 5 at offset"},
		{"truncated", evtxwrite.Options{TruncateAt: 4096 + 65536 + 30000}, 400, -1, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			data := write(t, &opts, many(tt.events)...)
			out, warns := read(t, data, nil)
			if tt.want >= 0 {
				assert.Len(t, out, tt.want)
			} else {
				assert.NotEmpty(t, out)
			}
			var all []string
			for _, w := range warns {
				all = append(all, w.Error())
			}
			if tt.wantWarn == "" {
				assert.Empty(t, all)
			} else {
				assert.Contains(t, strings.Join(all, "\n"), tt.wantWarn)
			}
		})
	}
}

// TestGolangEvtxReadsOutput checks the writer against an independent
// reader: golang-evtx must return the same events.
func TestGolangEvtxReadsOutput(t *testing.T) {
	data := write(t, nil, append(sampleEvents(), sampleEvents()...)...)
	f, err := gevtx.New(bytes.NewReader(data))
	require.NoError(t, err)
	c, err := f.FetchChunk(4096)
	require.NoError(t, err)
	var got []gevtx.GoEvtxMap
	for _, off := range c.EventOffsets {
		m, err := c.ParseEvent(int64(off)).GoEvtxMap(&c)
		if err == nil && m != nil {
			got = append(got, *m)
		}
	}
	require.Len(t, got, 8)
	ed := got[0]["Event"].(gevtx.GoEvtxMap)["EventData"].(gevtx.GoEvtxMap)
	assert.Equal(t, "0x80070643", ed["errorCode"])
	ud := got[1]["Event"].(gevtx.GoEvtxMap)["UserData"].(gevtx.GoEvtxMap)["CbsPackageChangeState"].(gevtx.GoEvtxMap)
	assert.Equal(t, "0x800f0816", ud["ErrorCode"])
}

// libevtxShapes are events whose values end at every offset modulo 8
// (a first value of 0 to 7 characters) with the shapes libevtx is strict
// about: empty named Data values next to others, unnamed Data with empty
// values and Binary, UserData with an empty leaf, nil and empty-array
// values, and empty System values (no computer, no channel).
func libevtxShapes() []evtxwrite.Event {
	var evs []evtxwrite.Event
	for n := 0; n < 8; n++ {
		s := strings.Repeat("a", n)
		at := t0.Add(time.Duration(n) * time.Minute)
		evs = append(evs,
			evtxwrite.Event{Channel: "System", Provider: "Service Control Manager", ProviderGUID: "{555908D1-A6D7-4695-8E1E-26931D2012F4}",
				EventSourceName: "Service Control Manager", EventID: 7036, HasQualifiers: true, Qualifiers: 16384, Level: 4, Time: at, Computer: "PC",
				Data: []evtxwrite.Field{{Name: "param1", Value: s}, {Name: "param2", Value: ""}, {Name: "param3", Value: "x"}}},
			evtxwrite.Event{Channel: "Application", Provider: "MsiInstaller", EventID: 11708, HasQualifiers: true, Level: 2, Time: at, Computer: "PC",
				Unnamed: true, Data: []evtxwrite.Field{{Value: "Product: " + s}, {Value: ""}, {Value: ""}}, Binary: []byte("(NULL)" + s)},
			evtxwrite.Event{Channel: "Setup", Provider: "Microsoft-Windows-Servicing", ProviderGUID: "{BD12F3B8-FC40-4A61-A307-B7A013A069C1}",
				EventID: 1, Time: at, Computer: "PC", UserID: "S-1-5-18",
				UserData: "CbsPackageChangeState", UserDataNS: "http://manifests.microsoft.com/win/2004/08/windows/setup_provider",
				Data: []evtxwrite.Field{{Name: "PackageIdentifier", Value: "KB" + s}, {Name: "ErrorCode", Value: ""}, {Name: "Client", Value: "UpdateAgentLCU"}}},
			evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: 43, Time: at,
				Data: []evtxwrite.Field{{Name: "updateTitle", Value: s}, {Name: "none", Value: nil}, {Name: "list", Value: []string{}},
					{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)}}},
			evtxwrite.Event{Provider: "Microsoft-Windows-Kernel-General", EventID: 16, Time: at, Computer: "",
				Data: []evtxwrite.Field{{Name: "HiveName", Value: s}}},
		)
	}
	return append(evs, sampleEvents()...)
}

// TestRecordsEndWithEOF checks every record the way libevtx reads it: the
// template instance (and each nested payload) is followed by an EndOfFile
// token (0x00), as in every record Windows writes. Without it libevtx takes
// the byte after the values (padding, or the size copy when there is none)
// for the next token. Runs without evtxexport.
func TestRecordsEndWithEOF(t *testing.T) {
	le := binary.LittleEndian
	// instanceEnd returns the offset just past the values of the template
	// instance token at p (chunk-relative), and the nested payloads in them.
	instanceEnd := func(ch []byte, p int) (end int, nested [][2]int) {
		require.Equal(t, byte(0x0c), ch[p], "template instance token at %#x", p)
		def := int(le.Uint32(ch[p+6:]))
		p += 10
		if def == p {
			p += 24 + int(le.Uint32(ch[p+20:]))
		}
		n := int(le.Uint32(ch[p:]))
		q := p + 4 + 4*n
		for i := 0; i < n; i++ {
			size := int(le.Uint16(ch[p+4+4*i:]))
			if ch[p+4+4*i+2] == 0x21 {
				nested = append(nested, [2]int{q, q + size})
			}
			q += size
		}
		return q, nested
	}
	for _, nestedOpt := range []bool{false, true} {
		data := write(t, &evtxwrite.Options{NestedEventData: nestedOpt}, libevtxShapes()...)
		records := 0
		for c := 4096; c+65536 <= len(data); c += 65536 {
			ch := data[c : c+65536]
			for o := 512; o < int(le.Uint32(ch[48:])); {
				size := int(le.Uint32(ch[o+4:]))
				require.Equal(t, []byte{0x0f, 1, 1, 0}, ch[o+24:o+28], "fragment header")
				end, nested := instanceEnd(ch, o+28)
				assert.Less(t, end, o+size-4, "record at %#x: no room for EndOfFile", c+o)
				assert.Equal(t, byte(0), ch[end], "record at %#x: EndOfFile token", c+o)
				for _, v := range nested {
					require.Equal(t, []byte{0x0f, 1, 1, 0}, ch[v[0]:v[0]+4], "nested fragment header")
					nend, _ := instanceEnd(ch, v[0]+4)
					assert.Equal(t, v[1]-1, nend, "nested payload at %#x ends with EndOfFile", c+v[0])
					assert.Equal(t, byte(0), ch[v[1]-1])
				}
				records++
				o += size
			}
		}
		assert.Equal(t, len(libevtxShapes()), records, "nested=%t", nestedOpt)
	}
}

// TestEvtxexportReadsOutput runs libevtx's evtxexport (Debian
// libevtx-utils) when installed (required with WUDIAG_REQUIRE_PEERS=1), on
// the shapes above in both payload layouts: every record must be exported,
// empty Data shown as empty elements. golang-evtx and the project's reader
// must read the same file, with or without evtxexport.
func TestEvtxexportReadsOutput(t *testing.T) {
	path := sharedtest.OptionalPeer(t, "evtxexport")
	exported := 0
	for _, nested := range []bool{false, true} {
		t.Run(fmt.Sprintf("nested=%t", nested), func(t *testing.T) {
			evs := libevtxShapes()
			data := write(t, &evtxwrite.Options{Dirty: true, StaleChunkCount: 1, NestedEventData: nested}, evs...)
			if path != "" {
				name := filepath.Join(t.TempDir(), "w.evtx")
				require.NoError(t, os.WriteFile(name, data, 0o644))
				out, err := exec.Command(path, "-f", "xml", name).CombinedOutput()
				require.NoError(t, err, string(out))
				xml := string(out)
				n := strings.Count(xml, "<EventRecordID>")
				assert.Equal(t, len(evs), n)
				assert.Equal(t, 8, strings.Count(xml, "<Data Name=\"param2\"/>"))
				assert.Equal(t, 8, strings.Count(xml, "<ErrorCode/>"))
				assert.Contains(t, xml, "<Data Name=\"param1\">aaaaaaa</Data>")
				assert.Contains(t, xml, "<Data Name=\"errorCode\">0x80070643</Data>")
				assert.Contains(t, xml, "<ErrorCode>0x800f0816</ErrorCode>")
				exported += n
			}

			got, warns := read(t, data, nil)
			assert.Empty(t, warns)
			require.Len(t, got, len(evs))
			assert.Equal(t, "", got[0].Get("param2"))
			assert.Equal(t, "x", got[0].Get("param3"))

			f, err := gevtx.New(bytes.NewReader(data))
			require.NoError(t, err)
			c, err := f.FetchChunk(4096)
			require.NoError(t, err)
			var maps []gevtx.GoEvtxMap
			for _, off := range c.EventOffsets { // it also lists the free-space offset
				if m, err := c.ParseEvent(int64(off)).GoEvtxMap(&c); err == nil && m != nil {
					maps = append(maps, *m)
				}
			}
			require.Len(t, maps, len(evs), "golang-evtx")
			values := 0
			for i, m := range maps {
				// named Data: golang-evtx and the reader agree value for value
				ev := m["Event"].(gevtx.GoEvtxMap)
				payload, _ := ev["EventData"].(gevtx.GoEvtxMap)
				if ud, ok := ev["UserData"].(gevtx.GoEvtxMap); ok {
					payload, _ = ud[got[i].UserData].(gevtx.GoEvtxMap)
				}
				for _, f := range got[i].Data {
					if f.Name == "" {
						continue // golang-evtx renames unnamed Data
					}
					v, ok := payload[f.Name]
					require.True(t, ok, "record %d: %q missing in golang-evtx", i+1, f.Name)
					switch v := v.(type) {
					case string: // GUIDs without braces in golang-evtx
						assert.Equal(t, strings.Trim(f.Value, "{}"), strings.Trim(v, "{}"), "record %d: %q", i+1, f.Name)
					case nil, []string:
						assert.Equal(t, "", f.Value, "record %d: %q", i+1, f.Name) // NULL, empty array
					default:
						t.Errorf("record %d: %q is a %T in golang-evtx, not compared", i+1, f.Name, v)
						continue
					}
					values++
				}
			}
			sharedtest.Compared(t, values, "golang-evtx values")
		})
	}
	if path != "" {
		sharedtest.Compared(t, exported, "records")
	}
}

// The same events give the same bytes: corpus bundles are compared byte
// for byte and must not depend on map order.
func TestOutputIsDeterministic(t *testing.T) {
	write := func() []byte {
		var b bytes.Buffer
		w := evtxwrite.New(&b, nil)
		base := time.Date(2024, 1, 9, 0, 0, 0, 0, time.UTC)
		for i := range 300 {
			w.Add(evtxwrite.Event{Channel: "System", Provider: fmt.Sprintf("Provider%d", i%7), EventID: uint16(i % 11), Time: base.Add(time.Duration(i) * time.Second),
				Computer: "PC", Data: []evtxwrite.Field{{Name: fmt.Sprintf("f%d", i%5), Value: "v"}, {Name: fmt.Sprintf("g%d", i%3), Value: uint32(i)}}})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	first := write()
	for range 5 {
		if !bytes.Equal(first, write()) {
			t.Fatal("two writes of the same events differ")
		}
	}
}

// TestReuse writes a chunk, starts it over and writes one record over the
// first ones: the reader sees the new record as the only live one, and
// with Recover the older records behind it, marked Recovered.
func TestReuse(t *testing.T) {
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, &evtxwrite.Options{Win7Layout: true})
	ev := sampleEvents()[0]
	for i := 0; i < 10; i++ {
		require.NoError(t, w.Add(ev))
	}
	w.Reuse()
	ev.RecordID, ev.Computer = 100, "OTHER-PC"
	require.NoError(t, w.Add(ev))
	require.NoError(t, w.Close())
	data := buf.Bytes()

	live, warns := read(t, data, nil)
	require.Empty(t, warns)
	require.Len(t, live, 1)
	assert.EqualValues(t, 100, live[0].RecordID)
	assert.False(t, live[0].Recovered)

	all, _ := read(t, data, &evtx.Options{Recover: true})
	require.Greater(t, len(all), 1)
	for _, ev := range all[1:] {
		assert.True(t, ev.Recovered)
		assert.Less(t, ev.RecordID, uint64(11))
	}
}
