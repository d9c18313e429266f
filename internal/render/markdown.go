package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// writeMarkdown writes GitHub-flavoured Markdown to paste into a ticket.
func writeMarkdown(w io.Writer, v *view) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "## %s\n\n", v.L["title"])
	if v.Machine != "" {
		fmt.Fprintf(b, "%s: `%s`\n\n", v.L["machine"], md(v.Machine))
	}
	fmt.Fprintf(b, "### %s\n\n", v.L["failures"])
	if len(v.Failures) == 0 {
		fmt.Fprintf(b, "%s\n\n", v.L["none"])
	} else {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n|---|---|---|---|\n", v.L["update"], v.L["code"], v.L["time"], v.L["source"])
		for _, f := range v.Failures {
			upd := md(f.Update)
			if f.Title != "" {
				upd += "<br>" + md(f.Title)
			}
			if f.Resolved {
				upd += " (" + v.L["resolved"] + ")"
			}
			fmt.Fprintf(b, "| %s | `%s` %s | %s | `%s` |\n", upd, f.Code, md(f.CodeName), f.Time, md(f.Where))
		}
		fmt.Fprintln(b)
	}
	if len(v.Findings) == 0 {
		fmt.Fprintf(b, "### %s\n\n", v.L["nocause"])
		for _, in := range v.Inputs {
			fmt.Fprintf(b, "- `%s` (%s, %d)\n", md(in.File), md(kindOr(in.Kind, v.L["notread"])), in.Entries)
		}
		fmt.Fprintln(b)
	} else {
		fmt.Fprintf(b, "### %s\n\n", v.L["findings"])
	}
	for _, f := range v.Findings {
		fmt.Fprintf(b, "#### %d. %s — %s (%s)\n\n", f.Rank, md(f.Name), f.Confidence, f.Score)
		fmt.Fprintf(b, "%s: %s\n\n", v.L["why"], md(f.Reason))
		fmt.Fprintf(b, "**%s**\n\n", v.L["evidence"])
		for _, e := range f.Evidence {
			fmt.Fprintf(b, "- `%s` %s — `%s` (%s)\n", md(e.Where), e.Time, strings.ReplaceAll(e.Text, "`", "'"), md(e.Rules))
		}
		if f.More > 0 {
			fmt.Fprintf(b, "- … %d %s\n", f.More, v.L["more"])
		}
		fmt.Fprintf(b, "\n**%s**\n\n", v.L["remedy"])
		for j, step := range f.Remedy {
			fmt.Fprintf(b, "%d. %s\n", j+1, md(step))
		}
		fmt.Fprintln(b)
	}
	fmt.Fprintf(b, "### %s\n\n", v.L["inputs"])
	fmt.Fprintf(b, "| %s | %s | %s | %s |\n|---|---|---:|---|\n", v.L["file"], v.L["kind"], v.L["entries"], v.L["errors"])
	for _, in := range v.Inputs {
		if in.Skipped {
			continue
		}
		fmt.Fprintf(b, "| `%s` | %s | %d | %s |\n", md(in.File), md(kindOr(in.Kind, "?")), in.Entries, md(strings.Join(in.Errors, "; ")))
	}
	fmt.Fprintf(b, "\n%s %s\n", v.L["times"], v.Zone)
	if len(v.Explain) > 0 {
		fmt.Fprintf(b, "\n### %s\n\n| %s | %s | %s | %s |\n|---|---|---:|---|\n", v.L["explain"], v.L["rule"], v.L["cause"], v.L["matched"], v.L["why"])
		for _, t := range v.Explain {
			fmt.Fprintf(b, "| %s | %s | %d | %s |\n", t.Rule, t.Cause, t.Matched, md(t.Why))
		}
	}
	return b.Flush()
}

// md escapes the characters that would break a Markdown table cell.
func md(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "\r", "").Replace(s)
}

func kindOr(k, alt string) string {
	if k == "" {
		return alt
	}
	return k
}
