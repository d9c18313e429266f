package render

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wudiag/wudiag/classify"
)

// hostileDiagnosis carries text an attacker controls in every field a
// report shows: log lines, update titles, file and machine names.
func hostileDiagnosis() *classify.Diagnosis {
	const osc52 = "\x1b]52;c;ZWNobyBvd25lZA==\x07"
	ev := &classify.Evidence{Kind: "cbs", File: "bundle.zip:Logs/a`b``|c" + osc52 + ".log", Line: 7,
		Time: time.Date(2024, 1, 9, 3, 21, 20, 0, time.UTC),
		Text: "Error <img src=x onerror=alert(1)> [Click to fix](https://evil.example) **now** ``` & " + osc52 + "\x1b[2J\u009b31m"}
	// A rule file's title and a product name read from a log reach the
	// summary and the remedy.
	rule := &classify.Rule{ID: "cbs-store-marked-corrupt", Cause: "component_corruption", Name: "because <b>bold</b> " + osc52}
	return &classify.Diagnosis{
		Machine: "PC`01<b>" + osc52,
		Failures: []*classify.Failure{{Update: "KB5034122", Title: "<script>alert(1)</script> [x](https://evil.example) " + osc52,
			Time: ev.Time, Source: ev}},
		Findings: []*classify.Finding{{Cause: "component_corruption", Score: 1, Confidence: classify.High,
			Support: []classify.Support{{Rule: rule, Evidence: ev, Weight: 1}},
			Remedy:  []classify.Step{{ID: "msi_dotnet.vendor", Values: map[string]string{"product": "Run ![img](https://evil.example/x.png) " + osc52}}}}},
		Inputs: []classify.InputReport{{File: ev.File, Kind: "cbs", Entries: 1, Errors: []string{"bad <entry> " + osc52}}},
	}
}

// No text or table report lets a control character through.
func TestTextFormatsShowControls(t *testing.T) {
	for _, format := range []string{"text", "table", "markdown"} {
		var b bytes.Buffer
		if err := Write(&b, hostileDiagnosis(), format, &Options{Location: time.UTC}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if i := strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0 }); i >= 0 {
			t.Errorf("%s: control character %q at %d:\n%s", format, out[i], i, out)
		}
		if !strings.Contains(out, "^[]52;c;") {
			t.Errorf("%s: the escape is not shown:\n%s", format, out)
		}
	}
}

// Log text in the Markdown report renders as text: no HTML, no link, no
// image, no emphasis, and code spans hold.
func TestMarkdownEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, hostileDiagnosis(), "markdown", &Options{Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Outside code spans (which render verbatim), no raw < and no link
	// or image syntax may remain.
	plain := codeSpans(out)
	for _, bad := range []string{"<img", "<script", "<b>"} {
		if strings.Contains(strings.ReplaceAll(plain, "<br>", ""), bad) {
			t.Errorf("markup %q outside code spans:\n%s", bad, plain)
		}
	}
	if regexp.MustCompile(`(^|[^\\])\]\(`).MatchString(plain) {
		t.Errorf("a link outside code spans:\n%s", plain)
	}
	for _, want := range []string{"&lt;script&gt;", `\[x\]`, `\!\[img\]`} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	// The file name with backticks is one code span, fenced with three.
	if !strings.Contains(out, "```bundle.zip:Logs/a`b``") {
		t.Errorf("file name not fenced with more backticks than it holds:\n%s", out)
	}
}

// codeSpans removes the code spans of a Markdown line (a run of n
// backticks up to the next run of exactly n), leaving what is read as
// markup.
func codeSpans(md string) string {
	var out strings.Builder
	for _, line := range strings.Split(md, "\n") {
		for {
			open := regexp.MustCompile("`+").FindStringIndex(line)
			if open == nil {
				break
			}
			n := open[1] - open[0]
			rest := line[open[1]:]
			closed := -1
			for _, m := range regexp.MustCompile("`+").FindAllStringIndex(rest, -1) {
				if m[1]-m[0] == n {
					closed = m[1]
					break
				}
			}
			if closed < 0 {
				break
			}
			out.WriteString(line[:open[0]])
			line = rest[closed:]
		}
		out.WriteString(line + "\n")
	}
	return out.String()
}

func TestCodeSpan(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "`plain`",
		"a`b":        "``a`b``",
		"a``b```c":   "````a``b```c````",
		"`start":     "`` `start ``",
		"a|b":        "`a|b`",
		"two\nlines": "`two lines`",
		"":           "",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
	if got := codeCell("a|b"); got != "`a\\|b`" {
		t.Errorf("codeCell: %q", got)
	}
}
