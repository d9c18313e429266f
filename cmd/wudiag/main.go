// Command wudiag explains why a Windows update or installer failed with
// 0x80070643, from logs copied off the machine.
//
// Usage:
//
//	wudiag <command> [flags] [arguments]
//
// Run "wudiag help" for the list of commands and "wudiag help <command>"
// for one command's flags.
//
// Exit status: 0 success (and, for analysis commands, nothing to act on:
// no unresolved failure and no medium or high finding), 1 something to
// act on, 2 usage error or no readable input.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sort"
)

// Exit codes shared by every command.
const (
	exitOK       = 0 // success; for analysis: nothing to act on
	exitFindings = 1 // something to act on
	exitUsage    = 2 // usage error or nothing readable
)

// A command is one "wudiag <name>" subcommand.
type command struct {
	name    string
	summary string // one line for "wudiag help"
	// run executes the command with the arguments after its name.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands lists every subcommand; each lives in its own file.
var commands = []command{
	{"analyze", "find failed updates in logs and rank their causes, with evidence and remedies", runAnalyze},
	{"summary", "print what the CBS.log/dism.log readers see: sessions, failures, SFC and store findings", runSummary},
	{"events", "print the events of .evtx logs and their XML/text exports (damaged copies too)", runEvents},
	{"serve", "run the triage service: web page and API to upload bundles, background analysis, case history", runServe},
	{"codes", "explain error codes in any spelling (0x800f081f, -2147023293, HRESULT_FROM_WIN32(…))", runCodes},
	{"collect", "on the broken Windows machine: zip every log analyze reads, with a manifest", runCollect},
	{"rules", "check a team's rule file: parse it as analyze -rules does and run each rule's examples", runRules},
	{"corpus", "write the log bundle of a labelled scenario (gen, with -scale N for benchmarks), or list the scenarios", runCorpus},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := lookup(args[1]); ok {
				// Help asked for is output, not an error.
				return c.run(ctx, []string{"-h"}, stdout, stdout)
			}
			fmt.Fprintf(stderr, "wudiag: unknown command %q\n", args[1])
			return exitUsage
		}
		usage(stdout)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "wudiag", version())
		return exitOK
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "wudiag: unknown command %q\n\n", name)
		usage(stderr)
		return exitUsage
	}
	if len(args) == 2 && (args[1] == "-h" || args[1] == "-help" || args[1] == "--help") {
		return c.run(ctx, args[1:], stdout, stdout)
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func usage(w io.Writer) {
	fmt.Fprint(w, `wudiag explains why a Windows update or installer failed with 0x80070643,
from logs copied off the machine (CBS.log, dism.log, event logs, ...).

Usage:

	wudiag <command> [flags] [arguments]

Commands:

`)
	cs := append([]command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	width := 0
	for _, c := range cs {
		width = max(width, len(c.name))
	}
	for _, c := range cs {
		fmt.Fprintf(w, "\t%-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprint(w, `
	help <command>  show a command's flags
	version         print the version

Exit status: 0 success and nothing to act on, 1 something to act on (an
unresolved failure or a medium/high finding), 2 usage error or nothing
readable.
`)
}

// version reports the module version ("devel" for a local build) and
// the VCS commit the binary was built from, with "+dirty" when the work
// tree had changes, from the build information.
func version() string {
	v := "devel"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " commit " + rev + dirty
	}
	return v + " " + runtime.Version()
}
