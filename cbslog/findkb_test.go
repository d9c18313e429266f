package cbslog

import "testing"

// findKBNaive is FindKB spelled plainly: every position, in order.
func findKBNaive(s string) string {
	for i := 0; i+8 <= len(s); i++ {
		if (s[i] != 'K' && s[i] != 'k') || (s[i+1] != 'B' && s[i+1] != 'b') {
			continue
		}
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		j := i + 2
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if n := j - i - 2; n >= 6 && n <= 7 && (j == len(s) || !isAlnum(s[j])) {
			return "KB" + s[i+2:j]
		}
	}
	return ""
}

// FuzzFindKB checks FindKB against findKBNaive.
func FuzzFindKB(f *testing.F) {
	for _, s := range []string{"(KB5034441)", "kb123456", "xKB1234567 Kb7654321", "KBKB123456", "Package_for_KB5034441~31bf3856ad364e35~amd64~~10.0.1.7",
		"KB12345 too short, KB12345678 too long, XKB5034441 glued, kB777778.", "bbbbKbbKB123456b", "KB123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := FindKB(s), findKBNaive(s); got != want {
			t.Errorf("FindKB(%q) = %q, want %q", s, got, want)
		}
	})
}
