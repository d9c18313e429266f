package codes

import (
	"testing"
)

var fuzzSeeds = []string{
	"0x80070643", "80070643", "0x643", "-2147023293", "2147944003", "1603", "112",
	"HRESULT_FROM_WIN32(ERROR_INSTALL_FAILURE)", "HRESULT_FROM_WIN32(14098)",
	"NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA)", "ERROR_DISK_FULL", "hr:0x800f081f", "hr=800f081f",
	"HRESULT=800F0922", "resultMapped=80070643", "[HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]",
	"GLE = 0x3[gle=0x00000003]", "Error: 112", "NTSTATUS -1073283059",
	"(F) 80070002 [Warning,Facility=FACILITY_NTWIN32,Code=ERROR_FILE_NOT_FOUND]",
	"stack @0x7ffd497360e5", "Session: 31033555_3320119381", "{d4486727-4d36-45a5-bc81-b8935aed1429}",
	"HRESULT_FROM_NT(0xC015001A)", "overall result:0x800f0922 (CBS_E_INSTALLERS_FAILED)",
}

// FuzzParse: Parse never panics, and whatever it accepts prints as a code
// that parses back to itself.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(c.String())
		if err != nil || back != c {
			t.Fatalf("Parse(%q) = %v; Parse(%q) = %v, %v", s, c, c.String(), back, err)
		}
		Lookup(c)
		Describe(c)
	})
}

// FuzzFind: Find never panics; matches are in order, inside the text and
// non-empty; Find and FindString agree; and every match parses back to its
// code (Find keeps context-dependent labels such as gle= inside the span).
func FuzzFind(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms := FindString(nil, s)
		mb := Find(nil, []byte(s))
		if len(ms) != len(mb) {
			t.Fatalf("FindString and Find disagree: %v vs %v", ms, mb)
		}
		prev := -1
		for i, m := range ms {
			if m != mb[i] {
				t.Fatalf("FindString and Find disagree: %v vs %v", ms, mb)
			}
			if m.Start < 0 || m.Start >= m.End || m.End > len(s) {
				t.Fatalf("bad match %+v in %q", m, s)
			}
			if m.Start < prev {
				t.Fatalf("matches out of order: %v", ms)
			}
			prev = m.Start
			c, err := Parse(s[m.Start:m.End])
			if err != nil || c != m.Code {
				t.Fatalf("Parse(%q) = %v, %v; Find said %v (text %q)", s[m.Start:m.End], c, err, m.Code, s)
			}
		}
	})
}
