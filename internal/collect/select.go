// Package collect gathers, on a broken Windows machine, exactly the logs
// wudiag analyze reads, into one zip with a manifest. The selection list
// (Channels, Patterns) lives here so the collector and the analyzer of a
// mounted or copied system drive (internal/source) read the same files.
//
// The selection and the zip writer are plain Go and run anywhere; only the
// commands (wevtutil, PowerShell, fltmc, reagentc) need Windows, and they
// go through a Runner so tests use a fake.
package collect

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// A Channel is an event log the analyzer reads: its channel name, as
// wevtutil takes it, the file it lives in under the Windows root
// (slashes), and the event providers whose events in it the analyzer
// uses (classify's rules.yaml and failure statements; a provider may
// write to more than one channel).
type Channel struct {
	Name      string
	File      string
	Providers []string
}

// Channels lists the event logs the analyzer reads. It is the one place
// they are listed: collect exports them with "wevtutil epl" (the live
// files are locked) into File inside the zip, a mounted drive is read at
// File, the corpus generator writes its events to these files, and the
// documentation's PowerShell line exports these channels (a test checks
// README.md and docs/ against this list, and the providers against
// classify/rules.yaml).
//
// Where a provider writes is set by its manifest; Microsoft documents the
// ones that matter most here: WinREAgent 4502 in System
// (https://support.microsoft.com/en-us/topic/kb5028997-instructions-to-manually-resize-your-partition-to-install-the-winre-update-400faa27-9343-461c-ada9-24c8229763bf),
// Defender in Windows Defender/Operational
// (https://learn.microsoft.com/en-us/defender-endpoint/troubleshoot-microsoft-defender-antivirus),
// MsiInstaller in Application
// (https://learn.microsoft.com/en-us/windows/win32/msi/event-logging).
var Channels = []Channel{
	{Name: "System", File: "Windows/System32/winevt/Logs/System.evtx", Providers: []string{
		"Microsoft-Windows-WindowsUpdateClient", "Microsoft-Windows-WinREAgent",
		"disk", "Ntfs", "Microsoft-Windows-Ntfs", "Microsoft-Windows-Kernel-General",
		"Service Control Manager", "Microsoft-Windows-WER-SystemErrorReporting", "User32",
	}},
	{Name: "Application", File: "Windows/System32/winevt/Logs/Application.evtx", Providers: []string{
		"MsiInstaller", "SecurityCenter", "Windows Error Reporting",
	}},
	{Name: "Setup", File: "Windows/System32/winevt/Logs/Setup.evtx", Providers: []string{
		"Microsoft-Windows-Servicing",
	}},
	{Name: "Microsoft-Windows-WindowsUpdateClient/Operational", File: "Windows/System32/winevt/Logs/Microsoft-Windows-WindowsUpdateClient%4Operational.evtx", Providers: []string{
		"Microsoft-Windows-WindowsUpdateClient",
	}},
	{Name: "Microsoft-Windows-Windows Defender/Operational", File: "Windows/System32/winevt/Logs/Microsoft-Windows-Windows Defender%4Operational.evtx", Providers: []string{
		"Microsoft-Windows-Windows Defender",
	}},
}

// ChannelByFile returns the channel kept in file (slashes, relative to the
// Windows root, compared without regard to case).
func ChannelByFile(file string) (Channel, bool) {
	for _, c := range Channels {
		if strings.EqualFold(c.File, file) {
			return c, true
		}
	}
	return Channel{}, false
}

// ChannelByName returns the named channel.
func ChannelByName(name string) (Channel, bool) {
	for _, c := range Channels {
		if c.Name == name {
			return c, true
		}
	}
	return Channel{}, false
}

// tempNames are the name patterns of .NET, MSI and Burn logs (and
// Defender's) taken from %TEMP% and %windir%\Temp.
var tempNames = []string{
	"dd_*.txt", "dd_*.log", "*.msi.log", "msi*.log", "setup_*.log", "*_msi*.log",
	"mpcmdrun.log", "mpsigstub.log",
}

// Outputs are the names, at the zip's root, of what collect's commands
// write (Steps). They are part of the selection so that an unpacked
// collection, which also looks like a Windows root, is read whole.
var Outputs = []string{"WindowsUpdate.log", "reagentc.txt", "fltmc.txt", "volumes.txt", "partitions.txt"}

// Patterns lists the files taken from a system drive, as path.Match
// patterns relative to its root, matched without regard to case. Only
// files matching one of them (or a Channels file) are ever taken.
var Patterns = func() []string {
	p := append([]string(nil), Outputs...)
	p = append(p,
		"Windows/Logs/CBS/*.log",
		"Windows/Logs/CBS/CbsPersist_*",
		"Windows/Logs/DISM/dism.log",
		"Windows/Logs/WindowsUpdate/*.etl",
		"Windows/WindowsUpdate.log",
		"Windows/Logs/ReAgent.log",
		"Windows/System32/Recovery/ReAgent.log",
		"ProgramData/Microsoft/Windows Defender/Support/*.log",
		"Windows/Panther/setupact.log",
		"Windows/Panther/setuperr.log",
		"$Windows.~BT/Sources/Panther/setupact.log",
		"$Windows.~BT/Sources/Panther/setuperr.log",
	)
	for _, n := range tempNames {
		p = append(p, "Windows/Temp/"+n, "Users/*/AppData/Local/Temp/"+n)
	}
	return p
}()

// Match reports whether rel (slashes, relative to the system drive's root)
// is a file the selection takes.
func Match(rel string) bool {
	rel = strings.ToLower(strings.TrimPrefix(filepath.ToSlash(rel), "/"))
	for _, c := range Channels {
		if rel == strings.ToLower(c.File) {
			return true
		}
	}
	for _, p := range Patterns {
		if ok, _ := path.Match(strings.ToLower(p), rel); ok {
			return true
		}
	}
	return false
}

// IsWindowsRoot reports whether dir looks like the root of a Windows
// system drive: it holds Windows/System32/config or Windows/Logs/CBS
// (any case, as on a case-sensitive mount).
func IsWindowsRoot(dir string) bool {
	for _, want := range [][]string{{"Windows", "System32", "config"}, {"Windows", "Logs", "CBS"}} {
		if p, ok := findFold(dir, want); ok {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				return true
			}
		}
	}
	return false
}

// findFold finds dir/elems... matching each element without regard to case.
func findFold(dir string, elems []string) (string, bool) {
	for _, e := range elems {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return "", false
		}
		found := false
		for _, d := range ents {
			if strings.EqualFold(d.Name(), e) {
				dir, found = filepath.Join(dir, d.Name()), true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return dir, true
}

// A File is one file selected under a root.
type File struct {
	Path string // on disk
	Rel  string // relative to the root, slashes: its name in the zip
	Size int64
}

// Select returns the files under root that the selection takes, in
// lexical order. Only the folders a pattern can reach are walked, so
// user documents are never even listed. Unreadable folders are skipped
// and reported in the returned errors; it fails only when ctx is done.
func Select(ctx context.Context, root string) ([]File, []error, error) {
	var files []File
	var errs []error
	seen := map[string]bool{}
	for _, dirs := range searchDirs() {
		for _, d := range expandDirs(root, dirs) {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			ents, err := os.ReadDir(d)
			if err != nil {
				if !os.IsNotExist(err) {
					errs = append(errs, fmt.Errorf("collect: listing %s: %w", d, err))
				}
				continue
			}
			for _, e := range ents {
				if !e.Type().IsRegular() {
					continue
				}
				p := filepath.Join(d, e.Name())
				rel, err := filepath.Rel(root, p)
				if err != nil {
					continue
				}
				rel = filepath.ToSlash(rel)
				if seen[strings.ToLower(rel)] || !Match(rel) {
					continue
				}
				fi, err := e.Info()
				if err != nil {
					errs = append(errs, fmt.Errorf("collect: %s: %w", p, err))
					continue
				}
				seen[strings.ToLower(rel)] = true
				files = append(files, File{Path: p, Rel: rel, Size: fi.Size()})
			}
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Rel < files[j].Rel })
	return files, errs, nil
}

// searchDirs returns the folder parts of every pattern and channel file,
// each split into elements (a "*" element matches any folder).
func searchDirs() [][]string {
	set := map[string]bool{}
	var out [][]string
	add := func(p string) {
		d := path.Dir(p)
		if k := strings.ToLower(d); !set[k] {
			set[k] = true
			if d == "." {
				out = append(out, nil)
			} else {
				out = append(out, strings.Split(d, "/"))
			}
		}
	}
	for _, c := range Channels {
		add(c.File)
	}
	for _, p := range Patterns {
		add(p)
	}
	return out
}

// expandDirs resolves elems under root without regard to case, "*"
// matching every subfolder.
func expandDirs(root string, elems []string) []string {
	cur := []string{root}
	for _, e := range elems {
		var next []string
		for _, d := range cur {
			ents, err := os.ReadDir(d)
			if err != nil {
				continue
			}
			for _, x := range ents {
				if !x.IsDir() {
					continue
				}
				if ok, _ := path.Match(strings.ToLower(e), strings.ToLower(x.Name())); ok {
					next = append(next, filepath.Join(d, x.Name()))
				}
			}
		}
		cur = next
	}
	return cur
}
