package classify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/logline"
)

// An Input is one file to analyze: a file on disk, or an entry of an
// archive. Open may be called more than once.
type Input struct {
	// Name is how reports name the file (a path, or "bundle.zip:Logs/CBS/CBS.log").
	Name string
	// Size is the file's size in bytes, or -1 when unknown.
	Size int64
	// Open opens the content. When the returned value is also an
	// io.ReaderAt (as *os.File is), event logs are read in place;
	// otherwise they are read into memory up to Options.MaxInMemory.
	Open func() (io.ReadCloser, error)
}

// FileInput returns the Input for a file on disk.
func FileInput(path string) Input {
	size := int64(-1)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	return Input{Name: path, Size: size, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// PathInputs returns the inputs for paths: files as they are, folders
// walked recursively in lexical order. Paths that cannot be walked are
// returned as errors, one per path, and the rest is still listed.
func PathInputs(paths ...string) ([]Input, []error) {
	var in []Input
	var errs []error
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				in = append(in, FileInput(path))
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return in, errs
}

// Input kinds, as reported in InputReport.Kind and Evidence.Kind.
const (
	KindCBS     = "cbs"
	KindDISM    = "dism"
	KindEVTX    = "evtx"
	KindEVTXXML = "evtx-xml"
	KindEVTXTxt = "evtx-text"
	KindEVTXCSV = "evtx-csv"
)

// sniffHead is how much of a file Sniff looks at.
const sniffHead = 64 << 10

// Sniff tells the kind of a log from its first bytes (up to 64 KiB), never
// from its name: binary event logs by their "ElfFile" magic, event-log
// exports by their XML or "Log Name:" text, CBS.log and dism.log by the
// component column of their lines. It returns "" for anything else
// (the secondary text logs are told apart by their own reader).
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("ElfFile\x00")), bytes.HasPrefix(head, []byte("ElfChnk\x00")):
		return KindEVTX
	case bytes.HasPrefix(head, []byte("MSCF")), bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return ""
	}
	text := utf8Head(head)
	t := bytes.TrimLeft(text, " \t\r\n\uFEFF")
	switch {
	case bytes.HasPrefix(t, []byte("<?xml")) && bytes.Contains(text, []byte("<Event")),
		bytes.HasPrefix(t, []byte("<Event")):
		return KindEVTXXML
	case bytes.Contains(text, []byte("Log Name:")) && bytes.Contains(text, []byte("Event ID:")):
		return KindEVTXTxt
	}
	switch evtx.Sniff(head) {
	case evtx.XML:
		return KindEVTXXML
	case evtx.Text:
		return KindEVTXTxt
	case evtx.CSV:
		return KindEVTXCSV
	}
	sc := logline.NewScanner(bytes.NewReader(text), nil)
	cbs, dism := 0, 0
	for i := 0; i < 400 && sc.Scan(); i++ {
		r := sc.Record()
		if r.Head.Kind != logline.Stamped && r.Head.Kind != logline.Bare {
			continue
		}
		switch r.Head.Component {
		case "CBS", "CSI":
			cbs++
		case "DISM":
			dism++
		}
	}
	switch {
	case dism > 0 && dism >= cbs:
		return KindDISM
	case cbs > 0:
		return KindCBS
	}
	return ""
}

// utf8Head returns the head as UTF-8 text whatever its encoding.
func utf8Head(head []byte) []byte {
	sc := logline.NewScanner(bytes.NewReader(head), nil)
	d := sc.Decoder()
	var out bytes.Buffer
	for d.Next() {
		out.Write(d.Line())
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// readHead reads up to sniffHead bytes of an input.
func readHead(in Input) ([]byte, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	head := make([]byte, sniffHead)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return head[:n], fmt.Errorf("read: %w", err)
	}
	return head[:n], nil
}
