package render

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
)

// writeText writes plain text: no colours, no box drawing, fit for pipes,
// logs and e-mail.
func writeText(w io.Writer, v *view) error {
	b := bufio.NewWriter(w)
	v.failuresText(b)
	fmt.Fprintln(b)
	v.findingsText(b)
	v.inputsText(b)
	v.explainText(b)
	return b.Flush()
}

func (v *view) failuresText(b io.Writer) {
	if v.Machine != "" {
		fmt.Fprintf(b, "%s: %s\n\n", v.L["machine"], v.Machine)
	}
	fmt.Fprintf(b, "%s\n", v.L["failures"])
	if len(v.Failures) == 0 {
		fmt.Fprintf(b, "  %s\n", v.L["none"])
	}
	for _, f := range v.Failures {
		fmt.Fprintf(b, "  %-12s %s %s  %s", f.Update, f.Code, f.CodeName, f.Time)
		if f.Resolved {
			fmt.Fprintf(b, "  (%s)", v.L["resolved"])
		}
		fmt.Fprintln(b)
		if f.Meaning != "" {
			fmt.Fprintf(b, "               %s\n", f.Meaning)
		}
		if f.Title != "" {
			fmt.Fprintf(b, "               %s\n", f.Title)
		}
		fmt.Fprintf(b, "               %s\n", f.Where)
	}
}

func (v *view) findingsText(b io.Writer) {
	if len(v.Findings) == 0 {
		fmt.Fprintf(b, "%s\n", v.L["nocause"])
		for _, in := range v.Inputs {
			kind := in.Kind
			if kind == "" || in.Skipped {
				kind = v.L["notread"]
			}
			fmt.Fprintf(b, "  %s (%s, %d)\n", in.File, kind, in.Entries)
		}
		fmt.Fprintln(b)
		return
	}
	fmt.Fprintf(b, "%s\n", v.L["findings"])
	v.findingList(b)
}

// findingList writes each cause with its evidence and remedy.
func (v *view) findingList(b io.Writer) {
	for _, f := range v.Findings {
		fmt.Fprintf(b, "  %d. %s — %s (%s)\n", f.Rank, f.Name, f.Confidence, f.Score)
		fmt.Fprintf(b, "     %s: %s\n", v.L["why"], f.Reason)
		fmt.Fprintf(b, "     %s:\n", v.L["evidence"])
		for _, e := range f.Evidence {
			fmt.Fprintf(b, "       - %s  %s\n         %s  [%s]\n", e.Where, e.Time, e.Text, e.Rules)
			if e.Codes != "" {
				fmt.Fprintf(b, "         = %s\n", e.Codes)
			}
		}
		if f.More > 0 {
			fmt.Fprintf(b, "       … %d %s\n", f.More, v.L["more"])
		}
		if f.Low {
			fmt.Fprintf(b, "     %s:\n       %s\n", v.L["check"], f.Check)
		} else {
			fmt.Fprintf(b, "     %s:\n", v.L["remedy"])
			for j, step := range f.Remedy {
				fmt.Fprintf(b, "       %d. %s\n", j+1, step)
			}
		}
		fmt.Fprintln(b)
	}
}

func (v *view) inputsText(b io.Writer) {
	fmt.Fprintf(b, "%s\n", v.Window)
	fmt.Fprintf(b, "%s (%s %s)\n", v.L["inputs"], v.L["times"], v.Zone)
	for _, in := range v.Inputs {
		if in.Skipped || in.Kind == "" {
			fmt.Fprintf(b, "  %-60s %s: %s\n", in.File, v.L["skipped"], in.Reason)
			continue
		}
		kind := in.Kind
		if kind == "" {
			kind = "?"
		}
		fmt.Fprintf(b, "  %-60s %-22s %8d\n", in.File, kind, in.Entries)
		for _, e := range in.Errors {
			fmt.Fprintf(b, "    %s: %s\n", v.L["error"], e)
		}
	}
}

func (v *view) explainText(b io.Writer) {
	if len(v.Explain) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", v.L["explain"])
	for _, t := range v.Explain {
		fmt.Fprintf(b, "  %-32s %-22s %4d  %s\n", t.Rule, t.Cause, t.Matched, t.Why)
	}
}

// writeTable writes the report for a terminal: the failures and the
// causes as tables, then the evidence and remedies of each cause.
func writeTable(w io.Writer, v *view) error {
	b := bufio.NewWriter(w)
	if v.Machine != "" {
		fmt.Fprintf(b, "%s: %s\n\n", v.L["machine"], v.Machine)
	}
	fmt.Fprintf(b, "%s\n", v.L["failures"])
	if len(v.Failures) == 0 {
		fmt.Fprintf(b, "  %s\n", v.L["none"])
	} else {
		t := tablewriter.NewWriter(b)
		t.Header([]string{v.L["update"], v.L["code"], v.L["time"], v.L["source"]})
		for _, f := range v.Failures {
			code := strings.TrimSpace(f.Code + " " + f.CodeName)
			upd := f.Update
			if f.Resolved {
				upd += " (" + v.L["resolved"] + ")"
			}
			if err := t.Append([]string{upd, code, f.Time, f.Where}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	fmt.Fprintln(b)
	if len(v.Findings) == 0 {
		v.findingsText(b)
	} else {
		fmt.Fprintf(b, "%s\n", v.L["findings"])
		t := tablewriter.NewWriter(b)
		t.Header([]string{"#", v.L["cause"], v.L["confidence"], v.L["score"], v.L["evidence"]})
		for _, f := range v.Findings {
			key := ""
			if len(f.Evidence) > 0 {
				key = clip(f.Evidence[0].Text, 70) + "\n" + f.Evidence[0].Where
			}
			if err := t.Append([]string{strconv.Itoa(f.Rank), f.Name, f.Confidence, f.Score, key}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
		fmt.Fprintln(b)
		v.findingList(b)
	}
	v.inputsText(b)
	v.explainText(b)
	return b.Flush()
}
