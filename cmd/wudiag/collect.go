package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/wudiag/wudiag/internal/collect"
)

const collectHelp = `usage: wudiag collect [-o FILE] [-root DIR] [-no-commands]

collect runs on the broken Windows machine (as administrator) and writes
one zip with everything analyze reads, and nothing else: CBS and DISM
logs, the event logs the rules use (exported with wevtutil epl),
WindowsUpdate.log (Get-WindowsUpdateLog) and its ETL files, ReAgent.log
and reagentc /info, Defender's logs, setupact/setuperr.log, .NET, MSI and
Burn logs from the temp folders, fltmc filters, volumes and partitions,
and manifest.json listing what was taken (size, SHA-256) and what failed.

Elsewhere than on Windows, -root must name a copied or mounted system
drive and no command is run.

Flags:
`

// runCollect runs "wudiag collect".
func runCollect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "zip `file` to write (default wudiag-HOST-TIME.zip in the current folder)")
	root := fs.String("root", defaultRoot(), "system drive `root` to read")
	noCmd := fs.Bool("no-commands", runtime.GOOS != "windows", "run no command (wevtutil, PowerShell, fltmc, reagentc)")
	fs.Usage = func() { fmt.Fprint(stderr, collectHelp); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 || *root == "" {
		fs.Usage()
		return exitUsage
	}
	if *out == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "machine"
		}
		*out = fmt.Sprintf("wudiag-%s-%s.zip", host, time.Now().UTC().Format("20060102-150405"))
	}
	o := collect.Options{Root: *root, Progress: stderr}
	if !*noCmd {
		o.Runner, o.Steps = collect.ExecRunner{}, collect.Steps()
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(stderr, "wudiag collect:", err)
		return exitUsage
	}
	m, err := collect.Write(ctx, f, o)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing %s: %w", *out, cerr)
	}
	if err != nil {
		os.Remove(*out)
		fmt.Fprintln(stderr, "wudiag collect:", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: %d files taken, %d failed (see manifest.json)\n", *out, len(m.Taken), len(m.Failed))
	return exitOK
}

// defaultRoot is the system drive on Windows ("" elsewhere: -root needed).
func defaultRoot() string {
	if runtime.GOOS != "windows" {
		return ""
	}
	d := os.Getenv("SystemDrive")
	if d == "" {
		d = "C:"
	}
	return d + `\`
}
