package classify

import (
	"fmt"
	"strconv"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// word writes the finding's remedy, summary and reason in the language.
func (f *Finding) word(lang language.Tag) {
	f.Remedy = remedySteps(f.Cause, lang, f.vals)
	f.Summary = summarize(f, lang)
	f.Reason = reasonLine(f.grounds, lang)
}

// In returns the diagnosis worded in another language: the same
// failures, findings and evidence, with summaries, reasons and remedies
// in lang. The inputs are not read again, so a service that shows a case
// in English and Japanese analyses it once.
func (d *Diagnosis) In(lang language.Tag) *Diagnosis {
	c := *d
	c.Lang = lang
	c.Findings = make([]*Finding, len(d.Findings))
	for i, f := range d.Findings {
		g := *f
		g.word(lang)
		c.Findings[i] = &g
	}
	return &c
}

// summarize writes the finding's one-line summary.
func summarize(f *Finding, lang language.Tag) string {
	name := CauseName(f.Cause, lang)
	if len(f.Support) == 0 {
		return name
	}
	p := message.NewPrinter(lang, message.Catalog(messages))
	top := f.Support[0]
	where := top.Evidence.File
	if top.Evidence.Line > 0 {
		where = p.Sprintf("where.line", where, strconv.Itoa(top.Evidence.Line))
	} else if top.Evidence.Record > 0 {
		where = p.Sprintf("where.record", where, strconv.FormatUint(uint64(top.Evidence.Record), 10))
	}
	s := fmt.Sprintf("%s: %s (%s)", name, top.Rule.Title(lang), where)
	rules := map[*Rule]bool{}
	for _, sp := range f.Support {
		rules[sp.Rule] = true
	}
	if n := len(rules) - 1; n > 0 {
		s += p.Sprintf("summary.more", n)
	}
	return s
}
