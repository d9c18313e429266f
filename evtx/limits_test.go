package evtx_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/evtx"
)

const goodEvent = `<Event><System><Provider Name="MsiInstaller"/><EventID>1033</EventID><EventRecordID>9</EventRecordID></System><EventData><Data>EMET 5.51</Data><Data>1603</Data></EventData></Event>`

// readAll reads data with opts and returns its events and warnings, and
// the bytes allocated meanwhile. Allocated bytes bound the peak heap from
// above, so a limit on them is a limit on memory that does not depend on
// when the collector runs.
func readAll(t *testing.T, data []byte, opts *evtx.Options) (events []*evtx.Event, warns []error, alloc uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), opts)
	for ev, err := range r.All(context.Background()) {
		if err != nil {
			warns = append(warns, err)
			continue
		}
		events = append(events, ev)
	}
	runtime.ReadMemStats(&after)
	return events, warns, after.TotalAlloc - before.TotalAlloc
}

// wantSkipped requires one warning that is a *RecordError at offset at
// wrapping ErrCorrupt, and the good event after it read.
func wantSkipped(t *testing.T, events []*evtx.Event, warns []error, at int64) {
	t.Helper()
	if len(warns) != 1 {
		t.Fatalf("warnings %v, want one", warns)
	}
	var re *evtx.RecordError
	if !errors.As(warns[0], &re) || re.Offset != at || !errors.Is(warns[0], evtx.ErrCorrupt) {
		t.Errorf("warning %v, want a RecordError at offset %d wrapping ErrCorrupt", warns[0], at)
	}
	if len(events) != 1 || events[0].Value(1) != "1603" {
		t.Errorf("events %v, want the good event after the skipped one", events)
	}
}

// TestXMLDeepNesting is the reviewers' deep-XML input scaled down: an
// event with a million open elements (before: about 90 bytes of memory
// per input byte), here closed again and followed by a good event, which
// must still be read.
func TestXMLDeepNesting(t *testing.T) {
	const n = 1 << 20
	prefix := `<Events><Event><System><EventID>1</EventID></System><EventData>`
	data := []byte(prefix + strings.Repeat("<a>", n) + strings.Repeat("</a>", n) + "</EventData></Event>" + goodEvent + "</Events>")
	events, warns, alloc := readAll(t, data, nil)
	wantSkipped(t, events, warns, int64(strings.Index(prefix, "<Event>")))
	t.Logf("%d MB input, %d KB allocated", len(data)>>20, alloc>>10)
	if alloc > 2<<20 {
		t.Errorf("allocated %d bytes for %d bytes of input", alloc, len(data))
	}
	if !strings.Contains(warns[0].Error(), "nested deeper than 64") {
		t.Errorf("warning %q does not name the limit", warns[0])
	}
}

// TestXMLUnclosedEvent is the reviewers' input itself (never closed) with
// a smaller event limit: reading ends with the event reported.
func TestXMLUnclosedEvent(t *testing.T) {
	data := []byte(`<Event><EventData>` + strings.Repeat("<a>", 2<<20))
	events, warns, alloc := readAll(t, data, &evtx.Options{MaxEventBytes: 1 << 20})
	if len(events) != 0 || len(warns) != 1 || !errors.Is(warns[0], evtx.ErrCorrupt) {
		t.Errorf("events %v, warnings %v", events, warns)
	}
	if alloc > 2<<20 {
		t.Errorf("allocated %d bytes for %d bytes of input", alloc, len(data))
	}
}

// TestXMLEventBytes: an event past MaxEventBytes (many small elements, no
// limit on depth or token reached) is skipped and the next one read.
func TestXMLEventBytes(t *testing.T) {
	data := []byte(`<Event><EventData>` + strings.Repeat(`<Data Name="x">0x80070643</Data>`, 100000) + `</EventData></Event>` + goodEvent)
	events, warns, alloc := readAll(t, data, &evtx.Options{MaxEventBytes: 1 << 20})
	wantSkipped(t, events, warns, 0)
	if !strings.Contains(warns[0].Error(), "larger than 1048576 bytes") {
		t.Errorf("warning %q does not name the limit", warns[0])
	}
	if alloc > 8<<20 {
		t.Errorf("allocated %d bytes for %d bytes of input", alloc, len(data))
	}
}

// TestXMLLongValue is the reviewers' 300 MB <Data> value scaled down to
// 8 MB: the event is skipped at the token limit and nothing near the
// value's size is allocated. Long attribute values, comments and CDATA
// sections are bounded the same way.
func TestXMLLongValue(t *testing.T) {
	long := strings.Repeat("A", 8<<20)
	for name, ev := range map[string]string{
		"text":      `<Event><EventData><Data>` + long + `</Data></EventData></Event>`,
		"attribute": `<Event><EventData><Data Name="` + long + `">v</Data></EventData></Event>`,
		"cdata":     `<Event><EventData><Data><![CDATA[` + long + `]]></Data></EventData></Event>`,
	} {
		t.Run(name, func(t *testing.T) {
			data := []byte(ev + goodEvent)
			events, warns, alloc := readAll(t, data, nil)
			wantSkipped(t, events, warns, 0)
			t.Logf("%d KB allocated", alloc>>10)
			if alloc > 4<<20 {
				t.Errorf("allocated %d bytes for %d bytes of input", alloc, len(data))
			}
		})
	}
	t.Run("comment", func(t *testing.T) {
		data := []byte(`<Event><EventData><!--` + long + `--><Data>EMET 5.51</Data><Data>1603</Data></EventData></Event>`)
		events, warns, alloc := readAll(t, data, nil)
		if len(events) != 1 || len(warns) != 0 || alloc > 1<<20 {
			t.Errorf("events %v, warnings %v, %d bytes allocated", events, warns, alloc)
		}
	})
	t.Run("ignored text", func(t *testing.T) {
		// Long white space between elements is not kept: no reason to skip.
		data := []byte(`<Event><EventData>` + strings.Repeat(" ", 2<<20) + `<Data>EMET 5.51</Data><Data>1603</Data></EventData></Event>`)
		events, warns, _ := readAll(t, data, nil)
		if len(events) != 1 || len(warns) != 0 {
			t.Errorf("events %v, warnings %v", events, warns)
		}
	})
}

// TestTextLongDescription is the reviewers' 20 MB text-export description
// of blank lines scaled down: the lines kept are bounded, the event is
// still read, and a warning says what was dropped.
func TestTextLongDescription(t *testing.T) {
	head := "Log Name:      System\r\nSource:        Microsoft-Windows-WindowsUpdateClient\r\nEvent ID:      20\r\nLevel:         Error\r\nDescription:\r\nInstallation Failure: 0x80070643\r\n"
	data := []byte(head + strings.Repeat("\r\n", 4<<20) + "Log Name: System\r\nSource: x\r\nEvent ID: 19\r\n")
	events, warns, alloc := readAll(t, data, nil)
	t.Logf("%d MB input, %d KB allocated", len(data)>>20, alloc>>10)
	if len(events) != 2 || events[0].EventID != 20 || !strings.HasPrefix(events[0].Message, "Installation Failure: 0x80070643") {
		t.Fatalf("events %v", events)
	}
	var re *evtx.RecordError
	if len(warns) != 1 || !errors.As(warns[0], &re) || re.Offset != 0 || !strings.Contains(warns[0].Error(), "more than 10000 lines") {
		t.Errorf("warnings %v", warns)
	}
	if alloc > 4<<20 {
		t.Errorf("allocated %d bytes for %d bytes of input", alloc, len(data))
	}
	// One long line is cut, not kept whole.
	data = []byte(head + strings.Repeat("x", 8<<20) + "\r\n")
	events, warns, alloc = readAll(t, data, nil)
	if len(events) != 1 || len(warns) != 1 || len(events[0].Message) > evtx.DefaultMaxToken+100 || alloc > 6<<20 {
		t.Errorf("%d events, warnings %v, message %d bytes, %d bytes allocated", len(events), warns, len(events[0].Message), alloc)
	}
}

// cancelAt is an io.ReaderAt that cancels a context once reading passes
// an offset, and records how far reading went.
type cancelAt struct {
	data   []byte
	at     int64
	cancel func()
	max    int64
}

func (c *cancelAt) ReadAt(p []byte, off int64) (int, error) {
	if off > c.at {
		c.cancel()
	}
	c.max = max(c.max, off+int64(len(p)))
	return bytes.NewReader(c.data).ReadAt(p, off)
}

// TestContextStopsLongEvent: a context cancelled while one huge event or
// token is read stops reading soon after, in every export reader.
func TestContextStopsLongEvent(t *testing.T) {
	const n = 32 << 20
	for name, data := range map[string][]byte{
		"nested":  []byte(`<Event><EventData>` + strings.Repeat("<a>", n/3)),
		"comment": []byte(`<Event><EventData><!--` + strings.Repeat("-", n)),
		"value":   []byte(`<Event><EventData><Data Name="` + strings.Repeat("x", n)),
		"text":    []byte("Log Name: System\r\nEvent ID: 20\r\nDescription:\r\n" + strings.Repeat("x", n)),
		"csv":     []byte("Level,Date and Time,Source,Event ID,Task Category\r\nError,1/2/2024 3:04:05 AM,WU,20,None,\"" + strings.Repeat("x\r\n", n/3)),
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ra := &cancelAt{data: data, at: 2 << 20, cancel: cancel}
			r := evtx.NewReader(ra, int64(len(data)), nil)
			var last error
			for _, err := range r.All(ctx) {
				last = err
			}
			if !errors.Is(last, context.Canceled) {
				t.Errorf("last error %v, want context.Canceled", last)
			}
			if ra.max > 4<<20 {
				t.Errorf("read up to offset %d after cancelling at %d", ra.max, ra.at)
			}
		})
	}
}
