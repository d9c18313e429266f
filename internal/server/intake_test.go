package server

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
)

// etlTrace is the start of a binary ETW trace (a WMI buffer header and
// the trace's logfile header event): what WindowsUpdate writes in *.etl.
func etlTrace() []byte {
	b := make([]byte, 0x200)
	b[2] = 1 // buffer size 0x10000
	copy(b[0x48:], []byte{2, 0, 2, 0xC0, 0xB0, 0, 0, 0})
	return b
}

// An upload holding only *.etl files is not a failure "no readable log":
// the case is done and lists every file with the reason and what to send
// instead, in the page's language, in the API and on the case page.
func TestOnlyETLListsTheReason(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"WindowsUpdate.20240110.1.etl", "WindowsUpdate.20240111.1.etl"} {
		w, _ := zw.Create(name)
		w.Write(append(etlTrace(), name...))
	}
	zw.Close()
	id := ts.postZip(t, buf.Bytes())
	if r := ts.wait(t, id, "en"); r.Status != "done" {
		t.Fatalf("only ETL traces: %+v", r)
	}
	var d struct {
		Inputs []struct {
			File, Reason string
			Skipped      bool
		}
	}
	if code := ts.do(t, "GET", "/api/v1/cases/"+id+"/diagnosis", "", nil, &d); code != http.StatusOK {
		t.Fatalf("GET diagnosis: %d", code)
	}
	if len(d.Inputs) != 2 {
		t.Fatalf("inputs %+v", d.Inputs)
	}
	for _, in := range d.Inputs {
		if in.Reason != "etl" || !in.Skipped || !strings.HasPrefix(in.File, "bundle.zip:WindowsUpdate.") {
			t.Errorf("input %+v: want a skipped bundle.zip entry with reason etl", in)
		}
	}
	for lang, want := range map[string]string{
		"en": "binary ETW trace: on the machine, run Get-WindowsUpdateLog and send WindowsUpdate.log",
		"ja": "バイナリ ETW トレース: 対象のコンピューターで Get-WindowsUpdateLog を実行し、WindowsUpdate.log を送ってください",
	} {
		code, page := ts.get(t, "/cases/"+id+"?lang="+lang)
		if code != http.StatusOK {
			t.Fatalf("case page: %d", code)
		}
		if n := strings.Count(html.UnescapeString(string(page)), want); n != 2 {
			t.Errorf("%s case page shows the reason %d times, want 2 (once per file)", lang, n)
		}
	}
}

// The problems of a failed case are listed with their reason in the
// page's language, and in the API as lines.
func TestFailedCaseProblemsTranslated(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	id := ts.postZip(t, []byte("PK\x03\x04 and nothing else"))
	r := ts.wait(t, id, "en")
	if r.Status != "done" && r.Status != "failed" {
		t.Fatalf("damaged zip: %+v", r)
	}
	var c struct{ Problems []string }
	ts.do(t, "GET", "/api/v1/cases/"+id, "", nil, &c)
	if len(c.Problems) != 1 || !strings.HasPrefix(c.Problems[0], "bundle.zip: read zip: ") {
		t.Errorf("problems %q", c.Problems)
	}
	_, page := ts.get(t, "/cases/"+id+"?lang=ja")
	if !strings.Contains(string(page), "破損したアーカイブ") {
		t.Errorf("Japanese case page does not name the damaged archive:\n%s", page)
	}
	var raw json.RawMessage
	ts.do(t, "GET", "/api/v1/cases/"+id, "", nil, &raw)
	if bytes.Count(raw, []byte(`"machine"`)) != 1 {
		t.Errorf("case answer has %d machine keys: %s", bytes.Count(raw, []byte(`"machine"`)), raw)
	}
}
