package classify

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wudiag/wudiag/internal/source"
)

// An Input is one file to analyze: a file on disk, or an entry of an
// archive (Name, Size, Kind, Open). It is the intake's file type; Kind
// may be left zero, and the analyzer then tells it from the content.
type Input = source.File

// FileInput returns the Input for a file on disk.
func FileInput(path string) Input {
	size := int64(-1)
	if fi, err := os.Stat(path); err == nil {
		size = fi.Size()
	}
	return Input{Name: path, Size: size, Kind: source.Unknown, Open: func() (io.ReadCloser, error) { return os.Open(path) }}
}

// PathInputs returns the inputs for paths: files as they are, folders
// walked recursively in lexical order, archives not opened (AnalyzePaths
// reads them, and lists what it skipped). Paths that cannot be walked are
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

// A Kind names the reader an input was read with, and so the kind of
// the evidence read from it (InputReport.Kind, Evidence.Kind); rules
// select on it. The first six are the names of the intake's kinds (a
// test holds them together); the secondary text logs are told apart by
// their reader.
type Kind string

// Kinds of input.
const (
	KindCBS                  Kind = "cbs"       // CBS.log, CbsPersist_*.log
	KindDISM                 Kind = "dism"      // dism.log
	KindEVTX                 Kind = "evtx"      // a binary event log
	KindEventXML             Kind = "evtx-xml"  // an event log exported as XML
	KindEventText            Kind = "evtx-text" // … as Event Viewer's or wevtutil's text, or Format-List
	KindEventCSV             Kind = "evtx-csv"  // … as CSV or tab-separated text
	KindWindowsUpdate        Kind = "windowsupdate"
	KindWindowsUpdateClassic Kind = "windowsupdate-classic"
	KindReportingEvents      Kind = "reportingevents"
	KindReAgent              Kind = "reagent"
	KindSetupAct             Kind = "setupact" // setupact.log, setuperr.log
	KindMpCmdRun             Kind = "mpcmdrun"
	KindMpSigStub            Kind = "mpsigstub"
	KindUpdatePlatform       Kind = "updateplatform"
	KindBurn                 Kind = "burn" // WiX Burn bundle logs
	KindMSI                  Kind = "msi"  // verbose Windows Installer logs
	KindFltmc                Kind = "fltmc"
	KindChkdsk               Kind = "chkdsk"
	KindText                 Kind = "text" // any other text: a paste, a console capture
)

// readHead reads up to source.HeadSize bytes of an input.
func readHead(in Input) ([]byte, error) {
	rc, err := in.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	head := make([]byte, source.HeadSize)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return head[:n], fmt.Errorf("read: %w", err)
	}
	return head[:n], nil
}
