package source_test

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wudiag/wudiag/internal/source"
)

// A support bundle as users send it: a zip with the CBS log, a copy of
// the same log inside it, an entry with an unsafe name, and a loose copy
// beside the zip. Open lists each log once and says what it skipped.
func Example() {
	dir, _ := os.MkdirTemp("", "bundle-example")
	defer os.RemoveAll(dir)
	cbs := "2024-03-01 10:00:00, Info                  CBS    Starting TrustedInstaller initialization.\r\n"
	f, _ := os.Create(filepath.Join(dir, "DND_SetupReport.zip"))
	zw := zip.NewWriter(f)
	for _, name := range []string{"Logs/CBS/CBS.log", "Logs/CBS/copy of CBS.log", "../../evil.log"} {
		w, _ := zw.Create(name)
		io.WriteString(w, cbs)
	}
	zw.Close()
	f.Close()
	os.WriteFile(filepath.Join(dir, "setupact.log"), []byte("2024-03-01 10:00:00, Info  SP  setup\r\n"), 0o644)

	b, err := source.Open(context.Background(), []string{dir}, source.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	for _, in := range b.Files() {
		fmt.Printf("input %s (%d bytes)\n", rel(dir, in.Name), in.Size)
	}
	for _, p := range b.Problems() {
		fmt.Printf("skipped %s: duplicate=%t unsafe=%t\n", rel(dir, p.Name), errors.Is(p.Err, source.ErrDuplicate), errors.Is(p.Err, source.ErrTraversal))
	}
	// Output:
	// input DND_SetupReport.zip:Logs/CBS/CBS.log (93 bytes)
	// input setupact.log (38 bytes)
	// skipped DND_SetupReport.zip: duplicate=false unsafe=true
	// skipped DND_SetupReport.zip:Logs/CBS/copy of CBS.log: duplicate=true unsafe=false
}

// rel names a file relative to the example's folder.
func rel(dir, name string) string {
	return filepath.ToSlash(strings.TrimPrefix(name, dir+string(filepath.Separator)))
}
