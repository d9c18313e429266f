package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wudiag/wudiag/corpus"
)

const corpusHelp = `usage: wudiag corpus gen [-scale N] [-seed S] [-scenario NAME] [-zip] -o DIR
       wudiag corpus list

gen writes the log bundle of a labelled scenario (corpus/scenarios) into
DIR: System, Application, Setup, Defender and Windows Update event logs,
CBS.log, dism.log and the text logs the scenario holds, in the folders of
the machine they come from. The same scenario and seed give the same
logs. With -scale N it writes about N MB of CBS.log and event-log noise
around the scenario's signal, for benchmarks; -zip also writes DIR.zip.

list prints the scenarios with their expected outcome.

Flags:
`

// runCorpus runs "wudiag corpus".
func runCorpus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		w, code := stderr, exitUsage
		if len(args) > 0 {
			w, code = stdout, exitOK
		}
		fmt.Fprint(w, corpusHelp)
		corpusFlags(io.Discard).fs.PrintDefaults()
		return code
	}
	switch args[0] {
	case "list":
		return corpusList(stdout, stderr)
	case "gen":
		return corpusGen(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "wudiag corpus: unknown subcommand %q (gen, list)\n", args[0])
	return exitUsage
}

type genFlags struct {
	fs       *flag.FlagSet
	scale    *int64
	seed     *uint64
	scenario *string
	zip      *bool
	out      *string
}

func corpusFlags(stderr io.Writer) genFlags {
	fs := flag.NewFlagSet("corpus gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return genFlags{fs: fs,
		scale:    fs.Int64("scale", 0, "write about `N` MB of CBS.log and event-log noise (0: the scenario's own volume)"),
		seed:     fs.Uint64("seed", 0, "noise `seed` (0: the scenario's seed)"),
		scenario: fs.String("scenario", "win10-en-lcu-store-corruption-restorehealth", "scenario `name` (see wudiag corpus list)"),
		zip:      fs.Bool("zip", false, "also write DIR.zip"),
		out:      fs.String("o", "", "output `dir`ectory"),
	}
}

func corpusGen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := corpusFlags(stderr)
	f.fs.Usage = func() { fmt.Fprint(stderr, corpusHelp); f.fs.PrintDefaults() }
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *f.out == "" || f.fs.NArg() > 0 || *f.scale < 0 {
		f.fs.Usage()
		return exitUsage
	}
	s, err := corpus.Lookup(*f.scenario)
	if err != nil {
		fmt.Fprintln(stderr, "wudiag corpus gen:", err)
		return exitUsage
	}
	paths, err := s.Materialize(*f.out, &corpus.Options{Seed: *f.seed, Scale: *f.scale << 20})
	if err != nil {
		fmt.Fprintln(stderr, "wudiag corpus gen:", err)
		return exitUsage
	}
	if ctx.Err() != nil {
		return exitUsage
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, filepath.Join(*f.out, filepath.FromSlash(p)))
	}
	if *f.zip {
		name := strings.TrimRight(*f.out, `/\`) + ".zip"
		zf, err := os.Create(name)
		if err == nil {
			err = corpus.WriteZip(zf, *f.out)
			if cerr := zf.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "wudiag corpus gen:", err)
			return exitUsage
		}
		fmt.Fprintln(stdout, name)
	}
	return exitOK
}

func corpusList(stdout, stderr io.Writer) int {
	all, err := corpus.Scenarios()
	if err != nil {
		fmt.Fprintln(stderr, "wudiag corpus list:", err)
		return exitUsage
	}
	for _, s := range all {
		causes := strings.Join(s.Expect.Causes, ",")
		if causes == "" {
			causes = "none"
		}
		fmt.Fprintf(stdout, "%-52s %-10s %-2s %-40s %s\n", s.Name, s.Machine.OS, s.Machine.Locale, causes, strings.Join(s.Expect.Failures, ","))
	}
	return exitOK
}
