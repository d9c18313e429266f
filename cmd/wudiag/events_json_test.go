package main

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"testing"
)

// TestAppendJSONString checks the hand-written escaping against
// encoding/json (with its default HTML escaping) on awkward strings and
// random bytes, so that wudiag events prints the same bytes as before.
func TestAppendJSONString(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ backslash`, "tab\tnl\ncr\r\x00\x01\x1f\x7f",
		"<a href='x'>&amp;</a>", "line\u2028sep\u2029", "bad \xff\xfe utf8 \xc3", "é日本😀", "\xed\xa0\x80 surrogate"}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.Intn(24))
		for j := range b {
			b[j] = byte(r.Intn(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}
