package corpus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/evtx"
)

func TestMaterializeIsDeterministic(t *testing.T) {
	s, err := Lookup("win10-en-winre-kb5034441-partition-small")
	if err != nil {
		t.Fatal(err)
	}
	a, b := t.TempDir(), t.TempDir()
	pa, err := s.Materialize(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Materialize(b, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range pa {
		x, _ := os.ReadFile(filepath.Join(a, p))
		y, err := os.ReadFile(filepath.Join(b, p))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", p)
		}
	}
}

// readEvents renders every event of an EVTX file read by wudiag's reader.
func readEvents(t *testing.T, name string) string {
	t.Helper()
	var sb strings.Builder
	for ev, err := range evtx.Events(context.Background(), name, nil) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fmt.Fprintf(&sb, "%d %s %s %d %v %s\n", ev.RecordID, ev.Time.Format("2006-01-02T15:04:05.0000000Z"), ev.Provider, ev.EventID, ev.Data, ev.Binary)
	}
	return sb.String()
}
