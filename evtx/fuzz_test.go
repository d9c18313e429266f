package evtx

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// fuzzSeedLog writes a small log with every payload shape the decoder
// knows: named EventData, UserData, unnamed Data with Binary, nested BinXML.
func fuzzSeedLog(nested bool) []byte {
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, &evtxwrite.Options{NestedEventData: nested, Dirty: true})
	t := time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)
	w.Add(evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient",
		ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}", EventID: 20, Level: 2, Time: t, UserID: "S-1-5-18",
		Data: []evtxwrite.Field{{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)}, {Name: "updateTitle", Value: "KB5034441"},
			{Name: "n", Value: []string{"a", "b"}}, {Name: "t", Value: t}, {Name: "f", Value: 1.5}, {Name: "b", Value: true}}})
	w.Add(evtxwrite.Event{Channel: "Setup", Provider: "Microsoft-Windows-Servicing", EventID: 3, Time: t,
		UserData: "CbsPackageChangeState", UserDataNS: "urn:x", Data: []evtxwrite.Field{{Name: "ErrorCode", Value: "0x800f0816"}}})
	w.Add(evtxwrite.Event{Channel: "Application", Provider: "MsiInstaller", EventID: 1033, HasQualifiers: true, Time: t,
		Unnamed: true, Data: []evtxwrite.Field{{Value: "EMET"}, {Value: "1603"}}, Binary: []byte{1, 2, 3}})
	w.Add(evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: 20, Time: t,
		Data: []evtxwrite.Field{{Name: "errorCode", Value: evtxwrite.HexInt32(0x80240016)}, {Name: "updateTitle", Value: "x"},
			{Name: "n", Value: []string{"c"}}, {Name: "t", Value: t}, {Name: "f", Value: 2.5}, {Name: "b", Value: false}}})
	w.Close()
	return buf.Bytes()
}

// usedChunk returns the first chunk of a log cut to its free-space offset.
func usedChunk(log []byte) []byte {
	c := log[fileHeaderBlock:]
	free := int(le.Uint32(c[48:]))
	return c[:min(free+64, len(c))]
}

// FuzzChunk feeds arbitrary bytes to the chunk decoder, with slack-space
// recovery on, and requires that it never panics.
func FuzzChunk(f *testing.F) {
	f.Add(usedChunk(fuzzSeedLog(false)))
	f.Add(usedChunk(fuzzSeedLog(true)))
	f.Add(reusedChunk(f, "OTHER"))
	f.Add([]byte("ElfChnk\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := newChunkDecoder()
		opts := &Options{Recover: true}
		out := d.decodeChunk(data, fileHeaderBlock, 0, opts, true, nil)
		out = d.carveSlack(out)
		for _, it := range out {
			if it.ev != nil && len(it.ev.Data) > len(data) {
				t.Fatalf("more fields (%d) than input bytes (%d)", len(it.ev.Data), len(data))
			}
		}
	})
}

// reusedChunk is the reused chunk of reusedLog (live record, then slack
// with carved records), cut after its last old record.
func reusedChunk(t testing.TB, newPCs ...string) []byte {
	c := reusedLog(t, 0, newPCs...)[fileHeaderBlock:]
	return c[:min(12000, len(c))]
}

// FuzzRecover feeds arbitrary chunks to the carver (slack space, name and
// template checks, stand-in templates, the built-in System layout), with
// the templates of an intact chunk of the same log as the earlier chunk.
// Nothing may panic, and every event carved from slack is marked.
func FuzzRecover(f *testing.F) {
	f.Add(reusedChunk(f, "OTHER"))
	f.Add(reusedChunk(f, "OTHER", "PC1"))
	f.Add(usedChunk(fuzzSeedLog(true)))
	earlier := reusedLog(f, 1, "OTHER")[fileHeaderBlock : fileHeaderBlock+chunkSize]
	f.Fuzz(func(t *testing.T, data []byte) {
		var reg templateRegistry
		d := newChunkDecoder()
		d.shared = &reg
		opts := &Options{Recover: true}
		d.decodeChunk(earlier, fileHeaderBlock, 0, opts, true, nil)
		reg.addChunk(d)
		live := d.decodeChunk(data, fileHeaderBlock+chunkSize, 1, opts, true, nil)
		n := len(live)
		out := d.carveSlack(live)
		for _, it := range out[n:] {
			if it.ev == nil {
				continue
			}
			if !it.ev.Recovered {
				t.Fatalf("carved event %d not marked Recovered", it.ev.RecordID)
			}
			if len(it.ev.Data) > len(data) {
				t.Fatalf("more fields (%d) than input bytes (%d)", len(it.ev.Data), len(data))
			}
		}
	})
}

// FuzzReader feeds arbitrary files to NewReader (binary, XML and text
// sniffing, header handling, parallel decoding) and requires no panic.
func FuzzReader(f *testing.F) {
	f.Add(fuzzSeedLog(false)[:fileHeaderBlock+4096])
	f.Add(reusedLog(f, 0, "OTHER", "PC1")[:fileHeaderBlock+12000])
	f.Add([]byte{})
	f.Add([]byte("ElfFile\x00"))
	f.Add([]byte(`<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="MsiInstaller"/><EventID Qualifiers="0">1033</EventID><TimeCreated SystemTime="2016-08-30T15:21:37.000000000Z"/><EventRecordID>7</EventRecordID><Channel>Application</Channel></System><EventData><Data>EMET 5.51</Data><Data>1603</Data><Binary>7B34</Binary></EventData></Event></Events>`))
	f.Add([]byte("Log Name:      System\r\nSource:        Microsoft-Windows-WindowsUpdateClient\r\nDate:          7/23/2017 9:25:41 AM\r\nEvent ID:      20\r\nLevel:         Error\r\nDescription:\r\nInstallation Failure: error 0x80070643\r\n"))
	f.Add([]byte("\xff\xfe<\x00E\x00v\x00e\x00n\x00t\x00>\x00<\x00/\x00E\x00v\x00e\x00n\x00t\x00>\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The defaults, and small export limits that fuzzed inputs reach.
		for _, o := range []Options{{Recover: true}, {Recover: true, Parallel: 3, MaxDepth: 8, MaxEventBytes: 2048, MaxToken: 256, MaxTextLines: 16}} {
			r := NewReader(bytes.NewReader(data), int64(len(data)), &o)
			for r.Next() {
				for _, w := range r.Warnings() {
					if errors.Is(w, errInternal) {
						t.Fatalf("decoder panicked: %v", w)
					}
				}
			}
			for _, w := range r.Warnings() {
				if errors.Is(w, errInternal) {
					t.Fatalf("decoder panicked: %v", w)
				}
			}
		}
	})
}
