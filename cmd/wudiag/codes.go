package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/internal/render"
	"github.com/wudiag/wudiag/report"
)

const codesHelp = `NAME
	wudiag codes - explain Windows error codes in any spelling

SYNOPSIS
	wudiag codes [--json] [-lang en|ja] CODE...

DESCRIPTION
	Each CODE is normalized to its HRESULT form and looked up in the
	wudiag code table. Accepted spellings include 0x80070643, 80070643,
	0x643 and 1603 (Win32 codes), -2147023293 and 2147944003 (signed and
	unsigned decimal), HRESULT_FROM_WIN32(ERROR_INSTALL_FAILURE),
	HRESULT_FROM_WIN32(14098), NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA),
	symbolic names such as CBS_E_SOURCE_MISSING, and log fragments such as
	hr:0x800f081f, HRESULT=800F0922, "Error: 112" or
	"[HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]". A feature-update
	setup result with its extend code, as SetupDiag writes it
	(0xC1900101-0x20017, 0x8007001F-0x3000D), is split into the result,
	the phase and the operation.

	For each code it prints the normalized value, the symbolic name, the
	decimal forms, the meaning and the causes it suggests. A well-formed
	code missing from the table is decomposed (facility, Win32 number) and
	marked "not in the table".

OPTIONS
	--json	print a JSON array, one object per argument
	-lang	language of the meanings: en or ja (default: from LC_ALL,
		LC_MESSAGES or LANG); codes without a Japanese meaning are
		explained in English

EXIT STATUS
	0 every argument parsed; 2 an argument could not be parsed (the others
	are still printed) or no argument was given.

EXAMPLES
	wudiag codes -2147023293
	wudiag codes 0x800f081f 'HRESULT_FROM_WIN32(14098)' ERROR_DISK_FULL
	wudiag codes --json 0x80501005
`

// codeReport is one argument's result, also the --json object.
type codeReport struct {
	Input     string   `json:"input"`
	Code      string   `json:"code,omitempty"`
	Name      string   `json:"name,omitempty"`
	Kind      string   `json:"kind,omitempty"`
	Meaning   string   `json:"meaning,omitempty"`
	Causes    []string `json:"causes,omitempty"`
	Win32     *int     `json:"win32,omitempty"`
	Facility  *int     `json:"facility,omitempty"`
	Signed    *int64   `json:"signed,omitempty"`
	Unsigned  *uint64  `json:"unsigned,omitempty"`
	Phase     *int     `json:"phase,omitempty"`
	PhaseName string   `json:"phase_name,omitempty"`
	Operation *int     `json:"operation,omitempty"`
	Known     bool     `json:"known"`
	Failed    bool     `json:"failed"`
	Error     string   `json:"error,omitempty"`
}

func runCodes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("codes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print a JSON array")
	fs.Usage = func() { fmt.Fprint(stderr, codesHelp) }
	// Negative decimals such as -2147023293 are codes, not flags: pull out
	// the flags we know and keep every other argument in order.
	var flags, rest []string
	ja := report.LanguageFromEnv() == language.Japanese
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-lang", "--lang":
			if i+1 == len(args) {
				fmt.Fprintln(stderr, "wudiag codes: -lang needs a value (en or ja)")
				return exitUsage
			}
			i++
			tag, ok := parseLang(args[i])
			if !ok {
				fmt.Fprintf(stderr, "wudiag codes: unknown -lang %q (en or ja)\n", args[i])
				return exitUsage
			}
			ja = tag == language.Japanese
			continue
		case "-h", "-help", "--help":
			fmt.Fprint(stdout, codesHelp)
			return exitOK
		case "-json", "--json":
			flags = append(flags, a)
		case "--":
			rest = append(rest, args[i+1:]...)
			goto parsed
		default:
			if strings.HasPrefix(a, "-") && !isNumber(a[1:]) {
				fmt.Fprintf(stderr, "wudiag codes: unknown flag %s\n", a)
				return exitUsage
			}
			rest = append(rest, a)
		}
	}
parsed:
	if err := fs.Parse(flags); err != nil {
		return exitUsage
	}
	if len(rest) == 0 {
		fmt.Fprintln(stderr, "wudiag codes: no code given (try: wudiag codes 0x80070643)")
		return exitUsage
	}
	status := exitOK
	reports := make([]codeReport, 0, len(rest))
	for _, a := range rest {
		if ctx.Err() != nil {
			return exitUsage
		}
		r := reportIn(a, ja)
		if r.Error != "" {
			status = exitUsage
			fmt.Fprintf(stderr, "wudiag codes: %q: %s\n", a, r.Error)
		} else if !*asJSON {
			printReport(stdout, r)
		}
		reports = append(reports, r)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintln(stderr, "wudiag codes:", err)
			return exitUsage
		}
		return status
	}
	return status
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// reportIn explains arg, its meaning in Japanese when ja and the table
// has one.
func reportIn(arg string, ja bool) codeReport {
	r := codeReport{Input: arg}
	if sc, ok := codes.ParseSetup(arg); ok {
		r = reportIn(sc.Result.String(), ja)
		r.Input = arg
		p, o := sc.Phase, sc.Operation
		r.Phase, r.Operation, r.PhaseName = &p, &o, sc.PhaseName(ja)
		return r
	}
	c, err := codes.Parse(arg)
	if err != nil {
		switch {
		case errors.Is(err, codes.ErrUnknownName):
			r.Error = "unknown symbolic name"
		default:
			r.Error = "not a code in any known spelling"
		}
		return r
	}
	in, known := codes.Lookup(c)
	if !known {
		in = codes.Describe(c)
	}
	r.Code, r.Name, r.Kind, r.Meaning, r.Causes, r.Known, r.Failed = c.String(), in.Name, in.Kind, in.Meaning, classify.CodeCauses(c), known, c.Failed()
	if ja {
		if m := codes.MeaningJa(c); m != "" {
			r.Meaning = m
		}
	}
	s, u := int64(int32(c)), uint64(c)
	r.Signed, r.Unsigned = &s, &u
	f := int(c.Facility())
	r.Facility = &f
	if n, ok := c.Win32(); ok {
		w := int(n)
		r.Win32 = &w
	}
	return r
}

// printReport writes one line per code, e.g.
//
//	0x80070643  ERROR_INSTALL_FAILURE  (Win32 1603; signed -2147023293, unsigned 2147944003)  Fatal error during installation ...
func printReport(w io.Writer, r codeReport) {
	var b strings.Builder
	b.WriteString(r.Code)
	b.WriteString("  ")
	if r.Name != "" {
		b.WriteString(r.Name)
	} else {
		b.WriteString("(no name)")
	}
	b.WriteString("  (")
	if r.Win32 != nil {
		fmt.Fprintf(&b, "Win32 %d; ", *r.Win32)
	} else {
		fmt.Fprintf(&b, "facility %d; ", *r.Facility)
	}
	fmt.Fprintf(&b, "signed %d, unsigned %d)  ", *r.Signed, *r.Unsigned)
	switch {
	case r.Meaning != "":
		b.WriteString(r.Meaning)
	case r.Win32 != nil:
		fmt.Fprintf(&b, "Win32 error %d", *r.Win32)
	}
	if !r.Known {
		if r.Meaning != "" {
			b.WriteString("; ")
		}
		b.WriteString("not in the table")
	}
	fmt.Fprintln(w, render.Visible(b.String()))
	detail := "\tkind: " + r.Kind
	if len(r.Causes) > 0 {
		detail += "; suggests: " + strings.Join(r.Causes, ", ")
	}
	if r.Phase != nil {
		detail += fmt.Sprintf("; phase %d: %s; operation 0x%X", *r.Phase, r.PhaseName, *r.Operation)
	}
	if !strings.EqualFold(strings.TrimSpace(r.Input), r.Code) {
		detail += "; parsed from: " + strconv.Quote(r.Input)
	}
	fmt.Fprintln(w, render.Visible(detail))
}
