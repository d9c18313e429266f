package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// osc52 would set the clipboard of the analyst's terminal.
const osc52 = "\x1b]52;c;ZWNobyBvd25lZA==\x07"

// hasControl reports the first control character other than tab and
// newline in s, if any.
func hasControl(s string) (rune, bool) {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' || r >= 0x7f && r < 0xa0 {
			return r, true
		}
	}
	return 0, false
}

// hostileExample is the shipped example with an OSC 52 sequence in a
// CBS line that becomes evidence, and in the file's name.
func hostileExample(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption")
	dir := t.TempDir()
	for _, name := range []string{"CBS.log", "dism.log"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte("Failed to add one or more deployment"), []byte("Failed to add one or more deployment "+osc52+"\x1b[2J"), 1)
		if name == "CBS.log" {
			name = "CBS" + osc52 + ".log"
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Control characters from logs and file names reach no text output.
func TestTextOutputsShowControls(t *testing.T) {
	dir := hostileExample(t)
	for _, args := range [][]string{
		{"analyze", "-lang", "en", "-format", "text", dir},
		{"analyze", "-lang", "en", "-format", "table", dir},
		{"analyze", "-lang", "en", "-format", "markdown", dir},
		{"summary", "-all", dir},
		{"codes", "0x80070643" + osc52},
	} {
		code, out, stderr := runCLI(args...)
		if r, bad := hasControl(out + stderr); bad {
			t.Errorf("%v (exit %d): control character %q in the output:\n%s\n%s", args, code, r, out, stderr)
		}
		if args[0] != "codes" && !strings.Contains(out, "^[]52;c;") {
			t.Errorf("%v: the escape is not shown:\n%s", args, out)
		}
	}

	// events --format table, from an event log whose data holds one.
	name := filepath.Join(t.TempDir(), "System.evtx")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w := evtxwrite.New(f, nil)
	w.Add(evtxwrite.Event{Channel: "System", Provider: "Evil" + osc52, EventID: 20, Level: 2,
		Time: time.Date(2024, 1, 10, 10, 0, 0, 0, time.UTC), Computer: "PC1",
		Data: []evtxwrite.Field{{Name: "updateTitle", Value: "KB1 " + osc52 + "\r\x1b[2J"}}})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var stdout, stderr bytes.Buffer
	runEvents(context.Background(), []string{"--format", "table", name}, &stdout, &stderr)
	if r, bad := hasControl(stdout.String()); bad || !strings.Contains(stdout.String(), "^[]52;c;") {
		t.Errorf("events table: control %q:\n%s", r, stdout.String())
	}
}

// events --format xml cannot be made to forge elements by a name or a
// binary value from the input.
func TestEventsXMLEscapesNamesAndBinary(t *testing.T) {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	xw := &xmlWriter{w: bw}
	xw.begin()
	err := xw.event("f", &evtx.Event{Provider: "P", UserData: `Evil></UserData><Forged a="1"`, UserDataNS: `urn:x" y="z`,
		Data: []evtx.Field{{Name: "a><b", Value: "v"}, {Name: "1st", Value: "w"}, {Name: "", Value: "e"}}})
	if err != nil {
		t.Fatal(err)
	}
	xw.event("f", &evtx.Event{Provider: "P", Binary: "00</Binary></EventData></Event><Event><System><Provider Name=\"forged\"/>",
		Data: []evtx.Field{{Name: "x", Value: "y"}}})
	xw.end()
	bw.Flush()
	out := b.String()
	// Well formed, with exactly the two events written.
	dec := xml.NewDecoder(strings.NewReader(out))
	events, forged := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "Event":
				events++
			case "Forged":
				forged++
			}
			for _, a := range se.Attr {
				if a.Value == "forged" {
					forged++
				}
			}
		}
	}
	if events != 2 || forged != 0 {
		t.Errorf("%d events, %d forged:\n%s", events, forged, out)
	}
}

func TestXMLName(t *testing.T) {
	for in, want := range map[string]string{
		"CbsPackageChangeState": "CbsPackageChangeState",
		"a><b":                  "a__b",
		"1st":                   "_1st",
		"":                      "_",
		"ns:x":                  "ns_x",
		"日本":                    "日本",
		"a b=\"c\"":             "a_b__c_",
	} {
		if got := xmlName(in); got != want {
			t.Errorf("xmlName(%q) = %q, want %q", in, got, want)
		}
	}
}
