package classify

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wudiag/wudiag/internal/source"
	"github.com/wudiag/wudiag/internal/textlogs"
)

// The kinds the analyzer reports are the intake's names and the text
// readers' names, and rules know every one.
func TestKindNames(t *testing.T) {
	for k, want := range map[source.Kind]Kind{source.CBS: KindCBS, source.DISM: KindDISM, source.EVTX: KindEVTX,
		source.EventXML: KindEventXML, source.EventText: KindEventText, source.EventCSV: KindEventCSV} {
		if k.String() != string(want) {
			t.Errorf("source kind %q, classify says %q", k, want)
		}
	}
	for _, k := range textlogs.Kinds {
		if !slices.Contains(knownKinds, Kind(k)) {
			t.Errorf("text log kind %q is no classify Kind", k)
		}
	}
	if len(knownKinds) != 6+len(textlogs.Kinds) {
		t.Errorf("classify knows %d kinds, the readers %d", len(knownKinds), 6+len(textlogs.Kinds))
	}
}

// etlHead is the start of a binary ETW trace: a WMI buffer header and the
// trace's logfile header event.
func etlHead() []byte {
	b := make([]byte, 0x200)
	binary.LittleEndian.PutUint32(b, 0x10000)
	copy(b[0x48:], []byte{2, 0, 2, 0xC0, 0xB0, 0, 0, 0})
	return b
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Everything looked at is listed: what was read, and what was skipped or
// could not be read, with a Reason a report can translate.
func TestAnalyzePathsListsEveryInput(t *testing.T) {
	cbs, err := os.ReadFile(filepath.Join("..", "corpus", "examples", "win10-store-corruption", "CBS.log"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"bundle.zip":            zipOf(t, map[string][]byte{"Logs/CBS.log": cbs, "../evil.log": []byte("x")}),
		"CBS.log":               cbs, // the same as the zip's
		"broken.zip":            []byte("PK\x03\x04 and then nothing"),
		"WindowsUpdate.1.etl":   etlHead(),
		"notes.pdf":             []byte("%PDF-1.7 not a log"),
		"sub/WindowsUpdate.etl": append([]byte{0, 0, 1, 0}, make([]byte, 40)...), // too short to tell: named .etl
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := AnalyzePaths(context.Background(), []string{dir, filepath.Join(dir, "missing.log")}, &Options{
		DisplayName: func(name string) string { return strings.TrimPrefix(filepath.ToSlash(name), filepath.ToSlash(dir)+"/") },
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Reason{}
	for _, in := range d.Inputs {
		got[in.File] = in.Reason
	}
	want := map[string]Reason{
		"CBS.log":                 "",
		"WindowsUpdate.1.etl":     ReasonETL,
		"sub/WindowsUpdate.etl":   ReasonETL,
		"notes.pdf":               ReasonNotLog,
		"bundle.zip":              ReasonUnsafeName,
		"bundle.zip:Logs/CBS.log": ReasonDuplicate,
		"broken.zip":              ReasonDamaged,
	}
	for name, r := range want {
		if g, ok := got[name]; !ok || g != r {
			t.Errorf("%s: reason %q (listed %t), want %q", name, g, ok, r)
		}
	}
	var missing bool
	for name, r := range got {
		if strings.HasSuffix(name, "missing.log") {
			missing = r == ReasonUnreadable
		}
	}
	if !missing {
		t.Errorf("a path that does not exist is not listed as unreadable: %v", got)
	}
	var reasons []Reason
	for _, in := range d.Inputs {
		reasons = append(reasons, in.Reason)
	}
	if !slices.Contains(reasons, ReasonETL) || !slices.Contains(reasons, ReasonDamaged) {
		t.Errorf("inputs lack their reasons: %v", reasons)
	}
}

// Only binary ETW traces: nothing readable, every file listed with why.
func TestAnalyzeFSOnlyETL(t *testing.T) {
	d, err := AnalyzeFS(context.Background(), fstest.MapFS{
		"WindowsUpdate.20240101.etl": {Data: etlHead()},
		"WindowsUpdate.20240102.etl": {Data: append(etlHead(), 1)},
	}, nil)
	if !errors.Is(err, ErrNoInput) {
		t.Fatalf("err %v, want ErrNoInput", err)
	}
	if len(d.Inputs) != 2 {
		t.Fatalf("inputs %+v", d.Inputs)
	}
	for _, in := range d.Inputs {
		if in.Reason != ReasonETL || !in.Skipped || in.Kind != "" {
			t.Errorf("%+v: want a skipped input with reason etl", in)
		}
	}
}

// AnalyzeFS reads an fs.FS as AnalyzePaths reads a folder: same
// diagnosis, names relative to the file system.
func TestAnalyzeFSMatchesAnalyzePaths(t *testing.T) {
	dir := filepath.Join("..", "corpus", "examples", "win10-store-corruption")
	a, err := AnalyzePaths(context.Background(), []string{dir}, &Options{
		DisplayName: func(name string) string {
			return filepath.ToSlash(strings.TrimPrefix(name, dir+string(filepath.Separator)))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := AnalyzeFS(context.Background(), os.DirFS(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("AnalyzeFS differs from AnalyzePaths:\n%s\n%s", ja, jb)
	}
	// A *zip.Reader is a file system too.
	files := map[string][]byte{}
	for _, name := range []string{"CBS.log", "dism.log"} {
		files[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	z := zipOf(t, files)
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := AnalyzeFS(context.Background(), zr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if jc, _ := json.Marshal(c); !bytes.Equal(ja, jc) {
		t.Errorf("AnalyzeFS of a zip.Reader differs from AnalyzePaths:\n%s\n%s", ja, jc)
	}
}
