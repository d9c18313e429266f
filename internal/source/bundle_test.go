package source

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wudiag/wudiag/internal/sharedtest"
)

// A TSS-like bundle: loose files, a folder, a zip with a nested zip, a
// UTF-16 log, a gzip and a cabinet; everything readable is listed under a
// name a person can find, in walking order.
func TestOpenListsFilesFoldersAndArchives(t *testing.T) {
	cbs := cbsText(500, "main")
	inner := makeZip(t, zent{Name: "Panther/setupact.log", Data: []byte("2024-03-01 10:00:00, Info  SP  setup\r\n"), Method: zip.Deflate})
	outer := makeZip(t,
		zent{Name: "Logs/CBS/CBS.log", Data: cbs, Method: zip.Deflate},
		zent{Name: "Logs/", Method: zip.Store},
		zent{Name: `Logs\DISM\dism.log`, Data: []byte("2024-03-01 10:00:00, Info  DISM   DISM Provider Store: PID=1\r\n"), Method: zip.Store},
		zent{Name: "MpCmdRun.log", Data: utf16le("MpCmdRun: Command Line: x\r\n"), Method: zip.Deflate},
		zent{Name: "inner.zip", Data: inner, Method: zip.Store},
		zent{Name: "inner2.zip", Data: makeZip(t, zent{Name: "WindowsUpdate.log", Data: []byte("wu log\n"), Method: zip.Deflate}), Method: zip.Deflate},
	)
	dir := writeFiles(t, map[string][]byte{
		"DND_SetupReport.zip":         outer,
		"loose/ReportingEvents.log":   []byte("reporting\n"),
		"loose/CbsPersist_1.cab":      makeCab(cabMSZIP, cabFileSpec{"CbsPersist_20240301.log", cbsText(3000, "persist")}),
		"loose/deeper/windowsupd.bin": gz([]byte("gzipped log\n"), "orig.log"),
		"loose/x.log.gz":              gz([]byte("gz log\n"), ""),
	})
	b := openDir(t, dir, Limits{})
	if len(b.Problems()) != 0 {
		t.Fatalf("problems: %v", b.Problems())
	}
	want := []string{
		"DND_SetupReport.zip:Logs/CBS/CBS.log",
		"DND_SetupReport.zip:Logs/DISM/dism.log",
		"DND_SetupReport.zip:MpCmdRun.log",
		"DND_SetupReport.zip:inner.zip:Panther/setupact.log",
		"DND_SetupReport.zip:inner2.zip:WindowsUpdate.log",
		"loose/CbsPersist_1.cab:CbsPersist_20240301.log",
		"loose/ReportingEvents.log",
		"loose/deeper/windowsupd.bin:orig.log",
		"loose/x.log",
	}
	if got := inputNames(b); !slices.Equal(got, want) {
		t.Fatalf("inputs\n got %q\nwant %q", got, want)
	}
	for _, in := range b.Files() {
		data, err := readAll(in)
		if err != nil {
			t.Fatalf("%s: %v", in.Name, err)
		}
		if in.Size >= 0 && int64(len(data)) != in.Size {
			t.Errorf("%s: read %d bytes, Size %d", in.Name, len(data), in.Size)
		}
	}
	if data, _ := readAll(inputFor(t, b, "DND_SetupReport.zip:Logs/CBS/CBS.log")); !bytes.Equal(data, cbs) {
		t.Error("CBS.log content differs")
	}
	if data, _ := readAll(inputFor(t, b, "loose/CbsPersist_1.cab:CbsPersist_20240301.log")); !bytes.Equal(data, cbsText(3000, "persist")) {
		t.Error("cab content differs")
	}
	if data, _ := readAll(inputFor(t, b, "loose/x.log")); string(data) != "gz log\n" {
		t.Errorf("gz content %q", data)
	}
}

// Content decides, not names: the intake tells a UTF-16 log inside a zip
// exactly as it would on disk, and a zip named .log is still a zip.
func TestSniffsContentNotNames(t *testing.T) {
	line := "2024-03-01 10:00:00, Info                  CBS    Starting TrustedInstaller initialization.\r\n"
	dir := writeFiles(t, map[string][]byte{
		"evidence.log": makeZip(t, zent{Name: "CBS.txt", Data: utf16le(strings.Repeat(line, 20)), Method: zip.Deflate}),
	})
	b := openDir(t, dir, Limits{})
	in := inputFor(t, b, "evidence.log:CBS.txt")
	head, err := readAll(in)
	if err != nil {
		t.Fatal(err)
	}
	if k := Detect(head); k != CBS || in.Kind != CBS {
		t.Fatalf("UTF-16 CBS log inside a zip detected as %v, listed as %v", k, in.Kind)
	}
}

// A stored entry is handed out as an io.ReaderAt over the archive, so the
// analyzer reads event logs in place; a deflated one streams.
func TestStoredEntriesAreReaderAt(t *testing.T) {
	evtx := append([]byte("ElfFile\x00"), bytes.Repeat([]byte{7}, 5000)...)
	dir := writeFiles(t, map[string][]byte{"b.zip": makeZip(t,
		zent{Name: "System.evtx", Data: evtx, Method: zip.Store},
		zent{Name: "Setup.evtx", Data: append([]byte("ElfFile\x00"), 1, 2, 3), Method: zip.Deflate},
	)})
	b := openDir(t, dir, Limits{})
	rc, err := inputFor(t, b, "b.zip:System.evtx").Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	ra, ok := rc.(io.ReaderAt)
	if !ok {
		t.Fatalf("stored entry opens as %T, not an io.ReaderAt", rc)
	}
	p := make([]byte, 8)
	if _, err := ra.ReadAt(p, 5000); err != nil || !bytes.Equal(p, evtx[5000:]) {
		t.Fatalf("ReadAt: %q, %v", p, err)
	}
	rc2, _ := inputFor(t, b, "b.zip:Setup.evtx").Open()
	defer rc2.Close()
	if _, ok := rc2.(io.ReaderAt); ok {
		t.Error("a deflated entry claims to be an io.ReaderAt")
	}
}

// Names that are absolute, climb out, name a drive or hide characters are
// refused before anything is read, and named safely (quoted) in the
// problem; the other entries are still listed.
func TestUnsafeNames(t *testing.T) {
	bad := []string{"../../etc/passwd", `..\..\Windows\win.ini`, "/etc/shadow", `C:\Windows\evil.log`, "c:evil.log", "a\x00b.log", "Logs/\x1b[31mred.log", "ok/../../up.log"}
	var ents []zent
	for _, n := range bad {
		ents = append(ents, zent{Name: n, Data: []byte(n), Method: zip.Store})
	}
	ents = append(ents, zent{Name: "Logs/./CBS/../CBS/CBS.log", Data: []byte("fine"), Method: zip.Store})
	dir := writeFiles(t, map[string][]byte{"t.zip": makeZip(t, ents...)})
	b := openDir(t, dir, Limits{})
	if got := inputNames(b); !slices.Equal(got, []string{"t.zip:Logs/CBS/CBS.log"}) {
		t.Fatalf("inputs %q", got)
	}
	if len(b.Problems()) != len(bad) {
		t.Fatalf("%d problems for %d bad names: %v", len(b.Problems()), len(bad), b.Problems())
	}
	for _, p := range b.Problems() {
		wantErr(t, p.Err, ErrTraversal)
		if p.Name != "t.zip" {
			t.Errorf("problem named %q, want the archive", p.Name)
		}
		for _, c := range p.Error() {
			if c < 0x20 {
				t.Errorf("problem text holds a control character: %q", p.Error())
			}
		}
	}
}

// A zip bomb is refused by its declared ratio, and one whose header lies
// about its size fails as soon as it produces more than it declared.
func TestZipBombs(t *testing.T) {
	zeros := make([]byte, 20<<20)
	packed := deflate(zeros)
	crc := crc32.ChecksumIEEE(zeros)
	dir := writeFiles(t, map[string][]byte{"bomb.zip": makeZip(t,
		zent{Name: "honest.log", Data: zeros, Method: zip.Deflate},
		// Declares twice its compressed size: a ratio that passes.
		zent{Name: "liar.log", Raw: true, Method: zip.Deflate, Data: packed, CRC: crc, CSize: uint64(len(packed)), USize: uint64(2 * len(packed))},
		// Declares fewer bytes than deflate could have compressed.
		zent{Name: "impossible.log", Raw: true, Method: zip.Deflate, Data: packed, CRC: crc, CSize: uint64(len(packed)), USize: 10},
		zent{Name: "CBS.log", Data: cbsText(100, "ok"), Method: zip.Deflate},
	)})
	b := openDir(t, dir, Limits{})
	wantErr(t, problemFor(t, b, "bomb.zip:honest.log").Err, ErrBomb)
	wantErr(t, problemFor(t, b, "bomb.zip:impossible.log").Err, ErrBomb)
	_, err := readAll(inputFor(t, b, "bomb.zip:liar.log"))
	wantErr(t, err, ErrBomb)
	if _, err := readAll(inputFor(t, b, "bomb.zip:CBS.log")); err != nil {
		t.Fatal(err)
	}
	// Two liars of the same declared size are read by the duplicate check
	// while listing: there the lie is found before the analyzer runs.
	dir = writeFiles(t, map[string][]byte{"bomb2.zip": makeZip(t,
		zent{Name: "a.log", Raw: true, Method: zip.Deflate, Data: packed, CRC: crc, CSize: uint64(len(packed)), USize: uint64(2 * len(packed))},
		zent{Name: "b.log", Raw: true, Method: zip.Deflate, Data: packed, CRC: crc, CSize: uint64(len(packed)), USize: uint64(2 * len(packed))},
	)})
	b = openDir(t, dir, Limits{})
	wantErr(t, problemFor(t, b, "bomb2.zip:a.log").Err, ErrBomb)
	wantErr(t, problemFor(t, b, "bomb2.zip:b.log").Err, ErrBomb)
}

// A gzip bomb has no declared size: it is read while listing and stops at
// MaxRatio times its compressed size.
func TestGzipBomb(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"big.log.gz": gz(make([]byte, 20<<20), "")})
	b := openDir(t, dir, Limits{})
	wantErr(t, problemFor(t, b, "big.log").Err, ErrBomb)
}

// A truncated entry, a corrupted one and an encrypted one are problems of
// their own; the entries beside them are read.
func TestDamagedEntries(t *testing.T) {
	log := cbsText(2000, "cut")
	packed := deflate(log)
	crc := crc32.ChecksumIEEE(log)
	bad := bytes.Clone(packed)
	bad[len(bad)/2] ^= 0xff
	stored := []byte("stored but with a wrong CRC")
	dir := writeFiles(t, map[string][]byte{"d.zip": makeZip(t,
		zent{Name: "truncated.log", Raw: true, Method: zip.Deflate, Data: packed[:len(packed)/2], CRC: crc, CSize: uint64(len(packed) / 2), USize: uint64(len(log))},
		zent{Name: "flipped.log", Raw: true, Method: zip.Deflate, Data: bad, CRC: crc, CSize: uint64(len(bad)), USize: uint64(len(log))},
		zent{Name: "badcrc.log", Raw: true, Method: zip.Store, Data: stored, CRC: 1, CSize: uint64(len(stored)), USize: uint64(len(stored))},
		zent{Name: "secret.log", Raw: true, Method: zip.Store, Data: []byte("xxxx"), CSize: 4, USize: 4, Flags: 1},
		zent{Name: "bzip2.log", Raw: true, Method: 12, Data: []byte("BZh9"), CSize: 4, USize: 40},
		zent{Name: "good.log", Data: []byte("good"), Method: zip.Deflate},
	)})
	b := openDir(t, dir, Limits{})
	wantErr(t, problemFor(t, b, "d.zip:secret.log").Err, ErrEncrypted)
	wantErr(t, problemFor(t, b, "d.zip:bzip2.log").Err, ErrUnsupported)
	// A damaged entry is found while listing when the duplicate check
	// reads it (here the truncated and flipped entries share a size), or
	// else when the analyzer reads it: the reason is the same.
	read := func(name string) error {
		for _, p := range b.Problems() {
			if p.Name == name {
				return p.Err
			}
		}
		_, err := readAll(inputFor(t, b, name))
		return err
	}
	wantErr(t, read("d.zip:truncated.log"), ErrTruncated)
	if err := read("d.zip:flipped.log"); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
		t.Fatalf("flipped: %v", err)
	}
	wantErr(t, read("d.zip:badcrc.log"), ErrCorrupt)
	if err := read("d.zip:good.log"); err != nil {
		t.Fatal(err)
	}
	// A zip cut in the middle has no central directory: the whole file
	// is one problem, the rest of the bundle goes on.
	whole := makeZip(t, zent{Name: "a.log", Data: log, Method: zip.Deflate})
	dir = writeFiles(t, map[string][]byte{"cut.zip": whole[:len(whole)/2], "other.log": []byte("x")})
	b = openDir(t, dir, Limits{})
	problemFor(t, b, "cut.zip")
	inputFor(t, b, "other.log")
}

// The same content twice — in a zip and on disk, or twice in one zip —
// is listed once, the first time it is found; the copies are problems
// that say which input they repeat. Same size but other content is not
// a duplicate.
func TestDuplicates(t *testing.T) {
	log := cbsText(300, "dup")
	other := bytes.Clone(log)
	other[100] = 'Z'
	dir := writeFiles(t, map[string][]byte{
		"a.zip":        makeZip(t, zent{Name: "CBS.log", Data: log, Method: zip.Deflate}, zent{Name: "copy/CBS.log", Data: log, Method: zip.Store}),
		"b/CBS.log":    log,
		"b/CBS2.log":   other,
		"c/CBS.log.gz": gz(log, ""),
	})
	b := openDir(t, dir, Limits{})
	if got, want := inputNames(b), []string{"a.zip:CBS.log", "b/CBS2.log"}; !slices.Equal(got, want) {
		t.Fatalf("inputs %q, want %q", got, want)
	}
	for _, name := range []string{"a.zip:copy/CBS.log", "b/CBS.log", "c/CBS.log"} {
		p := problemFor(t, b, name)
		wantErr(t, p.Err, ErrDuplicate)
		if !strings.Contains(p.Error(), "a.zip:CBS.log") {
			t.Errorf("%v does not name the input it repeats", p)
		}
	}
	if in := inputFor(t, b, "a.zip:CBS.log"); in.Size != int64(len(log)) {
		t.Errorf("size %d", in.Size)
	}
}

// Each limit stops what passes it and says which limit it was.
func TestLimits(t *testing.T) {
	inner := makeZip(t, zent{Name: "deep.zip", Data: makeZip(t, zent{Name: "x.log", Data: []byte("x")}), Method: zip.Store})
	dir := writeFiles(t, map[string][]byte{
		"1.log":    bytes.Repeat([]byte("a"), 1000),
		"2.log":    bytes.Repeat([]byte("b"), 1000),
		"3.log":    bytes.Repeat([]byte("c"), 1000),
		"nest.zip": makeZip(t, zent{Name: "mid.zip", Data: inner, Method: zip.Store}),
	})
	b := openDir(t, dir, Limits{MaxTotal: 2500})
	wantErr(t, problemFor(t, b, "3.log").Err, ErrLimit)
	wantErr(t, problemFor(t, b, "nest.zip:mid.zip:deep.zip").Err, ErrLimit)

	b = openDir(t, dir, Limits{MaxFiles: 2})
	if len(b.Files()) != 2 {
		t.Fatalf("inputs %q", inputNames(b))
	}
	p := problemFor(t, b, "3.log")
	wantErr(t, p.Err, ErrLimit)
	if !strings.Contains(p.Error(), "1 more") {
		t.Errorf("%v does not count the files skipped", p)
	}

	b = openDir(t, dir, Limits{MaxEntry: 999})
	wantErr(t, problemFor(t, b, "1.log").Err, ErrLimit)

	b = openDir(t, dir, Limits{MaxDepth: 1})
	wantErr(t, problemFor(t, b, "nest.zip:mid.zip").Err, ErrLimit)

	// A compressed nested zip is held in memory, within MaxMemory, else
	// spooled to TempDir, within MaxSpool, until Close.
	dir = writeFiles(t, map[string][]byte{"m.zip": makeZip(t, zent{Name: "in.zip", Data: makeZip(t, zent{Name: "x.log", Data: cbsText(300, "m"), Method: zip.Store}), Method: zip.Deflate})})
	b = openDir(t, dir, Limits{})
	inputFor(t, b, "m.zip:in.zip:x.log")
	tmp := t.TempDir()
	b = openDir(t, dir, Limits{MaxMemory: 8192, TempDir: tmp})
	if _, err := readAll(inputFor(t, b, "m.zip:in.zip:x.log")); err != nil {
		t.Fatal(err)
	}
	if spooled, _ := os.ReadDir(tmp); len(spooled) != 1 {
		t.Errorf("%d files in TempDir, want the spooled archive", len(spooled))
	}
	b.Close()
	if spooled, _ := os.ReadDir(tmp); len(spooled) != 0 {
		t.Errorf("%d files left in TempDir after Close", len(spooled))
	}
	b = openDir(t, dir, Limits{MaxMemory: 8192, MaxSpool: 8192, TempDir: tmp})
	wantErr(t, problemFor(t, b, "m.zip:in.zip").Err, ErrLimit)
	if spooled, _ := os.ReadDir(tmp); len(spooled) != 0 {
		t.Errorf("%d files left in TempDir after a refused spool", len(spooled))
	}
	// A zip's central directory is read within MaxMemory too.
	b = openDir(t, dir, Limits{MaxMemory: 1024})
	p = problemFor(t, b, "m.zip:in.zip")
	wantErr(t, p.Err, ErrLimit)
	if !strings.Contains(p.Error(), "central directory") {
		t.Errorf("%v: want the directory named", p)
	}
}

// Paths that do not exist or cannot be read are problems too.
func TestMissingAndUnreadablePaths(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"ok.log": []byte("ok")})
	b, err := Open(context.Background(), []string{filepath.Join(dir, "ok.log"), filepath.Join(dir, "nope.log")}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(b.Files()) != 1 || len(b.Problems()) != 1 || !errors.Is(b.Problems()[0].Err, os.ErrNotExist) {
		t.Fatalf("inputs %q problems %v", inputNames(b), b.Problems())
	}
}

// A cancelled context stops Open with its error.
func TestCancel(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"a.log": []byte("a")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, []string{dir}, Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

// Cabinets: stored and MSZIP folders, several files in one folder across
// block boundaries (the MSZIP dictionary carries over), checksums checked.
func TestCab(t *testing.T) {
	a, c := cbsText(2500, "a"), cbsText(10, "c")
	bb := bytes.Repeat([]byte("0123456789abcdef"), 9000) // repeats across blocks
	for _, method := range []uint16{cabStored, cabMSZIP} {
		cab := makeCab(method, cabFileSpec{"CbsPersist_a.log", a}, cabFileSpec{`sub\b.log`, bb}, cabFileSpec{"c.log", c})
		dir := writeFiles(t, map[string][]byte{"x.cab": cab})
		b := openDir(t, dir, Limits{})
		if len(b.Problems()) != 0 {
			t.Fatalf("method %d: %v", method, b.Problems())
		}
		for name, want := range map[string][]byte{"x.cab:CbsPersist_a.log": a, "x.cab:sub/b.log": bb, "x.cab:c.log": c} {
			got, err := readAll(inputFor(t, b, name))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("method %d %s: %d bytes, %v", method, name, len(got), err)
			}
		}
	}
}

// Damaged and unsupported cabinets are problems, never a crash.
func TestCabDamage(t *testing.T) {
	log := cbsText(3000, "d")
	good := makeCab(cabMSZIP, cabFileSpec{"a.log", log})
	qtm := bytes.Clone(good)
	qtm[36+6] = cabQuantum
	lzx := bytes.Clone(good) // MSZIP data labelled LZX (window 2^16)
	lzx[36+6], lzx[36+7] = cabLZX, 16
	sum := bytes.Clone(good)
	sum[len(sum)-10] ^= 0x55
	dir := writeFiles(t, map[string][]byte{
		"qtm.cab":   qtm,
		"lzx.cab":   lzx,
		"cut.cab":   good[:len(good)-100],
		"sum.cab":   sum,
		"short.cab": good[:20],
	})
	b := openDir(t, dir, Limits{})
	p := problemFor(t, b, "qtm.cab:a.log")
	wantErr(t, p.Err, ErrUnsupported)
	if !strings.Contains(p.Error(), "Quantum") {
		t.Errorf("Quantum problem reads %q", p.Error())
	}
	// Found corrupt while listing (its size matches the other a.log, so it
	// is read for the duplicate check).
	wantErr(t, problemFor(t, b, "lzx.cab:a.log").Err, ErrCorrupt)
	wantErr(t, problemFor(t, b, "cut.cab:a.log").Err, ErrTruncated)
	problemFor(t, b, "short.cab")
	_, err := readAll(inputFor(t, b, "sum.cab:a.log"))
	wantErr(t, err, ErrCorrupt)
}

// The test's cabinet writer agrees with cabextract (when installed;
// required with WUDIAG_REQUIRE_PEERS=1): it tests every file of the
// cabinet and reports the MD5 of the data written. The reader reads what
// gcab writes.
func TestCabAgainstTools(t *testing.T) {
	dir := t.TempDir()
	cab := filepath.Join(dir, "ours.cab")
	files := []cabFileSpec{{"a.log", cbsText(3000, "t")}, {"b.log", []byte("bee")}}
	if err := os.WriteFile(cab, buildCab(cabMSZIP, false, files...), 0o644); err != nil {
		t.Fatal(err)
	}
	if cabextract := sharedtest.OptionalPeer(t, "cabextract"); cabextract != "" {
		out, err := exec.Command(cabextract, "-t", cab).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "All done, no errors") {
			t.Fatalf("cabextract -t: %v\n%s", err, out)
		}
		// "  a.log  OK  <md5>" per file
		sums := map[string]string{}
		for line := range strings.Lines(string(out)) {
			if f := strings.Fields(line); len(f) == 3 && f[1] == "OK" {
				sums[f[0]] = f[2]
			}
		}
		for _, f := range files {
			if want := fmt.Sprintf("%x", md5.Sum(f.Data)); sums[f.Name] != want {
				t.Errorf("cabextract -t: %s MD5 %q, want %s\n%s", f.Name, sums[f.Name], want, out)
			}
		}
		sharedtest.Compared(t, len(sums), "files")
	}
	// testdata/gcab-mszip.cab was made with gcab; see testdata/README.md.
	b, err := Open(context.Background(), []string{"testdata/gcab-mszip.cab"}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(b.Problems()) != 0 {
		t.Fatal(b.Problems())
	}
	want, err := os.ReadFile("testdata/gcab-src.log")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(inputFor(t, b, "testdata/gcab-mszip.cab:gcab-src.log"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("gcab file: %d bytes, %v", len(got), err)
	}
}

// A solid folder of many files is decompressed once when its files are
// read in order, not once per file.
func TestCabManyFilesInOneFolder(t *testing.T) {
	var files []cabFileSpec
	for i := range 2000 {
		files = append(files, cabFileSpec{Name: fmt.Sprintf("f%04d.log", i), Data: cbsText(20, fmt.Sprint(i))})
	}
	dir := writeFiles(t, map[string][]byte{"many.cab": makeCab(cabMSZIP, files...)})
	b := openDir(t, dir, Limits{})
	if len(b.Files()) != len(files) || len(b.Problems()) != 0 {
		t.Fatalf("%d inputs, problems %v", len(b.Files()), b.Problems())
	}
	for i, in := range b.Files() {
		got, err := readAll(in)
		if err != nil || !bytes.Equal(got, files[i].Data) {
			t.Fatalf("%s: %v", in.Name, err)
		}
	}
	// Read backwards, each file starts the folder again: the bytes
	// skipped on the way are bounded by MaxTotal.
	b = openDir(t, dir, Limits{MaxTotal: 8 << 20})
	var err error
	for i := len(b.Files()) - 1; i >= 0 && err == nil; i-- {
		_, err = readAll(b.Files()[i])
	}
	wantErr(t, err, ErrLimit)
}

// Empty files are inputs, never duplicates of each other.
func TestEmptyFilesAreNotDuplicates(t *testing.T) {
	dir := writeFiles(t, map[string][]byte{"a.log": nil, "b.log": nil})
	b := openDir(t, dir, Limits{})
	if len(b.Files()) != 2 || len(b.Problems()) != 0 {
		t.Fatalf("inputs %q problems %v", inputNames(b), b.Problems())
	}
}
