package render

import (
	"bytes"
	"strings"
	"testing"
)

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, 日本語":            "plain text, 日本語",
		"tab\tand\nnewline":          "tab\tand\nnewline",
		"\x1b]52;c;ZWNobyBoaQ==\x07": "^[]52;c;ZWNobyBoaQ==^G",
		"\x1b[2J\x1b]0;title\x07":    "^[[2J^[]0;title^G",
		"cr\roverwrite":              "cr^Moverwrite",
		"del\x7f nul\x00":            "del^? nul^@",
		"c1 \u009b31m csi":           "c1 <U+009B>31m csi",
		"bad \xff\xfe utf8":          `bad \xff\xfe utf8`,
		"raw c1 byte \x9b":           `raw c1 byte \x9b`,
		"\u00a0nbsp and é stay":      "\u00a0nbsp and é stay",
	} {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVisibleWriter(t *testing.T) {
	in := "a\x1b]52;c;x\x07 日本語 \u009b end\xff"
	want := Visible(in)
	// Every split of the input over two writes gives the same output.
	for i := range len(in) + 1 {
		var b bytes.Buffer
		w := NewVisibleWriter(&b)
		w.Write([]byte(in[:i]))
		w.Write([]byte(in[i:]))
		w.Flush()
		if b.String() != want {
			t.Fatalf("split at %d: %q, want %q", i, b.String(), want)
		}
	}
	// An incomplete sequence at the very end is escaped by Flush.
	var b bytes.Buffer
	w := NewVisibleWriter(&b)
	w.Write([]byte("x\xe6\x97"))
	w.Flush()
	if b.String() != `x\xe6\x97` {
		t.Errorf("cut rune at the end: %q", b.String())
	}
	if strings.ContainsRune(want, 0x1b) {
		t.Errorf("ESC survived: %q", want)
	}
}
