package source

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"testing"
	"testing/fstest"
)

// OpenFS lists the files of any fs.FS as Open lists a folder: archives
// inside are opened in place (an fs.File that is an io.ReaderAt) or from
// memory, names are the paths in the file system, and kinds are told.
func TestOpenFS(t *testing.T) {
	inner := makeZip(t, zent{Name: "CBS.log", Data: cbsText(50, "inner"), Method: zip.Deflate})
	fsys := fstest.MapFS{
		"Logs/dism.log": {Data: []byte("2024-03-01 10:00:00, Info                  DISM   DISM.EXE: session\r\n")},
		"bundle.zip": {Data: makeZip(t,
			zent{Name: "Logs/CBS/CBS.log", Data: cbsText(100, "a"), Method: zip.Deflate},
			zent{Name: "nested.zip", Data: inner, Method: zip.Store},
			zent{Name: "../evil.log", Data: []byte("x"), Method: zip.Store},
		)},
		"broken.zip": {Data: []byte("PK\x03\x04 but nothing else")},
	}
	b, err := OpenFS(context.Background(), fsys, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	kinds := map[string]Kind{}
	for _, f := range b.Files() {
		kinds[f.Name] = f.Kind
	}
	want := map[string]Kind{"Logs/dism.log": DISM, "bundle.zip:Logs/CBS/CBS.log": CBS, "bundle.zip:nested.zip:CBS.log": CBS}
	if len(kinds) != len(want) {
		t.Errorf("files %v, want %v", kinds, want)
	}
	for name, k := range want {
		if kinds[name] != k {
			t.Errorf("%s: kind %v, want %v", name, kinds[name], k)
		}
	}
	wantErr(t, problemFor(t, b, "bundle.zip").Err, ErrTraversal)
	wantErr(t, problemFor(t, b, "broken.zip").Err, ErrArchive)
	if got := problemFor(t, b, "broken.zip").Error(); got != "broken.zip: read zip: zip: not a valid zip file" {
		t.Errorf("damaged zip problem reads %q", got)
	}
}

// The Bundle is a file system in the manner of zip.Reader: fstest.TestFS
// checks Open, ReadDir, Stat and reads of every file against the list.
func TestBundleFS(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{
		"loose/CBS.log": cbsText(10, "loose"),
		"b.zip": makeZip(t,
			zent{Name: "Logs/dism.log", Data: cbsText(20, "dism"), Method: zip.Deflate},
			zent{Name: "Logs/System.evtx", Data: append([]byte("ElfFile\x00"), make([]byte, 100)...), Method: zip.Store},
		),
	})
	b := openDir(t, dir, Limits{})
	var names []string
	for _, f := range b.Files() {
		names = append(names, FSName(f.Name))
	}
	if len(names) != 3 {
		t.Fatalf("files %v", names)
	}
	if err := fstest.TestFS(b, names...); err != nil {
		t.Fatal(err)
	}
	// Read through the view, a file gives the same bytes as its Open.
	for _, f := range b.Files() {
		got, err := fs.ReadFile(b, FSName(f.Name))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := readAll(f)
		if string(got) != string(want) {
			t.Errorf("%s: %d bytes through the view, %d through Open", f.Name, len(got), len(want))
		}
	}
	// A stored entry stays addressable in place through the view.
	evtx := "b.zip:Logs/System.evtx"
	fh, err := b.Open(evtx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fh.(io.ReaderAt); !ok {
		t.Errorf("%s: stored entry is not an io.ReaderAt through the view", evtx)
	}
	fh.Close()
	ents, err := fs.ReadDir(b, "b.zip:Logs")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, []string{"System.evtx", "dism.log"}) {
		t.Errorf("ReadDir b.zip:Logs = %v", got)
	}
	if _, err := b.Open("../x"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Open(../x) = %v, want fs.ErrInvalid", err)
	}
	if _, err := b.Open("no/such"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(no/such) = %v, want fs.ErrNotExist", err)
	}
}

// A bundle read through its own view, as an fs.FS handed to OpenFS,
// lists the same files with the same kinds.
func TestOpenFSOfDirFS(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{
		"a/CBS.log": cbsText(10, "a"),
		"z.zip":     makeZip(t, zent{Name: "x/CBS.log", Data: cbsText(30, "z"), Method: zip.Store}),
	})
	b, err := OpenFS(context.Background(), os.DirFS(dir), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := inputNames(b)
	if !slices.Equal(got, []string{"a/CBS.log", "z.zip:x/CBS.log"}) {
		t.Fatalf("files %v, problems %v", got, b.Problems())
	}
	rc, err := inputFor(t, b, "z.zip:x/CBS.log").Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, ok := rc.(io.ReaderAt); !ok {
		t.Error("stored entry of a zip on os.DirFS is not read in place")
	}
}
