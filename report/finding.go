package report

import (
	"strconv"

	"github.com/wudiag/wudiag/classify"
	"golang.org/x/text/language"
)

// CauseName returns the cause's name in lang, or the ID itself for a
// cause the catalog does not know.
func CauseName(cause string, lang language.Tag) string {
	if s := Message(lang, "cause."+cause, nil); s != "" {
		return s
	}
	return cause
}

// RuleTitle returns the rule's name in lang (a rule file gives both), or
// its ID for a rule without a name.
func RuleTitle(r *classify.Rule, lang language.Tag) string {
	switch {
	case japanese(lang) && r.NameJA != "":
		return r.NameJA
	case r.Name != "":
		return r.Name
	}
	return r.ID
}

// Remedy returns the finding's remedy steps in lang, in order, filled
// with the values the evidence gave.
func Remedy(f *classify.Finding, lang language.Tag) []string {
	out := make([]string, 0, len(f.Remedy))
	for _, s := range f.Remedy {
		if t := Message(lang, "remedy."+s.ID, s.Values); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Confidence returns a confidence grade in lang; Low reads "possible,
// not confirmed".
func Confidence(c classify.Confidence, lang language.Tag) string {
	if c == "" {
		c = classify.Low
	}
	if s := Message(lang, "confidence."+string(c), nil); s != "" {
		return s
	}
	return string(c)
}

// Check returns how to confirm a finding of the cause before repairing
// anything: what reports show for a low finding instead of the repair.
func Check(cause string, lang language.Tag) string {
	if s := Message(lang, "check."+cause, nil); s != "" {
		return s
	}
	return Message(lang, "check.other", nil)
}

// Reason returns, in one line and in lang, why the finding has its
// confidence: how many rules matched, how much evidence was near the
// failure, the family of the failed update, and what limits it.
func Reason(f *classify.Finding, lang language.Tag) string {
	g := f.Grounds
	s := Message(lang, "reason.rules", map[string]string{"n": strconv.Itoa(g.Rules)})
	if g.Near > 0 {
		s += Message(lang, "reason.near", map[string]string{"n": strconv.Itoa(g.Near)})
	}
	if g.Family != "" {
		fam := Message(lang, "family."+string(g.Family), nil)
		if fam == "" {
			fam = string(g.Family)
		}
		s += Message(lang, "reason.family", map[string]string{"family": fam})
	}
	if g.Resolved {
		s += Message(lang, "reason.resolved", nil)
	}
	if g.NoFailure {
		s += Message(lang, "reason.nofailure", nil)
	}
	if g.WeakOnly {
		s += Message(lang, "reason.weakonly", nil)
	}
	return s
}

// Summary returns, in one line and in lang, what was found: the cause,
// the strongest rule and where its evidence is, and how many other rules
// matched.
func Summary(f *classify.Finding, lang language.Tag) string {
	name := CauseName(f.Cause, lang)
	if len(f.Support) == 0 {
		return name
	}
	top := f.Support[0]
	where := Where(top.Evidence, lang)
	s := name + ": " + RuleTitle(top.Rule, lang) + " (" + where + ")"
	rules := map[*classify.Rule]bool{}
	for _, sp := range f.Support {
		rules[sp.Rule] = true
	}
	if n := len(rules) - 1; n > 0 {
		s += Message(lang, "summary.more", map[string]string{"n": strconv.Itoa(n)})
	}
	return s
}

// Where says where a piece of evidence is: its file, with the line or
// the event record when it has one.
func Where(e *classify.Evidence, lang language.Tag) string {
	switch {
	case e == nil:
		return ""
	case e.Line > 0:
		return Message(lang, "where.line", map[string]string{"file": e.File, "line": strconv.Itoa(e.Line)})
	case e.Record > 0:
		return Message(lang, "where.record", map[string]string{"file": e.File, "record": strconv.FormatUint(e.Record, 10)})
	}
	return e.File
}

// SkipReason words why an input was skipped or not read, in lang; "" for
// the zero Reason, the code itself for one the catalog does not know.
func SkipReason(r classify.Reason, lang language.Tag) string {
	if r == "" {
		return ""
	}
	if s := Message(lang, "skip."+string(r), nil); s != "" {
		return s
	}
	return string(r)
}
