package collect

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A Runner runs a command and returns its standard output. Tests on
// Linux pass a fake; on Windows ExecRunner runs the real programs.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// A Step is one command whose result goes into the zip as Rel: its
// standard output, or, when Args hold OutPlaceholder, the file the command
// writes there (wevtutil epl, Get-WindowsUpdateLog).
type Step struct {
	Rel  string
	Name string
	Args []string
}

// OutPlaceholder in a Step's Args is replaced by a temporary file path
// whose content is then taken.
const OutPlaceholder = "{out}"

// Steps returns the commands run on a live Windows machine: each event
// log channel exported, WindowsUpdate.log decoded, reagentc, fltmc, and
// the volumes and partition layout.
func Steps() []Step {
	var s []Step
	for _, c := range Channels {
		s = append(s, Step{c.File, "wevtutil", []string{"epl", c.Name, OutPlaceholder, "/ow:true"}})
	}
	ps := func(rel, script string) Step {
		return Step{rel, "powershell", []string{"-NoProfile", "-NonInteractive", "-Command", script}}
	}
	s = append(s,
		ps(Outputs[0], "Get-WindowsUpdateLog -LogPath '"+OutPlaceholder+"' | Out-Null"),
		Step{Outputs[1], "reagentc", []string{"/info"}},
		Step{Outputs[2], "fltmc", []string{"filters"}},
		ps(Outputs[3], "Get-Volume | Format-Table -AutoSize DriveLetter,FileSystemLabel,FileSystem,SizeRemaining,Size | Out-String -Width 200"),
		ps(Outputs[4], "Get-Partition | Format-Table -AutoSize DiskNumber,PartitionNumber,DriveLetter,Type,GptType,Size | Out-String -Width 200"),
	)
	return s
}

// An Entry is one line of manifest.json: a file or command taken, or not.
type Entry struct {
	Name   string `json:"name"`             // path in the zip
	Source string `json:"source"`           // file on disk or command line
	Size   int64  `json:"size,omitempty"`   // bytes written
	SHA256 string `json:"sha256,omitempty"` // of the bytes written
	Error  string `json:"error,omitempty"`  // why it was not taken
}

// Manifest is what manifest.json holds.
type Manifest struct {
	Created time.Time `json:"created"`
	Root    string    `json:"root"`
	Taken   []Entry   `json:"taken"`
	Failed  []Entry   `json:"failed"`
}

// Options for Write.
type Options struct {
	Root     string    // system drive root (C:\ on a live machine)
	Runner   Runner    // nil: no commands are run
	Steps    []Step    // commands to run through Runner
	TempDir  string    // where OutPlaceholder files go; "" for os.TempDir
	Progress io.Writer // one progress line per item (stderr); may be nil
	Now      func() time.Time
}

// Write writes the zip of everything selected under o.Root plus the
// steps' results, and manifest.json, to w. It fails only on a write error
// or when ctx is done; a file or command that fails is listed in the
// manifest's failed entries.
func Write(ctx context.Context, w io.Writer, o Options) (*Manifest, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	m := &Manifest{Created: now().UTC(), Root: o.Root, Taken: []Entry{}, Failed: []Entry{}}
	zw := zip.NewWriter(w)
	taken := map[string]bool{}
	total := 0
	progress := func(name string) {
		total++
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "\rwudiag collect: %d items, %s%s", total, name, strings.Repeat(" ", 10))
		}
	}
	add := func(name, source string, r io.Reader) error {
		progress(name)
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: m.Created})
		if err != nil {
			return fmt.Errorf("collect: zip entry %s: %w", name, err)
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(fw, h), r)
		if err != nil {
			// The entry holds what could be read; say so.
			m.Failed = append(m.Failed, Entry{Name: name, Source: source, Size: n, Error: err.Error()})
			return nil
		}
		taken[strings.ToLower(name)] = true
		m.Taken = append(m.Taken, Entry{Name: name, Source: source, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	}
	if o.Runner != nil {
		for _, s := range o.Steps {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := runStep(ctx, o, s, add, m); err != nil {
				return nil, err
			}
		}
	}
	files, errs, err := Select(ctx, o.Root)
	if err != nil {
		return nil, err
	}
	for _, e := range errs {
		m.Failed = append(m.Failed, Entry{Source: o.Root, Error: e.Error()})
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if taken[strings.ToLower(f.Rel)] {
			continue // the exported copy of an event log wins over the live file
		}
		fh, err := os.Open(f.Path)
		if err != nil {
			m.Failed = append(m.Failed, Entry{Name: f.Rel, Source: f.Path, Error: err.Error()})
			continue
		}
		err = add(f.Rel, f.Path, fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
	}
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "\rwudiag collect: %d taken, %d failed%s\n", len(m.Taken), len(m.Failed), strings.Repeat(" ", 40))
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: m.Created})
	if err != nil {
		return nil, fmt.Errorf("collect: zip entry manifest.json: %w", err)
	}
	enc := json.NewEncoder(fw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("collect: manifest.json: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("collect: closing zip: %w", err)
	}
	return m, nil
}

// runStep runs one command and adds its output (or its out file).
func runStep(ctx context.Context, o Options, s Step, add func(name, source string, r io.Reader) error, m *Manifest) error {
	args := append([]string(nil), s.Args...)
	out := ""
	for i, a := range args {
		if strings.Contains(a, OutPlaceholder) {
			if out == "" {
				dir, err := os.MkdirTemp(o.TempDir, "wudiag-collect-")
				if err != nil {
					return fmt.Errorf("collect: temp folder for %s: %w", s.Rel, err)
				}
				defer os.RemoveAll(dir)
				out = filepath.Join(dir, filepath.Base(filepath.FromSlash(s.Rel)))
			}
			args[i] = strings.ReplaceAll(a, OutPlaceholder, out)
		}
	}
	cmdline := s.Name + " " + strings.Join(args, " ")
	stdout, err := o.Runner.Run(ctx, s.Name, args...)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m.Failed = append(m.Failed, Entry{Name: s.Rel, Source: cmdline, Error: err.Error()})
		return nil
	}
	if out == "" {
		return add(s.Rel, cmdline, strings.NewReader(string(stdout)))
	}
	f, err := os.Open(out)
	if err != nil {
		m.Failed = append(m.Failed, Entry{Name: s.Rel, Source: cmdline, Error: fmt.Sprintf("%s wrote no %s: %v", s.Name, out, err)})
		return nil
	}
	defer f.Close()
	return add(s.Rel, cmdline, f)
}

// ExecRunner runs programs with os/exec.
type ExecRunner struct{}
