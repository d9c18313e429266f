package evtx

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// TestAppendUTF16 checks the four-units-at-a-time path against
// unicode/utf16 at every alignment, with non-ASCII and surrogates mixed in.
func TestAppendUTF16(t *testing.T) {
	for _, s := range []string{"", "a", "abcd", "abcdefgh", "Mise à jour pour Microsoft Visual Studio 2010 (KB2890573)",
		"héllo wörld 0x80070643", "日本語のシステム", "emoji 😀 in the middle of ASCII text", "ascii then é"} {
		for pre := 0; pre < 5; pre++ {
			in := strings.Repeat("x", pre) + s
			var b []byte
			for _, u := range utf16.Encode([]rune(in)) {
				b = append(b, byte(u), byte(u>>8))
			}
			if got := string(appendUTF16(nil, b)); got != in {
				t.Errorf("appendUTF16(%q) = %q", in, got)
			}
		}
	}
	// An unpaired surrogate becomes U+FFFD.
	if got := string(appendUTF16(nil, []byte{'a', 0, 0x00, 0xd8, 'b', 0, 'c', 0, 'd', 0, 'e', 0})); got != "a\uFFFDbcde" {
		t.Errorf("unpaired surrogate: %q", got)
	}
}
