package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// writeLog writes a small System log with a WindowsUpdateClient 20 failure.
func writeLog(t *testing.T, opts *evtxwrite.Options) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "System.evtx")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w := evtxwrite.New(f, opts)
	for i := 0; i < 300; i++ {
		w.Add(evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient",
			ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}", EventID: 20, Level: 2,
			Time:     time.Date(2024, 1, 10, 10, 0, i, 0, time.UTC),
			Computer: "PC1", UserID: "S-1-5-18",
			Data: []evtxwrite.Field{{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)},
				{Name: "updateTitle", Value: "2024-01 Update for Windows (KB5034441)"}}})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return name
}

func TestEvents(t *testing.T) {
	clean := writeLog(t, nil)
	damaged := writeLog(t, &evtxwrite.Options{ZeroSizeRecords: []uint64{7}, BadChunkCRC: []int{0}})
	notLog := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notLog, []byte("hello"), 0o644)
	bundle := zipOf(t, map[string]string{"Logs/System.evtx": clean, "notes.txt": notLog})
	xmlExport := filepath.Join(t.TempDir(), "export.xml")
	os.WriteFile(xmlExport, []byte(`<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="MsiInstaller"/><EventID Qualifiers="0">1033</EventID><TimeCreated SystemTime="2016-08-30T15:21:37.000000000Z"/><EventRecordID>7</EventRecordID><Channel>Application</Channel></System><EventData><Data>EMET 5.51</Data><Data>5.51</Data><Data>1033</Data><Data>1603</Data></EventData></Event>`), 0o644)

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings of stdout
		stderr     []string // substrings of stderr
		jsonEvents int      // JSON lines expected (-1: not checked)
	}{
		{"jsonl", []string{clean}, exitOK, []string{`"errorCode"`, `"0x80070643"`, `"eventId":20`}, nil, 300},
		{"table", []string{"--format", "table", "--lang", "en", clean}, exitOK, []string{"TIME (UTC)", "MESSAGE", "Windows Update failed to install KB5034441: 0x80070643 ERROR_INSTALL_FAILURE — 2024-01 Update for Windows (KB5034441)"}, nil, -1},
		{"table in Japanese", []string{"--format", "table", "--lang", "ja", clean}, exitOK, []string{"Windows Update で KB5034441 のインストールに失敗しました: 0x80070643 ERROR_INSTALL_FAILURE"}, nil, -1},
		{"table, classic source", []string{"--format", "table", "--lang", "en", xmlExport}, exitOK, []string{"Windows Installer failed to install EMET 5.51 (version 5.51): 0x80070643 ERROR_INSTALL_FAILURE (status 1603)"}, nil, -1},
		{"csv", []string{"--format", "csv", "--lang", "en", clean}, exitOK, []string{
			"time,record,event_id,level,provider,channel,computer,sentence,data,file,recovered\n",
			"2024-01-10T10:00:00.0000000Z,1,20,Error,Microsoft-Windows-WindowsUpdateClient,System,PC1,Windows Update failed to install KB5034441: 0x80070643 ERROR_INSTALL_FAILURE — 2024-01 Update for Windows (KB5034441),errorCode=0x80070643; updateTitle=2024-01 Update for Windows (KB5034441)," + clean + ",\n"}, nil, -1},
		{"bad lang", []string{"--lang", "fr", clean}, exitUsage, nil, []string{"unknown --lang"}, 0},
		{"xml", []string{"--format=xml", clean}, exitOK, []string{"<Events>", `<Data Name="errorCode">0x80070643</Data>`, "</Events>"}, nil, -1},
		{"parallel", []string{"--parallel", "4", clean}, exitOK, nil, nil, 300},
		{"damaged file still printed", []string{damaged}, exitOK, nil, []string{damaged + ": evtx: record 7 at offset", "checksum mismatch"}, 299},
		{"xml export", []string{xmlExport}, exitOK, []string{`"value":"1603"`, `"source":"xml"`}, nil, 1},
		{"one unreadable of two", []string{notLog, clean}, exitOK, nil, []string{"notes.txt: not an event log (text)"}, 300},
		{"nothing readable", []string{notLog}, exitUsage, nil, []string{"notes.txt"}, 0},
		{"missing path", []string{clean, "/nonexistent.evtx"}, exitOK, nil, []string{"/nonexistent.evtx"}, 300},
		{"folder and zip", []string{filepath.Dir(damaged), bundle}, exitOK, nil, []string{"checksum mismatch"}, 299 + 300},
		{"no files", nil, exitUsage, nil, []string{"no PATH given"}, 0},
		{"bad format", []string{"--format", "pdf", clean}, exitUsage, nil, []string{"unknown format"}, 0},
		{"bad flag", []string{"--bogus", clean}, exitUsage, nil, []string{"NAME"}, 0},
		{"help", []string{"-h"}, exitOK, nil, []string{"SYNOPSIS", "EXIT STATUS", "--recover", "--since", "--level", "csv"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runEvents(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q", s)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
			if tt.jsonEvents >= 0 && (len(tt.args) == 0 || !strings.HasPrefix(tt.args[0], "--format")) {
				n := 0
				for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
					if line == "" {
						continue
					}
					var v map[string]any
					if err := json.Unmarshal([]byte(line), &v); err != nil {
						t.Fatalf("bad JSON line %q: %v", line, err)
					}
					n++
				}
				if n != tt.jsonEvents {
					t.Errorf("%d JSON events, want %d", n, tt.jsonEvents)
				}
			}
		})
	}
}

// zipOf writes a zip of the named files (entry name → path on disk),
// compressed, and returns its path.
func zipOf(t *testing.T, entries map[string]string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "bundle.zip")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for entry, path := range entries {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(entry)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return name
}
