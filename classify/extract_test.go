package classify

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestCBSShapeCapTexts reads a CBS.log where one failure comes back with
// other numbers far more often than its shape keeps: the evidence kept,
// the first ones and the latest, each have their own line's text (kept
// texts share buffers with the dropped ones until the input is read), and
// a KB each, as their lines say.
func TestCBSShapeCapTexts(t *testing.T) {
	const n = 200
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "2024-01-09 03:%02d:%02d, Error                 CBS    Failed to resolve package 'Package_for_KB50%04d~31bf3856ad364e35~amd64~~%d.1' at item %d [HRESULT = 0x80070005 - E_ACCESSDENIED]\n",
			i/60, i%60, i, i, i)
	}
	ev, err := readCBS(context.Background(), bytesInput("CBS.log", b.String()), &InputReport{}, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	var kept []int
	for _, e := range ev {
		if e.Signal != "cbs.entry" {
			continue
		}
		var i int
		if _, err := fmt.Sscanf(e.Text[strings.Index(e.Text, "at item "):], "at item %d", &i); err != nil {
			t.Fatalf("%q: %v", e.Text, err)
		}
		if e.Line != i+1 {
			t.Errorf("line %d has the text of line %d: %q", e.Line, i+1, e.Text)
		}
		if kb := fmt.Sprintf("KB50%04d", i); e.Value("kb") != kb {
			t.Errorf("line %d: kb %q, want %s", e.Line, e.Value("kb"), kb)
		}
		kept = append(kept, i)
	}
	if len(kept) != shapeFirst+shapeLatest {
		t.Fatalf("kept %d, want %d", len(kept), shapeFirst+shapeLatest)
	}
	seen := map[int]bool{}
	for _, i := range kept {
		seen[i] = true
	}
	for i := range n {
		if want := i < shapeFirst || i >= n-shapeLatest; seen[i] != want {
			t.Errorf("line %d kept: %v, want %v", i+1, seen[i], want)
		}
	}
}
