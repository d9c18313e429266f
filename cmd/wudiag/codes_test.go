package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunCodes(t *testing.T) {
	var out, errb bytes.Buffer
	code := runCodes(context.Background(), []string{"-2147023293", "0x800f081f", "HRESULT_FROM_WIN32(14098)", "0x80501005"}, &out, &errb)
	if code != exitOK || errb.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"0x80070643  ERROR_INSTALL_FAILURE  (Win32 1603; signed -2147023293, unsigned 2147944003)  Fatal error during installation",
		`parsed from: "-2147023293"`,
		"0x800f081f  CBS_E_SOURCE_MISSING",
		"suggests: component_corruption",
		"0x80073712  ERROR_SXS_COMPONENT_STORE_CORRUPT  (Win32 14098;",
		"0x80501005  (no name)  (facility 80;",
		"not in the table",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestRunCodesBadArgument(t *testing.T) {
	var out, errb bytes.Buffer
	code := runCodes(context.Background(), []string{"0x80070643", "nonsense!", "112"}, &out, &errb)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errb.String(), `"nonsense!"`) {
		t.Errorf("stderr does not name the argument: %q", errb.String())
	}
	if !strings.Contains(out.String(), "0x80070643") || !strings.Contains(out.String(), "0x80070070  ERROR_DISK_FULL") {
		t.Errorf("the good arguments were not printed:\n%s", out.String())
	}
}

func TestRunCodesJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runCodes(context.Background(), []string{"--json", "1603", "ERROR_DISK_FULL"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var got []codeReport
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out.String())
	}
	if len(got) != 2 || got[0].Code != "0x80070643" || got[0].Name != "ERROR_INSTALL_FAILURE" || *got[0].Win32 != 1603 ||
		got[1].Code != "0x80070070" || !got[1].Known {
		t.Errorf("JSON = %+v", got)
	}
}

func TestRunCodesUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runCodes(context.Background(), []string{"-h"}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "SYNOPSIS") {
		t.Errorf("-h: exit %d, output %q", code, out.String())
	}
	out.Reset()
	if code := runCodes(context.Background(), nil, &out, &errb); code != exitUsage {
		t.Errorf("no args: exit %d", code)
	}
	if code := runCodes(context.Background(), []string{"--bogus", "1"}, &out, &errb); code != exitUsage {
		t.Errorf("unknown flag: exit %d", code)
	}
}
