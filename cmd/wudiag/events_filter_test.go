package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// writeMixedLog writes a System log with events of several providers,
// IDs, levels and days, and one whose values would run as spreadsheet
// formulas.
func writeMixedLog(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "System.evtx")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w := evtxwrite.New(f, nil)
	day := func(d, h int) time.Time { return time.Date(2024, 1, d, h, 0, 0, 0, time.UTC) }
	for _, ev := range []evtxwrite.Event{
		{Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: 43, Level: 4, Time: day(10, 9),
			Data: []evtxwrite.Field{{Name: "updateTitle", Value: "Update (KB5034441)"}}},
		{Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: 20, Level: 2, Time: day(10, 10),
			Data: []evtxwrite.Field{{Name: "errorCode", Value: "0x80070643"}, {Name: "updateTitle", Value: "Update (KB5034441)"}}},
		{Provider: "Microsoft-Windows-WinREAgent", EventID: 4502, Level: 2, Time: day(11, 10),
			Data: []evtxwrite.Field{{Name: "ErrorPhase", Value: "2"}, {Name: "Errorcode", Value: "-2146498520"}}},
		{Provider: "Service Control Manager", EventID: 7045, Level: 4, Time: day(12, 10),
			Data: []evtxwrite.Field{{Name: "ServiceName", Value: "=cmd|' /C calc'!A0"}, {Name: "ImagePath", Value: "@evil.sys"}}},
		{Provider: "disk", EventID: 7, Level: 2, Time: day(13, 10),
			Data: []evtxwrite.Field{{Value: `\Device\Harddisk0\DR0`}}},
		{Provider: "Microsoft-Windows-Kernel-General", EventID: 12, Level: 1, Time: day(14, 10)},
	} {
		ev.Channel, ev.Computer = "System", "PC1"
		w.Add(ev)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return name
}

func TestEventsFilters(t *testing.T) {
	log := writeMixedLog(t)
	tests := []struct {
		name string
		args []string
		ids  string // event IDs printed, in order
		code int
	}{
		{"all", nil, "43,20,4502,7045,7,12", exitOK},
		{"id list", []string{"--id", "20,7"}, "20,7", exitOK},
		{"id range", []string{"--id", "4500-4504,12"}, "4502,12", exitOK},
		{"provider substring without case", []string{"--provider", "windowsupdate"}, "43,20", exitOK},
		{"provider list", []string{"--provider", "winre,DISK"}, "4502,7", exitOK},
		{"level names", []string{"--level", "critical,error"}, "20,4502,7,12", exitOK},
		{"level numbers", []string{"--level", "4"}, "43,7045", exitOK},
		{"since date", []string{"--since", "2024-01-12"}, "7045,7,12", exitOK},
		{"until date is the whole day", []string{"--until", "2024-01-11"}, "43,20,4502", exitOK},
		{"window with offsets", []string{"--since", "2024-01-10T18:30:00+09:00", "--until", "2024-01-11 10:00"}, "20,4502", exitOK},
		{"all filters", []string{"--id", "20,4502,7", "--provider", "windows", "--level", "error", "--since", "2024-01-11"}, "4502", exitOK},
		{"bad id", []string{"--id", "20,x"}, "", exitUsage},
		{"bad range", []string{"--id", "30-20"}, "", exitUsage},
		{"bad level", []string{"--level", "fatal"}, "", exitUsage},
		{"bad since", []string{"--since", "yesterday"}, "", exitUsage},
		{"since after until", []string{"--since", "2024-01-12", "--until", "2024-01-11"}, "", exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"--format", "csv", "--lang", "en"}, tt.args...)
			code := runEvents(context.Background(), append(args, log), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if code != exitOK {
				return
			}
			rows, err := csv.NewReader(&stdout).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range rows[1:] {
				ids = append(ids, r[2])
			}
			if got := strings.Join(ids, ","); got != tt.ids {
				t.Errorf("events %s, want %s", got, tt.ids)
			}
		})
	}
}

func TestEventsCSVIsSafeInASpreadsheet(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := runEvents(context.Background(), []string{"--format", "csv", "--lang", "en", "--id", "7045,4502", writeMixedLog(t)}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rows, err := csv.NewReader(&stdout).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want a header and 2", len(rows))
	}
	for _, r := range rows {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("cell %q would run as a formula", c)
			}
		}
	}
	if got := rows[1][7]; got != "WinRE agent: servicing failed: error phase 2, 0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE" {
		t.Errorf("sentence %q", got)
	}
	if got := rows[1][8]; got != "ErrorPhase=2; Errorcode=-2146498520" {
		t.Errorf("data %q", got)
	}
	if got := rows[2][8]; !strings.HasPrefix(got, "ServiceName==cmd") {
		t.Errorf("data %q: the value is kept as written inside the pairs", got)
	}
	if got := rows[2][7]; !strings.HasPrefix(got, "Service installed: =cmd|' /C calc'!A0 (@evil.sys)") {
		t.Errorf("sentence %q", got)
	}
}
