package render

import (
	_ "embed"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var reportTemplate string

// page is parsed once; html/template escapes every value from the logs.
var page = template.Must(template.New("report").Parse(reportTemplate))

// writeHTML writes one self-contained page: no scripts, fonts, styles or
// images from elsewhere, so it opens offline and can be attached to a
// ticket as it is.
func writeHTML(w io.Writer, v *view) error {
	return page.Execute(w, struct {
		*view
		Lang string
	}{v, v.langCode()})
}
