package cbslog_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/wudiag/wudiag/cbslog"
)

const excerpt = "\uFEFF" +
	"2025-02-27 08:58:35, Info                  CBS    Session: 31033555_3320119381 initialized by client WindowsUpdateAgent\r\n" +
	"2025-02-27 08:58:35, Error                 CSI    0000000a@2025/2/27:11:58:35.891 (F) Attempting to mark store corrupt with category [l:21 ml:22]'CorruptComponentValue'[gle=0x80004005]\r\n" +
	"2025-02-27 08:58:35, Info                  CBS    Failed to add one or more deployment [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]\r\n" +
	"2025-02-27 08:58:36, Info                  CBS    Session: 31033555_3320119381 finalized. Reboot required: no [HRESULT = 0x80073712 - ERROR_SXS_COMPONENT_STORE_CORRUPT]\r\n"

// Read entries one at a time, like bufio.Scanner. Failures are mostly
// logged at Info level: look at the codes, not the level.
func ExampleReader() {
	r := cbslog.NewReader(strings.NewReader(excerpt))
	for r.Scan() {
		e := r.Entry()
		if e.Failed() {
			fmt.Printf("line %d %s %s failure=%v %v\n", e.Line, e.Level, e.Component, e.Failure, e.Codes)
		}
	}
	if err := r.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// line 2 Error CSI failure=true [0x80004005]
	// line 3 Info CBS failure=false [0x80073712]
	// line 4 Info CBS failure=false [0x80073712]
}

// Range over the entries with an iterator.
func ExampleEntries() {
	for e, err := range cbslog.Entries(strings.NewReader(excerpt)) {
		if err != nil {
			log.Fatal(err)
		}
		if e.Seq >= 0 {
			fmt.Printf("CSI record %#x logged at %s UTC: %.40s\n", e.Seq, e.UTC.Format("15:04:05.000"), e.Text)
		}
	}
	// Output:
	// CSI record 0xa logged at 11:58:35.891 UTC: Attempting to mark store corrupt with ca
}

// Summarize a whole log: sessions, SFC findings, store reports.
func ExampleSummarize() {
	s, err := cbslog.Summarize(strings.NewReader(excerpt))
	if err != nil {
		log.Fatal(err)
	}
	for _, ss := range s.Sessions {
		fmt.Printf("session %s by %s: %v, first failure at line %d\n", ss.ID, ss.Client, ss.Result, ss.FirstFailure.Line)
	}
	fmt.Printf("machine clock: UTC%+.0fh\n", s.Offset.Hours())
	// Output:
	// session 31033555_3320119381 by WindowsUpdateAgent: 0x80073712, first failure at line 2
	// machine clock: UTC-3h
}

func ExampleParsePackage() {
	p, _ := cbslog.ParsePackage("Package_for_ServicingStack_3081~31bf3856ad364e35~amd64~~20348.3081.1.1")
	fmt.Println(p.Kind, p.Arch, p.Version)
	p, _ = cbslog.ParsePackage("Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.3")
	fmt.Println(p.Kind, p.KB)
	// Output:
	// ssu amd64 20348.3081.1.1
	// kb KB5034441
}
