package render

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func exampleDiagnosis(t *testing.T) *classify.Diagnosis {
	t.Helper()
	in, errs := classify.PathInputs(filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption"))
	require.Empty(t, errs)
	// Names as a user would type them, independent of this test's folder.
	for i := range in {
		in[i].Name = "win10-store-corruption/" + filepath.Base(in[i].Name)
	}
	d, err := classify.Analyze(context.Background(), in, nil)
	require.NoError(t, err)
	return d
}

// TestGolden renders the shipped example in every format and language and
// compares with testdata/*.golden (go test ./internal/render -update
// rewrites them after an intended change).
func TestGolden(t *testing.T) {
	for _, lang := range []language.Tag{language.English, language.Japanese} {
		d := exampleDiagnosis(t)
		for _, format := range Formats() {
			name := format + "-" + lang.String() + ".golden"
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				require.NoError(t, Write(&b, d, format, &Options{Lang: lang}))
				path := filepath.Join("testdata", name)
				if *update {
					require.NoError(t, os.MkdirAll("testdata", 0o755))
					require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
					return
				}
				want, err := os.ReadFile(path)
				require.NoError(t, err, "run go test ./internal/render -update")
				assert.Equal(t, string(want), b.String())
			})
		}
	}
}

func TestHTMLIsSelfContainedAndEscaped(t *testing.T) {
	d := exampleDiagnosis(t)
	// Evidence text comes from logs: it must be escaped.
	d.Findings[0].Support[0].Evidence.Text = `<script>alert("x")</script>`
	var b bytes.Buffer
	require.NoError(t, Write(&b, d, "html", nil))
	out := b.String()
	assert.NotContains(t, out, `<script>alert`)
	assert.Contains(t, out, `&lt;script&gt;`)
	for _, external := range []string{"http://", "https://", "<link", "<script", "@import", "url("} {
		assert.NotContains(t, out, external, "the page must not load anything")
	}
}

func TestTimesInTheMachineZone(t *testing.T) {
	d := exampleDiagnosis(t)
	require.True(t, d.OffsetKnown)
	var b bytes.Buffer
	require.NoError(t, Write(&b, d, "text", nil))
	assert.Contains(t, b.String(), "2024-01-09 03:21:23", "the failure in the machine's local time (UTC-8)")
	assert.Contains(t, b.String(), "UTC-08:00")
}

func TestUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, &classify.Diagnosis{}, "pdf", nil)
	assert.ErrorContains(t, err, "unknown format")
}

func TestEmptyDiagnosisStillSaysSomething(t *testing.T) {
	for _, format := range Formats() {
		var b bytes.Buffer
		require.NoError(t, Write(&b, &classify.Diagnosis{Inputs: []classify.InputReport{{File: "x.log"}}}, format, nil))
		assert.True(t, strings.Contains(b.String(), "No failed installation") || format == "json" || format == "csv", format)
	}
}

func TestExplainListsEveryRule(t *testing.T) {
	in, errs := classify.PathInputs(filepath.Join("..", "..", "corpus", "examples", "win10-store-corruption"))
	require.Empty(t, errs)
	d, err := classify.Analyze(context.Background(), in, &classify.Options{Explain: true})
	require.NoError(t, err)
	for _, format := range []string{"text", "markdown", "html"} {
		var b bytes.Buffer
		require.NoError(t, Write(&b, d, format, &Options{Explain: true}))
		for _, r := range classify.StockRules() {
			assert.Contains(t, b.String(), r.ID, format)
		}
	}
}

// Every heading the reports use is in the report package's catalog, in
// both languages: a missing key would print as nothing.
func TestHeadingsInCatalog(t *testing.T) {
	re := regexp.MustCompile(`\.L\.([a-zA-Z]+)|L\["([a-zA-Z]+)"\]`)
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	files = append(files, "report.html.tmpl")
	used := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]+m[2]] = true
		}
	}
	require.NotEmpty(t, used)
	for _, lang := range []language.Tag{language.English, language.Japanese} {
		l := report.Labels(lang, "report.")
		for k := range used {
			assert.NotEmpty(t, l[k], "report.%s in %s", k, lang)
		}
	}
}
