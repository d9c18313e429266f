package evtx_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// toXML renders an event as Windows does, escaping text with entities and
// carriage returns as character references, so that reading it back must
// give the same event.
func toXML(ev *evtx.Event) string {
	var b strings.Builder
	esc := func(s string) {
		var e bytes.Buffer
		xml.EscapeText(&e, []byte(s))
		b.Write(e.Bytes())
	}
	b.WriteString(`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="`)
	esc(ev.Provider)
	b.WriteString(`"`)
	if ev.ProviderGUID != "" {
		b.WriteString(` Guid="` + ev.ProviderGUID + `"`)
	}
	if ev.EventSourceName != "" {
		b.WriteString(` EventSourceName='`)
		esc(ev.EventSourceName)
		b.WriteString(`'`)
	}
	b.WriteString(`/>` + "\r\n  <EventID")
	if ev.HasQualifiers {
		fmt.Fprintf(&b, ` Qualifiers="%d"`, ev.Qualifiers)
	}
	fmt.Fprintf(&b, `>%d</EventID><Version>%d</Version><Level>%d</Level><Task>%d</Task><Opcode>%d</Opcode><Keywords>0x%x</Keywords>`,
		ev.EventID, ev.Version, ev.Level, ev.Task, ev.Opcode, ev.Keywords)
	fmt.Fprintf(&b, `<TimeCreated SystemTime="%s"/><EventRecordID>%d</EventRecordID>`, ev.Time.Format("2006-01-02T15:04:05.0000000Z"), ev.RecordID)
	if ev.ActivityID != "" {
		b.WriteString(`<Correlation ActivityID="` + ev.ActivityID + `"/>`)
	}
	fmt.Fprintf(&b, `<Execution ProcessID="%d" ThreadID="%d"/><Channel>`, ev.ProcessID, ev.ThreadID)
	esc(ev.Channel)
	b.WriteString(`</Channel><!-- a comment --><Computer>`)
	esc(ev.Computer)
	b.WriteString(`</Computer>`)
	if ev.UserID != "" {
		b.WriteString(`<Security UserID="` + ev.UserID + `"/>`)
	}
	b.WriteString("</System>\n")
	if ev.UserData != "" {
		b.WriteString(`<UserData><` + ev.UserData)
		if ev.UserDataNS != "" {
			b.WriteString(` xmlns="`)
			esc(ev.UserDataNS)
			b.WriteString(`"`)
		}
		b.WriteString(`>`)
		for _, f := range ev.Data {
			b.WriteString("<" + f.Name + ">")
			esc(f.Value)
			b.WriteString("</" + f.Name + ">")
		}
		b.WriteString(`</` + ev.UserData + `></UserData>`)
	} else if len(ev.Data) > 0 || ev.Binary != "" {
		b.WriteString(`<EventData>`)
		for _, f := range ev.Data {
			switch {
			case f.Value == "" && f.Name != "":
				b.WriteString(`<Data Name="`)
				esc(f.Name)
				b.WriteString(`"/>`)
				continue
			case f.Name != "":
				b.WriteString(`<Data Name="`)
				esc(f.Name)
				b.WriteString(`">`)
			default:
				b.WriteString(`<Data>`)
			}
			esc(f.Value)
			b.WriteString(`</Data>`)
		}
		if ev.Binary != "" {
			b.WriteString(`<Binary>` + ev.Binary + `</Binary>`)
		}
		b.WriteString(`</EventData>`)
	}
	if ev.Message != "" {
		b.WriteString(`<RenderingInfo Culture="en-US"><Message>`)
		esc(ev.Message)
		b.WriteString(`</Message></RenderingInfo>`)
	}
	b.WriteString("</Event>\r\n")
	return b.String()
}

// xmlSafe reports whether every string of ev can be written in XML.
func xmlSafe(ev *evtx.Event) bool {
	ok := func(s string) bool {
		if !utf8.ValidString(s) {
			return false
		}
		for _, r := range s {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF || r >= 0xD800 && r < 0xE000 {
				return false
			}
		}
		return true
	}
	for _, f := range ev.Data {
		if !ok(f.Value) || !ok(f.Name) {
			return false
		}
	}
	return ok(ev.Message) && ok(ev.Computer) && ok(ev.Channel)
}

// sameEvent compares what an XML export keeps of an event.
func sameEvent(t *testing.T, want, got *evtx.Event) {
	t.Helper()
	w, g := *want, *got
	w.HeaderID, w.Written, w.Offset, w.Source, w.Recovered = 0, time.Time{}, 0, 0, false
	g.HeaderID, g.Written, g.Offset, g.Source, g.Recovered = 0, time.Time{}, 0, 0, false
	if len(w.Data) == 0 {
		w.Data = nil
	}
	if len(g.Data) == 0 {
		g.Data = nil
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("record %d:\nbinary %+v\nxml    %+v", want.RecordID, w, g)
	}
}

// roundTrip reads a binary log, writes its events as an XML export and
// requires the XML reader to give the same events back.
func roundTrip(t *testing.T, data []byte) int {
	t.Helper()
	var events []*evtx.Event
	var doc strings.Builder
	doc.WriteString("\uFEFF<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<!DOCTYPE Events [<!ENTITY x \"y\">]>\r\n<Events>\r\n")
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil)
	for r.Next() {
		ev := r.Event()
		if ev.RecordID == 0 || !xmlSafe(ev) {
			continue // XML cannot tell 0 from absent, nor hold NUL
		}
		events = append(events, ev)
		doc.WriteString(toXML(ev))
	}
	doc.WriteString("</Events>\r\n")
	x := []byte(doc.String())
	xr := evtx.NewReader(bytes.NewReader(x), int64(len(x)), nil)
	if xr.Kind() != evtx.XML {
		t.Fatalf("kind %v", xr.Kind())
	}
	i := 0
	for xr.Next() {
		if len(xr.Warnings()) > 0 {
			t.Errorf("warnings: %v", xr.Warnings())
		}
		if i < len(events) {
			sameEvent(t, events[i], xr.Event())
		}
		i++
	}
	if i != len(events) || xr.Err() != nil || len(xr.Warnings()) > 0 {
		t.Errorf("XML gives %d events (binary %d), err %v, warnings %v", i, len(events), xr.Err(), xr.Warnings())
	}
	return i
}

// TestXMLRoundTrip checks the XML tokenizer against the binary reader on
// a generated log with every payload shape, values with markup characters
// and carriage returns, and on the shared samples when present.
func TestXMLRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, nil)
	tm := time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)
	for i := 0; i < 50; i++ {
		w.Add(evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: 20, Level: 2, Time: tm,
			ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}", UserID: "S-1-5-18",
			Data: []evtxwrite.Field{{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)},
				{Name: "updateTitle", Value: fmt.Sprintf("<b>KB%d</b> & \"x\" 'y'\r\nline 2 ]]> é 日本", i)}, {Name: "Unused", Value: ""}}})
		w.Add(evtxwrite.Event{Channel: "Setup", Provider: "Microsoft-Windows-Servicing", EventID: 3, Time: tm,
			UserData: "CbsPackageChangeState", UserDataNS: "http://manifests.microsoft.com/win/2004/08/windows/setup_provider",
			Data: []evtxwrite.Field{{Name: "PackageIdentifier", Value: "KB5034441"}, {Name: "ErrorCode", Value: "0x800f0922"}}})
		w.Add(evtxwrite.Event{Channel: "Application", Provider: "MsiInstaller", EventID: 1033, HasQualifiers: true, Time: tm,
			Unnamed: true, Data: []evtxwrite.Field{{Value: "EMET 5.51"}, {Value: "1603"}}, Binary: []byte{0x7b, 0x34}})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := roundTrip(t, buf.Bytes()); n != 150 {
		t.Errorf("%d events", n)
	}
}

func TestXMLRoundTripSamples(t *testing.T) {
	_, files := sharedSamples(t)
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Size() > 8<<20 {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, data)
		})
	}
}

// TestXMLLenient reads the sloppy XML that hand edits and other tools
// produce, as well as it can.
func TestXMLLenient(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []evtx.Field
	}{
		{"unescaped &", `<Event><EventData><Data Name="a">x & y &unknown; &#x41;&#66;</Data></EventData></Event>`, []evtx.Field{{"a", "x & y &unknown; AB"}}},
		{"unquoted and bare attributes", `<Event><EventData><Data Name=a checked>v</Data></EventData></Event>`, []evtx.Field{{"a", "v"}}},
		{"prefixes", `<e:Event xmlns:e="urn:x"><e:EventData><e:Data Name="a">v</e:Data></e:EventData></e:Event>`, []evtx.Field{{"a", "v"}}},
		{"CDATA and comments", `<Event><EventData><Data Name="a"><![CDATA[<x>&amp;]]><!-- c --> y</Data></EventData></Event>`, []evtx.Field{{"a", "<x>&amp; y"}}},
		{"stray <", `<Event><EventData><Data Name="a">1 < 2</Data></EventData></Event>`, []evtx.Field{{"a", "1 < 2"}}},
		{"single quotes with >", `<Event><EventData><Data Name='a>b'>v</Data></EventData></Event>`, []evtx.Field{{"a>b", "v"}}},
		{"missing end tags", `<Event><EventData><Data Name="a">v</Data><Data Name="b">w</Event>`, []evtx.Field{{"a", "v"}, {"b", "w"}}},
		{"PI", `<?xml version="1.0"?><?pi x?><Events><Event><EventData><Data Name="a">v</Data></EventData></Event></Events>`, []evtx.Field{{"a", "v"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := evtx.NewReader(strings.NewReader(tt.in), int64(len(tt.in)), nil)
			if !r.Next() {
				t.Fatalf("no event: %v %v", r.Err(), r.Warnings())
			}
			if got := r.Event().Data; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Data = %q, want %q", got, tt.want)
			}
		})
	}
}
