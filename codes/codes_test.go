package codes

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Code
	}{
		{"0x80070643", 0x80070643},
		{"0X80070643", 0x80070643},
		{"80070643", 0x80070643},
		{"800F0922", 0x800f0922},
		{"0x643", 0x80070643},       // short hex with 0x: a Win32 code
		{"0x0", 0},                  // ERROR_SUCCESS is S_OK
		{"0x240001", 0x00240001},    // short hex above 0xFFFF: as written
		{"0x00000003", 3},           // 8 digits: as written
		{"-2147023293", 0x80070643}, // signed decimal
		{"2147944003", 0x80070643},  // unsigned decimal
		{"1603", 0x80070643},        // small decimal: Win32 code
		{"112", 0x80070070},         // ERROR_DISK_FULL
		{"-2142236667", 0x80501005}, // UpdatePlatform.exe
		{"-1073283059", 0xC007000D}, // CSI hydration NTSTATUS
		{"HRESULT_FROM_WIN32(ERROR_INSTALL_FAILURE)", 0x80070643},
		{"HRESULT_FROM_WIN32(14098)", 0x80073712},
		{"HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)", 0x80070002},
		{"NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA)", 0xC007000D},
		{"HRESULT_FROM_NT(0xC015001A)", 0xD015001A},
		{"ERROR_DISK_FULL", 0x80070070},
		{"error_disk_full", 0x80070070},
		{"E_FAIL", 0x80004005},
		{"CBS_E_SOURCE_MISSING", 0x800f081f},
		{"ERROR_FILE_OR_DIRECTORY_CORRUPTED", 0x80070570}, // CBS's alias
		{"ERROR_ACCESS_DENIED", 0x80070005},
		{"hr:0x800f081f", 0x800f081f},
		{"(hr:0x800f081f)", 0x800f081f},
		{"hr=800f081f", 0x800f081f},
		{"HRESULT=800F0922", 0x800f0922},
		{"CBS HRESULT=0x800f081f", 0x800f081f},
		{"resultMapped=80070643", 0x80070643},
		{"Result = 0x8024402C", 0x8024402c},
		{"status: 0x800f0922", 0x800f0922},
		{"overall result:0x800f0922 (CBS_E_INSTALLERS_FAILED)", 0x800f0922},
		{"[HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]", 0x800f0805},
		{"[HRESULT = 0x8024402c - Unknown Error]", 0x8024402c},
		{"[HRESULT = 0x800f0823]", 0x800f0823},
		{"[gle=0x80073712]", 0x80073712},
		{"[gle=0x00000003]", 0x80070003}, // GetLastError: a Win32 code
		{"GLE = 0x3", 0x80070003},
		{"Error: 112", 0x80070070},
		{"Error: 0x800f0823", 0x800f0823},
		{"ERROR 0x80501005", 0x80501005},
		{"NTSTATUS -1073283059", 0xC007000D},
		{"[Warning,Facility=FACILITY_NTWIN32,Code=ERROR_FILE_NOT_FOUND]", 0x80070002},
		{"Code=ERROR_FILE_NOT_FOUND", 0x80070002},
		{"  0x80070643  ", 0x80070643},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"", "0x", "0x123456789", "zz", "0xGG", "--1", "-99999999999", "4294967296",
		"HRESULT_FROM_WIN32(ERROR_NO_SUCH_THING)", "HRESULT_FROM_WIN32()", "hr:", "[]",
		"0x80070643 trailing words", "NOT_A_KNOWN_NAME", "0x+1", "1.2.3",
	} {
		c, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error", in, c)
			continue
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error %v does not wrap ErrSyntax", in, err)
		}
		if !strings.Contains(err.Error(), "codes: parsing") {
			t.Errorf("Parse(%q) error %q lacks context", in, err)
		}
	}
	if _, err := Parse("NOT_A_KNOWN_NAME"); !errors.Is(err, ErrUnknownName) {
		t.Errorf("unknown name: %v does not wrap ErrUnknownName", err)
	}
}

func TestCodeMethods(t *testing.T) {
	c := Code(0x80070643)
	if got := c.String(); got != "0x80070643" {
		t.Errorf("String = %q", got)
	}
	if got := Code(0x800F081F).String(); got != "0x800f081f" {
		t.Errorf("String = %q, want lower-case hex", got)
	}
	if n, ok := c.Win32(); !ok || n != 1603 {
		t.Errorf("Win32 = %d, %v", n, ok)
	}
	if n, ok := Code(0xC007000D).Win32(); !ok || n != 13 {
		t.Errorf("NTSTATUS_FROM_WIN32 Win32 = %d, %v", n, ok)
	}
	if _, ok := Code(0x800f0922).Win32(); ok {
		t.Error("CBS code reported as Win32")
	}
	if !c.Failed() || Code(0).Failed() || Code(0x00240001).Failed() || !Code(0xC000007F).Failed() {
		t.Error("Failed wrong")
	}
	if s, u := c.Decimal(); s != "-2147023293" || u != "2147944003" {
		t.Errorf("Decimal = %s, %s", s, u)
	}
	if FromWin32(1603) != 0x80070643 || FromWin32(0) != 0 || FromWin32(0x80070005) != 0x80070005 {
		t.Error("FromWin32 wrong")
	}
	if NTStatusFromWin32(13) != 0xC007000D {
		t.Error("NTStatusFromWin32 wrong")
	}
	if Code(0x8024402c).Facility() != 0x24 || Code(0x80501005).Facility() != 0x50 {
		t.Error("Facility wrong")
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, c := range []Code{0, 1, 0x643, 0xFFFF, 0x10000, 0x80070643, 0xC015001A, 0xFFFFFFFF} {
		got, err := Parse(c.String())
		if err != nil || got != c {
			t.Errorf("Parse(%q) = %v, %v", c.String(), got, err)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		c    Code
		name string
		kind string
	}{
		{0x80070643, "ERROR_INSTALL_FAILURE", "win32"},
		{0x800f081f, "CBS_E_SOURCE_MISSING", "cbs"},
		{0x800f0828, "CBS_E_INSUFFICIENT_DISK_SPACE", "cbs"},
		{0x800f0823, "CBS_E_NEW_SERVICING_STACK_REQUIRED", "cbs"},
		{0x8024402c, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", "wu"},
		{0xC015001A, "STATUS_SXS_COMPONENT_STORE_CORRUPT", "ntstatus"},
		{0xD015001A, "STATUS_SXS_COMPONENT_STORE_CORRUPT", "ntstatus"}, // HRESULT_FROM_NT
		{0xC007000D, "ERROR_INVALID_DATA", "ntstatus"},                 // NTSTATUS_FROM_WIN32
		{0x80070079, "ERROR_SEM_TIMEOUT", "win32"},                     // from win32.tsv only
		{0x80073712, "ERROR_SXS_COMPONENT_STORE_CORRUPT", "win32"},
	}
	for _, tt := range tests {
		in, ok := Lookup(tt.c)
		if !ok || in.Name != tt.name || in.Kind != tt.kind || in.Code != tt.c {
			t.Errorf("Lookup(%v) = %+v, %v; want %s %s", tt.c, in, ok, tt.name, tt.kind)
		}
	}
	if in, ok := Lookup(0x80501005); ok {
		t.Errorf("Lookup(0x80501005) = %+v; it has no public name and must not get one", in)
	}
	if d := Describe(0x80501005); d.Kind != "defender" {
		t.Errorf("Describe(0x80501005) = %+v", d)
	}
	// Lookup returns copies: changing one must not change the table.
	in, _ := Lookup(0x80070005)
	in.Aliases[0] = "x"
	if again, _ := Lookup(0x80070005); again.Aliases[0] != "ERROR_ACCESS_DENIED" {
		t.Error("Lookup shares its Aliases slice with the table")
	}
}

func TestByName(t *testing.T) {
	for name, want := range map[string]Code{
		"CBS_E_SOURCE_MISSING": 0x800f081f, "ERROR_DISK_FULL": 0x80070070, "E_FAIL": 0x80004005,
		"ERROR_SXS_COMPONENT_STORE_CORRUPT": 0x80073712, "ERROR_INSTALL_ALREADY_RUNNING": 0x80070652,
		"ERROR_SUCCESS_REBOOT_REQUIRED": 0x80070BC2, "ERROR_SEM_TIMEOUT": 0x80070079, "S_OK": 0,
	} {
		if got, ok := ByName(name); !ok || got != want {
			t.Errorf("ByName(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if _, ok := ByName("NO_SUCH_NAME"); ok {
		t.Error("ByName found a made-up name")
	}
}

// TestTable checks the data files: enough rows, no duplicate codes or names,
// only known kinds and cause IDs, every row parsed, and Win32 rows agreeing
// with the Win32 name list.
func TestTable(t *testing.T) {
	all := All()
	if len(all) < 80 {
		t.Errorf("table has %d entries, want at least 80", len(all))
	}
	rows := 0
	for _, line := range strings.Split(tableTSV, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			rows++
		}
	}
	if rows != len(all) {
		t.Errorf("table.tsv has %d rows but %d parsed", rows, len(all))
	}
	kinds := map[string]bool{"hresult": true, "win32": true, "ntstatus": true, "cbs": true, "wu": true, "defender": true, "setup": true, "configmgr": true}
	codes := map[Code]bool{}
	names := map[string]bool{}
	for i, in := range all {
		if i > 0 && all[i-1].Code >= in.Code {
			if all[i-1].Code == in.Code {
				t.Errorf("duplicate code %v", in.Code)
			} else {
				t.Errorf("All not sorted at %v", in.Code)
			}
		}
		codes[in.Code] = true
		for _, n := range append([]string{in.Name}, in.Aliases...) {
			if names[n] {
				t.Errorf("duplicate name %s", n)
			}
			names[n] = true
			if n != strings.ToUpper(n) || !isName(n) {
				t.Errorf("bad name %q", n)
			}
		}
		if !kinds[in.Kind] {
			t.Errorf("%v: unknown kind %q", in.Code, in.Kind)
		}
		if in.Meaning == "" || strings.Contains(in.Meaning, "\t") {
			t.Errorf("%v: bad meaning %q", in.Code, in.Meaning)
		}
		if n, ok := in.Code.Win32(); ok && in.Code != 0 {
			w := load().win32[n]
			if w != "" && w != in.Name && !slices.Contains(in.Aliases, w) {
				t.Errorf("%v: table name %s, win32.tsv name %s", in.Code, in.Name, w)
			}
		}
	}
	w := load().win32
	if len(w) < 300 {
		t.Errorf("win32 name list has %d entries, want a few hundred", len(w))
	}
	for n, name := range map[uint16]string{2: "ERROR_FILE_NOT_FOUND", 13: "ERROR_INVALID_DATA", 112: "ERROR_DISK_FULL",
		1603: "ERROR_INSTALL_FAILURE", 1618: "ERROR_INSTALL_ALREADY_RUNNING", 1638: "ERROR_PRODUCT_VERSION",
		1641: "ERROR_SUCCESS_REBOOT_INITIATED", 3010: "ERROR_SUCCESS_REBOOT_REQUIRED",
		14098: "ERROR_SXS_COMPONENT_STORE_CORRUPT", 14109: "ERROR_GENERIC_COMMAND_FAILED"} {
		if w[n] != name {
			t.Errorf("win32 %d = %q, want %s", n, w[n], name)
		}
	}
	// domain.md §c must be covered in full.
	for _, c := range []Code{0x80070643, 0x800F0828, 0x800F081F, 0x80073712, 0x800F0831, 0x80073701, 0x8007371B,
		0x800736CC, 0x800F0984, 0x800F0986, 0x800F0982, 0x800F0922, 0x800F0823, 0x800F0920, 0x800F0821, 0x800F0825,
		0x800F0805, 0x80070070, 0x80070005, 0x80070020, 0x800706BE, 0x80240022, 0x8024402C, 0x8024401B, 0x80244022,
		0x80072EE2, 0x80072EFD, 0x80072EFE, 0x80072EE7, 0x80072F8F, 0x80240034, 0x80240438, 0x8024200B, 0x80242006,
		0x80240017, 0x80240016, 0x80246017, 0x80D05001, 0x80070002, 0x80070003, 0x8007000D, 0x80070570, 0x8007045D,
		0x80070017, 0x80070001, 0x800B0109, 0x800B0100, 0x800B0101, 0x80092003, 0x80070490, 0x80070422, 0x80070426,
		0x80070BC9, 0x80004005, 0x80004002, 0x8007001B} {
		if !codes[c] {
			t.Errorf("domain.md §c code %v missing from table.tsv", c)
		}
	}
}
