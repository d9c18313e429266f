package render

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/report"
)

// Actionable reports whether d has something to act on: an unresolved
// failure, or a finding of medium or high confidence. A failure resolved
// later and low findings alone are nothing to act on (exit status 0).
func Actionable(d *classify.Diagnosis) bool {
	for _, f := range d.Failures {
		if !f.Resolved {
			return true
		}
	}
	for _, f := range d.Findings {
		if !isLow(f.Confidence) {
			return true
		}
	}
	return false
}

func isLow(c classify.Confidence) bool { return c == "" || c == classify.Low }

// codeMeaning is a code's meaning in the report's language.
func codeMeaning(c codes.Code, lang language.Tag) string {
	info, ok := codes.Lookup(c)
	if !ok {
		return ""
	}
	if lang == language.Japanese {
		if m := codes.MeaningJa(c); m != "" {
			return m
		}
	}
	return info.Meaning
}

// CSVCell defuses a cell that a spreadsheet would take for a formula
// (starting with = + - @, or a tab or carriage return): a leading '
// makes it text. It is the rule of the service's case export
// (internal/server), for every CSV wudiag writes.
func CSVCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// CSVRow is a row with every cell defused by CSVCell.
func CSVRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = CSVCell(c)
	}
	return cells
}

// writeCSV writes one row per failure and per finding, for spreadsheets.
// Cells come from the logs (titles, machine names): they are defused.
func writeCSV(w io.Writer, v *view) error {
	c := csv.NewWriter(w)
	c.Write([]string{"record", "machine", "update", "code", "code_name", "time", "resolved", "cause", "confidence", "score", "summary", "source"})
	for _, f := range v.Failures {
		c.Write(CSVRow("failure", v.Machine, f.Update, f.Code, f.CodeName, f.Time, fmt.Sprint(f.Resolved), "", "", "", f.Title, f.Where))
	}
	for _, f := range v.Findings {
		where := ""
		if len(f.Evidence) > 0 {
			where = f.Evidence[0].Where
		}
		c.Write(CSVRow("finding", v.Machine, "", "", "", "", "", f.Cause, f.ConfidenceRaw, f.Score, f.Summary, where))
	}
	c.Flush()
	return c.Error()
}

// writeTicket writes a short plain-text summary to paste into a ticket:
// the machine, the failed update and its code, the top cause with its
// confidence and the first three steps.
func writeTicket(w io.Writer, v *view) error {
	b := bufio.NewWriter(w)
	machine := v.Machine
	if machine == "" {
		machine = "-"
	}
	fmt.Fprintf(b, "%s: %s\n", v.L["machine"], machine)
	var failed *failureView
	for i := range v.Failures {
		if !v.Failures[i].Resolved {
			failed = &v.Failures[i]
			break
		}
	}
	if failed == nil && len(v.Failures) > 0 {
		failed = &v.Failures[0]
	}
	if failed == nil {
		fmt.Fprintf(b, "%s: %s\n", v.L["update"], v.L["none"])
	} else {
		fmt.Fprintf(b, "%s: %s %s %s", v.L["update"], failed.Update, failed.Code, failed.CodeName)
		if failed.Resolved {
			fmt.Fprintf(b, " (%s)", v.L["resolved"])
		}
		fmt.Fprintln(b)
		if failed.Meaning != "" {
			fmt.Fprintf(b, "  %s\n", failed.Meaning)
		}
		fmt.Fprintf(b, "%s: %s\n", v.L["time"], failed.Time)
	}
	if len(v.Findings) == 0 {
		fmt.Fprintf(b, "%s: -\n", v.L["cause"])
	} else {
		f := v.Findings[0]
		fmt.Fprintf(b, "%s: %s (%s %s)\n", v.L["cause"], f.Name, v.L["confidence"], f.Confidence)
		if f.Low {
			fmt.Fprintf(b, "%s:\n  1. %s\n", v.L["check"], f.Check)
		} else {
			fmt.Fprintf(b, "%s:\n", v.L["remedy"])
			for j, s := range f.Remedy {
				if j == 3 {
					break
				}
				fmt.Fprintf(b, "  %d. %s\n", j+1, s)
			}
		}
	}
	fmt.Fprintf(b, "%s\n", v.Window)
	return b.Flush()
}

// skipReason says in the report language why an input was not read: its
// Reason, then the reader's own words.
func (v *view) skipReason(in classify.InputReport) string {
	r := in.Reason
	if r == "" && strings.HasSuffix(strings.ToLower(in.File), ".etl") {
		r = classify.ReasonETL // an InputReport built by hand
	}
	why := report.SkipReason(r, v.lang)
	switch {
	case why != "" && len(in.Errors) > 0 && r != classify.ReasonETL && r != classify.ReasonNotLog:
		return why + ": " + strings.Join(in.Errors, "; ")
	case why != "":
		return why
	case len(in.Errors) > 0:
		return strings.Join(in.Errors, "; ")
	}
	return v.L["notread"]
}
