package classify

import (
	"strconv"
	"testing"
)

// TestEvidenceValues checks Value, Set and All, with few values and with
// many (looked up through a map).
func TestEvidenceValues(t *testing.T) {
	for _, n := range []int{3, indexFrom + 5} {
		var e Evidence
		for i := range n {
			e.Set("k"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		}
		e.Set("k1", "again")
		e.set("k2", "")   // set ignores an empty value
		e.Set("k0", "")   // Set removes the name
		e.Set("none", "") // removing a name that is not there
		want := map[string]string{"k0": "", "k1": "again", "k2": "v2", "none": ""}
		for i := 3; i < n; i++ {
			want["k"+strconv.Itoa(i)] = "v" + strconv.Itoa(i)
		}
		for k, v := range want {
			if got := e.Value(k); got != v {
				t.Errorf("n=%d: Value(%q) = %q, want %q", n, k, got, v)
			}
		}
		var names []string
		for k, v := range e.All() {
			if v != want[k] || v == "" {
				t.Errorf("n=%d: All gives %q=%q", n, k, v)
			}
			names = append(names, k)
		}
		if len(names) != n-1 || names[0] != "k1" || names[1] != "k2" {
			t.Errorf("n=%d: All gives names %q, want k1, k2, … in the order set", n, names)
		}
	}
}
