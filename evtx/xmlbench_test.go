package evtx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/evtx"
)

// BenchmarkReaderXML reads an XML export (about 20 MB, the benchmark's
// event mix rendered as Windows renders events) on one goroutine.
func BenchmarkReaderXML(b *testing.B) {
	name := filepath.Join(b.TempDir(), "mix.evtx")
	if err := writeBenchLog(name, 8<<20); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	var doc strings.Builder
	doc.WriteString("<Events>\r\n")
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil)
	want := 0
	for r.Next() {
		doc.WriteString(toXML(r.Event()))
		want++
	}
	doc.WriteString("</Events>\r\n")
	x := []byte(doc.String())
	b.SetBytes(int64(len(x)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := evtx.NewReader(bytes.NewReader(x), int64(len(x)), nil)
		n := 0
		for r.Next() {
			n++
		}
		if n != want || r.Err() != nil {
			b.Fatal(n, want, r.Err(), r.Warnings())
		}
	}
}
