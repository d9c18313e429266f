package codes

import (
	_ "embed"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The tables are data so they can grow without touching code. table.tsv
// holds the codes that matter for update failures, with their meanings; win32.tsv names the rest of the common Win32 errors.
//
//go:embed table.tsv
var tableTSV string

//go:embed win32.tsv
var win32TSV string

// Info describes one code.
type Info struct {
	Code    Code
	Name    string   // symbolic name, e.g. "ERROR_INSTALL_FAILURE"
	Aliases []string // other names logs use for the same value, e.g. "ERROR_ACCESS_DENIED" for E_ACCESSDENIED
	Meaning string   // one line, own words; empty for names that come only from the Win32 name list
	Kind    string   // "hresult", "win32", "ntstatus", "cbs", "wu", "defender", "setup" (feature-update setup), "configmgr"
}

type tables struct {
	infos    []Info          // table.tsv, sorted by code
	byCode   map[Code]int    // index into infos
	byName   map[string]Code // upper-case name or alias -> code
	win32    map[uint16]string
	win32Num map[string]uint16
}

var (
	tabOnce sync.Once
	tab     *tables
)

// load parses the embedded tables once. A malformed row is a programming
// error caught by TestTable; load skips it rather than panic.
func load() *tables {
	tabOnce.Do(func() {
		t := &tables{
			byCode:   map[Code]int{},
			byName:   map[string]Code{},
			win32:    map[uint16]string{},
			win32Num: map[string]uint16{},
		}
		for _, line := range strings.Split(tableTSV, "\n") {
			f := strings.Split(strings.TrimRight(line, "\r"), "\t")
			if len(f) != 4 || strings.HasPrefix(f[0], "#") {
				continue
			}
			n, err := strconv.ParseUint(f[0], 16, 32)
			if err != nil {
				continue
			}
			names := strings.Split(f[1], "|")
			in := Info{Code: Code(n), Name: names[0], Aliases: names[1:], Kind: f[2], Meaning: f[3]}
			if len(in.Aliases) == 0 {
				in.Aliases = nil
			}
			t.infos = append(t.infos, in)
		}
		sort.SliceStable(t.infos, func(i, j int) bool { return t.infos[i].Code < t.infos[j].Code })
		for i, in := range t.infos {
			if _, dup := t.byCode[in.Code]; !dup {
				t.byCode[in.Code] = i
			}
			for _, name := range append([]string{in.Name}, in.Aliases...) {
				if _, dup := t.byName[name]; !dup {
					t.byName[name] = in.Code
				}
			}
		}
		for _, line := range strings.Split(win32TSV, "\n") {
			num, name, ok := strings.Cut(strings.TrimRight(line, "\r"), "\t")
			if !ok || strings.HasPrefix(num, "#") {
				continue
			}
			n, err := strconv.ParseUint(num, 10, 16)
			if err != nil {
				continue
			}
			if _, dup := t.win32[uint16(n)]; !dup {
				t.win32[uint16(n)] = name
			}
			if _, dup := t.win32Num[name]; !dup {
				t.win32Num[name] = uint16(n)
			}
		}
		tab = t
	})
	return tab
}

// Lookup returns what the table knows about c. Codes not listed directly are
// still named when possible:
//
//   - a Win32 HRESULT (0x8007xxxx) or NTSTATUS_FROM_WIN32 value (0xC007xxxx)
//     gets the ERROR_* name of its low 16 bits from the Win32 name list;
//     0xC007xxxx reuses the meaning of the matching 0x8007xxxx row;
//   - an HRESULT_FROM_NT value (0xDxxxxxxx, e.g. CSI's [gle=0xd015001a])
//     gets the entry of the NTSTATUS it carries.
//
// For anything else Lookup reports false; [Describe] still decomposes it.
func Lookup(c Code) (Info, bool) {
	t := load()
	if i, ok := t.byCode[c]; ok {
		return t.infos[i].clone(), true
	}
	if c>>28 == 0xD { // HRESULT_FROM_NT(status)
		if i, ok := t.byCode[c&^ntFacilityBit]; ok {
			in := t.infos[i].clone()
			in.Code = c
			return in, true
		}
	}
	if n, ok := c.Win32(); ok {
		if c>>16 == 0xC007 {
			if i, ok := t.byCode[FromWin32(uint32(n))]; ok {
				in := t.infos[i].clone()
				in.Code, in.Kind = c, "ntstatus"
				return in, true
			}
		}
		if name, ok := t.win32[n]; ok {
			kind := "win32"
			if c>>16 == 0xC007 {
				kind = "ntstatus"
			}
			return Info{Code: c, Name: name, Kind: kind}, true
		}
	}
	return Info{}, false
}

func (in Info) clone() Info {
	in.Aliases = append([]string(nil), in.Aliases...)
	if len(in.Aliases) == 0 {
		in.Aliases = nil
	}
	return in
}

// ByName returns the code for a symbolic name such as
// "CBS_E_SOURCE_MISSING", "E_FAIL" or "ERROR_DISK_FULL". Case is ignored. A
// Win32 name yields its HRESULT form: ByName("ERROR_DISK_FULL") is
// 0x80070070.
func ByName(name string) (Code, bool) {
	t := load()
	name = strings.ToUpper(strings.TrimSpace(name))
	if c, ok := t.byName[name]; ok {
		return c, true
	}
	if n, ok := t.win32Num[name]; ok {
		return FromWin32(uint32(n)), true
	}
	return 0, false
}

// win32ByName returns the Win32 error number for an ERROR_* style name, from
// either table; name must already be upper case.
func win32ByName(name string) (uint16, bool) {
	t := load()
	if n, ok := t.win32Num[name]; ok {
		return n, true
	}
	if c, ok := t.byName[name]; ok {
		return c.Win32()
	}
	return 0, false
}

// All returns a copy of the code table (table.tsv), sorted by code. It does
// not include names known only from the Win32 name list.
func All() []Info {
	t := load()
	out := make([]Info, len(t.infos))
	for i, in := range t.infos {
		out[i] = in.clone()
	}
	return out
}

// Describe always returns an Info for c: the [Lookup] result when there is
// one, otherwise an entry with an empty Name whose Kind comes from the
// facility ("defender" for facility 0x50, "cbs"
// for 0x800Fxxxx, "wu" for 0x8024xxxx, "ntstatus" for 0xCxxxxxxx) and
// whose Meaning spells out the decomposition.
func Describe(c Code) Info {
	if in, ok := Lookup(c); ok {
		return in
	}
	in := Info{Code: c, Kind: "hresult"}
	fac := c.Facility()
	switch {
	case IsSetupFamily(c):
		in.Kind = "setup"
		in.Meaning = "feature update setup result (0xC19001xx family), code " + strconv.Itoa(int(c&0xFFFF))
		return in
	case c.NTStatus():
		in.Kind = "ntstatus"
		in.Meaning = "NTSTATUS, facility " + strconv.Itoa(int(c>>16&0xFFF)) + ", code " + strconv.Itoa(int(c&0xFFFF))
		return in
	case !c.Failed():
		in.Meaning = "success or informational code, facility " + strconv.Itoa(int(fac))
		return in
	case fac == facilityWin32:
		in.Kind = "win32"
		in.Meaning = "Win32 error " + strconv.Itoa(int(c&0xFFFF))
		return in
	case fac == 0x50:
		in.Kind = "defender"
	case fac == 0xF:
		in.Kind = "cbs"
	case fac == 0x24:
		in.Kind = "wu"
	}
	in.Meaning = "failure, facility " + strconv.Itoa(int(fac)) + ", code " + strconv.Itoa(int(c&0xFFFF))
	return in
}

// table_ja.tsv holds the Japanese meanings of the codes in table.tsv:
// code (8 hex digits) TAB meaning. A code without a row there is
// explained in English.
//
//go:embed table_ja.tsv
var tableJaTSV string

var (
	jaOnce sync.Once
	jaTab  map[Code]string
)

// MeaningJa is the Japanese meaning of c, "" when the table has none.
func MeaningJa(c Code) string {
	jaOnce.Do(func() {
		jaTab = map[Code]string{}
		for _, line := range strings.Split(tableJaTSV, "\n") {
			f := strings.Split(strings.TrimRight(line, "\r"), "\t")
			if len(f) != 2 || strings.HasPrefix(f[0], "#") {
				continue
			}
			n, err := strconv.ParseUint(f[0], 16, 32)
			if err != nil {
				continue
			}
			jaTab[Code(n)] = f[1]
		}
	})
	return jaTab[c]
}
