package codes

import "testing"

func TestParseSetup(t *testing.T) {
	sc, ok := ParseSetup("0xC1900101-0x20017")
	if !ok || sc.Result != 0xC1900101 || sc.Phase != 2 || sc.Operation != 0x17 {
		t.Fatalf("got %+v %v", sc, ok)
	}
	if sc.PhaseName(true) == sc.PhaseName(false) {
		t.Error("the phase has no Japanese name")
	}
	if sc, ok := ParseSetup("0x8007001F-0x3000D"); !ok || sc.Phase != 3 || sc.Operation != 0xD {
		t.Fatalf("got %+v %v", sc, ok)
	}
	if _, ok := ParseSetup("0x80070643"); ok {
		t.Error("a plain code is not a setup pair")
	}
	if d := Describe(0xC1900199); d.Kind != "setup" {
		t.Errorf("0xC1900199 kind %q, want setup", d.Kind)
	}
}

func TestNewCodes(t *testing.T) {
	for _, c := range []Code{0x800F0816, 0x87D00324, 0xC1900101, 0xC1900200} {
		if _, ok := Lookup(c); !ok {
			t.Errorf("%v not in the table", c)
		}
		if MeaningJa(c) == "" {
			t.Errorf("%v has no Japanese meaning", c)
		}
	}
}

// Every Japanese meaning is for a code of table.tsv.
func TestJapaneseTable(t *testing.T) {
	MeaningJa(0)
	for c := range jaTab {
		if _, ok := Lookup(c); !ok {
			t.Errorf("table_ja.tsv: %v is not in table.tsv", c)
		}
	}
}
