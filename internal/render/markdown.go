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
		fmt.Fprintf(b, "%s: %s\n\n", v.L["machine"], code(v.Machine))
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
			name := md(f.CodeName)
			if f.Meaning != "" {
				name += "<br>" + md(f.Meaning)
			}
			fmt.Fprintf(b, "| %s | %s %s | %s | %s |\n", upd, codeCell(f.Code), name, md(f.Time), codeCell(f.Where))
		}
		fmt.Fprintln(b)
	}
	if len(v.Findings) == 0 {
		fmt.Fprintf(b, "### %s\n\n", v.L["nocause"])
		for _, in := range v.Inputs {
			fmt.Fprintf(b, "- %s (%s, %d)\n", code(in.File), md(kindOr(in.Kind, v.L["notread"])), in.Entries)
		}
		fmt.Fprintln(b)
	} else {
		fmt.Fprintf(b, "### %s\n\n", v.L["findings"])
	}
	for _, f := range v.Findings {
		fmt.Fprintf(b, "#### %d. %s — %s (%s)\n\n", f.Rank, md(f.Name), md(f.Confidence), f.Score)
		fmt.Fprintf(b, "%s: %s\n\n", v.L["why"], md(f.Reason))
		fmt.Fprintf(b, "**%s**\n\n", v.L["evidence"])
		for _, e := range f.Evidence {
			fmt.Fprintf(b, "- %s %s — %s (%s)\n", code(e.Where), md(e.Time), code(e.Text), md(e.Rules))
			if e.Codes != "" {
				fmt.Fprintf(b, "  - %s\n", md(e.Codes))
			}
		}
		if f.More > 0 {
			fmt.Fprintf(b, "- … %d %s\n", f.More, v.L["more"])
		}
		if f.Low {
			fmt.Fprintf(b, "\n**%s**\n\n%s\n", v.L["check"], md(f.Check))
		} else {
			fmt.Fprintf(b, "\n**%s**\n\n", v.L["remedy"])
			for j, step := range f.Remedy {
				fmt.Fprintf(b, "%d. %s\n", j+1, md(step))
			}
		}
		fmt.Fprintln(b)
	}
	fmt.Fprintf(b, "%s\n\n", md(v.Window))
	fmt.Fprintf(b, "### %s\n\n", v.L["inputs"])
	fmt.Fprintf(b, "| %s | %s | %s | %s |\n|---|---|---:|---|\n", v.L["file"], v.L["kind"], v.L["entries"], v.L["errors"])
	for _, in := range v.Inputs {
		if in.Skipped || in.Kind == "" {
			fmt.Fprintf(b, "| %s | %s | %d | %s |\n", codeCell(in.File), md(v.L["skipped"]), in.Entries, md(in.Reason))
			continue
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s |\n", codeCell(in.File), md(kindOr(in.Kind, "?")), in.Entries, md(strings.Join(in.Errors, "; ")))
	}
	fmt.Fprintf(b, "\n%s %s\n", v.L["times"], md(v.Zone))
	if len(v.Explain) > 0 {
		fmt.Fprintf(b, "\n### %s\n\n| %s | %s | %s | %s |\n|---|---|---:|---|\n", v.L["explain"], v.L["rule"], v.L["cause"], v.L["matched"], v.L["why"])
		for _, t := range v.Explain {
			fmt.Fprintf(b, "| %s | %s | %d | %s |\n", md(t.Rule), md(t.Cause), t.Matched, md(t.Why))
		}
	}
	return b.Flush()
}

// md makes s, text from logs, plain inline Markdown: it renders as the
// very characters of s and never as markup. Newlines become spaces (a
// line break would end the table row or list item), controls are made
// visible (see Visible), < > & become entities so that no HTML gets
// through, and the punctuation of emphasis, code, links, images,
// strikethrough and table cells is escaped with a backslash.
func md(s string) string {
	var b strings.Builder
	for _, r := range Visible(flatten(s)) {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '[', ']', '!', '~', '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// flatten puts s on one line: CR LF, CR and LF become one space each,
// tabs a space.
func flatten(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "\t", " ").Replace(s)
}

// code is s as a Markdown code span, shown verbatim: fenced with one
// backtick more than its longest run of backticks, padded with a space
// when it starts or ends with one (or with a space), on one line, its
// controls made visible. Entities and HTML are not read in a code span,
// so nothing else needs escaping.
func code(s string) string {
	s = Visible(flatten(s))
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// codeCell is code for a table cell: GitHub splits the row at every
// unescaped |, code spans included, and reads \| there as |.
func codeCell(s string) string {
	return strings.ReplaceAll(code(s), "|", `\|`)
}

func kindOr(k, alt string) string {
	if k == "" {
		return alt
	}
	return k
}
