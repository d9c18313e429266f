package source

import (
	"bytes"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/sharedtest"
)

func TestDetect(t *testing.T) {
	etl := make([]byte, 0x100)
	binary.LittleEndian.PutUint32(etl, 0x10000)
	copy(etl[0x48:], []byte{2, 0, 2, 0xC0, 0xB0, 0, 0, 0})
	chunks := append(make([]byte, 4096), "ElfChnk\x00"...)
	cbs := "2024-03-01 10:00:00, Info                  CBS    Starting TrustedInstaller initialization.\r\n"
	dism := "2024-03-01 10:00:00, Info                  DISM   DISM.EXE: <----- Starting Dism.exe session ----->\r\n"
	for _, tt := range []struct {
		name string
		head []byte
		want Kind
	}{
		{"evtx", []byte("ElfFile\x00rest"), EVTX},
		{"evtx chunk", []byte("ElfChnk\x00rest"), EVTX},
		{"evtx damaged header", chunks, EVTX},
		{"zip", []byte("PK\x03\x04...."), Zip},
		{"empty zip", []byte("PK\x05\x06...."), Zip},
		{"cab", []byte("MSCF\x00\x00\x00\x00"), Cab},
		{"gzip", []byte("\x1f\x8b\x08\x00"), Gzip},
		{"etl", etl, ETL},
		{"exe", []byte("MZ\x90\x00"), Binary},
		{"pdf", []byte("%PDF-1.7"), Binary},
		{"cbs", []byte(cbs), CBS},
		{"cbs utf-16", utf16le(strings.Repeat(cbs, 3)), CBS},
		{"dism", []byte(dism + cbs), DISM},
		{"xml", []byte(`<?xml version="1.0"?><Events><Event xmlns="x">`), EventXML},
		{"xml no prolog", []byte("\r\n<Event xmlns='x'><System>"), EventXML},
		{"text", []byte("Log Name:      System\r\nSource:        Microsoft-Windows-WindowsUpdateClient\r\n"), EventText},
		{"text ja", []byte("ログの名前:    System\r\nソース:        Microsoft-Windows-WindowsUpdateClient\r\n"), EventText},
		{"wevtutil text", []byte("Event[0]:\r\n  Log Name: System\r\n"), EventText},
		{"csv", []byte("Level,Date and Time,Source,Event ID,Task Category\r\nError,..."), EventCSV},
		{"export-csv", []byte("#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n\"Message\",\"Id\",\"ProviderName\"\r\n"), EventCSV},
		{"format-list", []byte("\r\n\r\nTimeCreated  : 1/2/2024\r\nProviderName : X\r\nId           : 20\r\n"), EventText},
		{"sccm is not xml", []byte("<![LOG[Update failed]LOG]!><time=\"\">"), Text},
		{"windowsupdate", []byte("2024/01/10 10:00:00.1234567 1234  5678  Agent           WARNING: Failed\r\n"), Text},
		{"empty", nil, Text},
	} {
		if got := Detect(tt.head); got != tt.want {
			t.Errorf("%s: Detect = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	for k := Unknown; k <= Binary; k++ {
		if k != Unknown && k.String() == "" {
			t.Errorf("kind %d has no name", k)
		}
	}
	if Kind(200).String() != "kind(200)" {
		t.Errorf("Kind(200) = %q", Kind(200).String())
	}
	if !Zip.Archive() || CBS.Archive() || !EventCSV.EventLog() || ETL.Readable() || !Text.Readable() {
		t.Error("kind predicates disagree with the kinds")
	}
}

// Detect takes for an event-log export exactly what the event-log
// reader's own Sniff accepts, on every sample and example: a file handed
// to the reader is one it reads.
func TestDetectAgreesWithEvtx(t *testing.T) {
	roots := []string{filepath.Join("..", "..", "corpus", "examples")}
	if root := sharedtest.Root(); root != "" {
		roots = append(roots, filepath.Join(root, "samples"))
	}
	n := 0
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				t.Error(err)
				return nil
			}
			head := make([]byte, HeadSize)
			m, _ := io.ReadFull(f, head)
			f.Close()
			head = head[:m]
			n++
			got := Detect(head)
			want := map[evtx.Kind]Kind{evtx.Binary: EVTX, evtx.XML: EventXML, evtx.Text: EventText, evtx.CSV: EventCSV}[evtx.Sniff(head)]
			switch {
			case want != Unknown && got != want:
				t.Errorf("%s: Detect = %v, evtx.Sniff says %v", p, got, want)
			case want == Unknown && got.EventLog() && !bytes.Contains(utf8Head(head), []byte("Event ID:")):
				t.Errorf("%s: Detect = %v, evtx.Sniff reads no event log", p, got)
			}
			return nil
		})
	}
	if n == 0 {
		t.Fatal("no file compared")
	}
	t.Logf("%d files compared", n)
}
