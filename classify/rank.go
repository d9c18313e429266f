package classify

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// A Finding is one ranked cause with the evidence that supports it. It
// holds data, not words: the report package names the cause and writes
// its summary, reason and remedy in English or Japanese.
type Finding struct {
	Cause string
	// Score is 0..1: how strongly the evidence points at the cause.
	Score float64
	// Confidence grades the finding; Grounds is what the grade rests on.
	Confidence Confidence
	Grounds    Grounds
	// Support lists the matched rules and evidence, strongest first.
	Support []Support
	// Remedy is the playbook for the cause, in order: the steps the
	// evidence selects, with the values that fill them (the failing KB,
	// the antivirus product, ...).
	Remedy []Step
}

// Confidence grades a finding.
type Confidence string

// The confidence grades. High needs a strong score and either two
// independent rules or one decisive rule; a finding without an unresolved
// failure is at most Medium; Low is "possible, not confirmed": reports
// show how to confirm it rather than the repair.
const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Grounds are what a finding's confidence rests on, for its reason line.
type Grounds struct {
	// Rules counts the rules that matched with a positive weight; Near,
	// the pieces of supporting evidence within a day of a failure.
	Rules, Near int
	// Family is the family of the failed update when it suggests the
	// cause ("" otherwise).
	Family Family
	// Resolved: every failure was resolved later. NoFailure: the inputs
	// hold no failed installation. WeakOnly: the only failures are error
	// lines the component also writes on runs that end well.
	Resolved, NoFailure, WeakOnly bool
}

// Support is one piece of evidence matched by one rule.
type Support struct {
	Rule     *Rule
	Evidence *Evidence
	// Weight is the rule's weight times the evidence's proximity to the
	// failure.
	Weight float64
}

// A Trace records one rule tried on the bundle, for --explain.
type Trace struct {
	Rule    *Rule
	Matched int // pieces of evidence matched (after suppression)
	Outcome Outcome
	Why     string // the outcome in words, with its details (English)
}

// An Outcome says whether a rule counted towards a finding, and if not,
// why.
type Outcome string

// Outcomes of a rule.
const (
	Counted   Outcome = "matched"   // it matched and counts
	NoMatch   Outcome = "no_match"  // no evidence matched (or all was suppressed)
	NoFamily  Outcome = "no_family" // no failed update of the rule's family
	Unmet     Outcome = "requires"  // a rule it requires did not match
	Cancelled Outcome = "cancelled" // a rule that excludes it matched
)

// proximity weighs evidence by its distance in time to the nearest
// unresolved failure.
func proximity(e *Evidence, failures []*Failure) float64 {
	if e.Time.IsZero() || len(failures) == 0 {
		return 0.8
	}
	best := time.Duration(math.MaxInt64)
	for _, f := range failures {
		if f.Time.IsZero() {
			continue
		}
		d := e.Time.Sub(f.Time)
		if d < 0 {
			d = -d
		}
		best = min(best, d)
	}
	switch {
	case best == time.Duration(math.MaxInt64):
		return 0.8
	case best <= time.Hour:
		return 1
	case best <= 24*time.Hour:
		return 0.9
	case best <= 7*24*time.Hour:
		return 0.75
	}
	return 0.5
}

// inWindow reports whether e falls in the rule's window around one of the
// unresolved failures. A windowed rule is about correlation with a
// failure: without one it does not match. Evidence without a time passes.
func inWindow(w *Window, e *Evidence, failures []*Failure) bool {
	if w == nil {
		return true
	}
	if len(failures) == 0 {
		return false
	}
	if e.Time.IsZero() {
		return true
	}
	for _, f := range failures {
		if f.Time.IsZero() {
			return true
		}
		if !e.Time.Before(f.Time.Add(-time.Duration(w.Before))) && !e.Time.After(f.Time.Add(time.Duration(w.After))) {
			return true
		}
	}
	return false
}

// rank applies the rules to the evidence and returns the findings, best
// first, and a trace of every rule.
func rank(rules []*Rule, ev []Evidence, failures []*Failure) ([]*Finding, []Trace) {
	focus := unresolved(failures)
	families := map[Family]bool{}
	for _, f := range focus {
		families[f.Family] = true
	}
	// The reports of a failure that a later success resolved are not
	// evidence of a cause (KB5057589's false alarm).
	settled := map[*Evidence]bool{}
	for _, f := range failures {
		if f.Resolved {
			settled[f.Source] = true
			for _, e := range f.Also {
				settled[e] = true
			}
		}
	}
	successes := 0
	for i := range ev {
		if isSuccess(&ev[i]) {
			successes++
		}
	}

	type hit struct {
		rule *Rule
		ev   []int
	}
	hits := make(map[string]*hit, len(rules))
	why := make(map[string]string, len(rules))
	suppressed := map[string]map[int]bool{} // rule ID → evidence indexes
	for _, r := range rules {
		if len(r.Family) > 0 {
			ok := false
			for _, fam := range r.Family {
				ok = ok || families[fam]
			}
			if !ok {
				why[r.ID] = fmt.Sprintf("no failed update of family %s", joinNames(r.Family, "/"))
				continue
			}
		}
		h := &hit{rule: r}
		for i := range ev {
			if settled[&ev[i]] {
				continue
			}
			if ok, _ := r.matches(&ev[i]); ok && inWindow(r.Window, &ev[i], focus) {
				h.ev = append(h.ev, i)
			}
		}
		hits[r.ID] = h
		for _, id := range r.Suppress {
			for _, i := range h.ev {
				if suppressed[id] == nil {
					suppressed[id] = map[int]bool{}
				}
				suppressed[id][i] = true
			}
		}
	}
	// Drop suppressed evidence.
	for id, s := range suppressed {
		h := hits[id]
		if h == nil {
			continue
		}
		kept := h.ev[:0]
		for _, i := range h.ev {
			if !s[i] {
				kept = append(kept, i)
			}
		}
		if len(kept) < len(h.ev) {
			why[id] = fmt.Sprintf("%d match(es) were benign look-alikes", len(h.ev)-len(kept))
		}
		h.ev = kept
	}
	// A rule is active when it matched evidence, every rule it requires is
	// active and no rule it excludes is; cycles count as inactive.
	active := map[string]bool{}
	visiting := map[string]bool{}
	var isActive func(id string) bool
	isActive = func(id string) bool {
		if v, ok := active[id]; ok {
			return v
		}
		h := hits[id]
		if h == nil || len(h.ev) == 0 || visiting[id] {
			return false
		}
		visiting[id] = true
		ok := true
		for _, req := range h.rule.Requires {
			ok = ok && isActive(req)
		}
		for _, ex := range h.rule.Excludes {
			ok = ok && !isActive(ex)
		}
		visiting[id] = false
		active[id] = ok
		return ok
	}

	byCause := map[string]*Finding{}
	var traces []Trace
	for _, r := range rules {
		h := hits[r.ID]
		t := Trace{Rule: r}
		switch {
		case h == nil:
			t.Outcome, t.Why = NoFamily, why[r.ID]
		case len(h.ev) == 0:
			t.Outcome, t.Why = NoMatch, why[r.ID]
			if t.Why == "" {
				t.Why = "no evidence matched"
			}
		default:
			t.Matched = len(h.ev)
			t.Outcome, t.Why = Counted, "matched"
			for _, id := range r.Requires {
				if !isActive(id) {
					t.Outcome, t.Why = Unmet, "requires "+id+", which did not match"
				}
			}
			for _, id := range r.Excludes {
				if isActive(id) {
					t.Outcome, t.Why = Cancelled, "cancelled: "+id+" matched"
				}
			}
		}
		traces = append(traces, t)
		if t.Outcome != Counted || r.Weight == 0 {
			continue
		}
		f := byCause[r.Cause]
		if f == nil {
			f = &Finding{Cause: r.Cause}
			byCause[r.Cause] = f
		}
		for _, i := range h.ev {
			f.Support = append(f.Support, Support{Rule: r, Evidence: &ev[i], Weight: r.Weight * proximity(&ev[i], focus)})
		}
	}

	var out []*Finding
	for cause, f := range byCause {
		sort.SliceStable(f.Support, func(i, j int) bool { return f.Support[i].Weight > f.Support[j].Weight })
		raw, positive, top := score(f.Support)
		if positive == 0 {
			continue // only negative evidence: nothing to report
		}
		if c := causeOfFamily[familyOf(focus, cause)]; c == cause {
			raw *= 1.25
		}
		f.Score = math.Round((1-math.Exp(-1.5*raw))*1000) / 1000
		f.Confidence, f.Grounds = confidence(f, positive, top, focus, failures, successes)
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Cause < out[j].Cause
	})
	return out, traces
}

// score sums a cause's support: per rule, its strongest match plus a
// little for repeats; negative rules subtract. Rules of one group (the same
// fact as different components report it) count as one rule.
func score(sup []Support) (raw float64, positiveRules int, top float64) {
	best := map[string]float64{}
	weight := map[string]float64{}
	count := map[string]int{}
	for _, s := range sup {
		k := s.Rule.key()
		count[k]++
		if w, ok := best[k]; !ok || math.Abs(s.Weight) > math.Abs(w) {
			best[k] = s.Weight
			weight[k] = s.Rule.Weight
		}
	}
	// In a fixed order: float sums depend on it, and results must not.
	keys := make([]string, 0, len(best))
	for k := range best {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := best[k]
		if w > 0 {
			positiveRules++
			top = max(top, weight[k])
			raw += w * (1 + 0.15*float64(min(count[k]-1, 4)))
		} else {
			raw += w
		}
	}
	return max(raw, 0), positiveRules, top
}

// familyOf returns the family of a focused failure that suggests cause.
func familyOf(focus []*Failure, cause string) Family {
	for _, f := range focus {
		if causeOfFamily[f.Family] == cause {
			return f.Family
		}
	}
	return ""
}

// confidence grades a finding: high needs a strong score and either two
// independent rules or one decisive rule; a finding about failures that
// all resolved themselves is at most medium, and so is one in a bundle
// without any failure. It returns the grounds with the grade.
func confidence(f *Finding, positiveRules int, top float64, focus, all []*Failure, successes int) (Confidence, Grounds) {
	// Failures read only from a component's routine error lines (weak
	// patterns: setup's Error lines) do not confirm a cause on their own.
	var firm []*Failure
	for _, fl := range all {
		if !fl.weak {
			firm = append(firm, fl)
		}
	}
	weakOnly := len(all) > 0 && len(firm) == 0
	all = firm
	level := Low
	switch {
	case f.Score >= 0.75 && (positiveRules >= 2 || top >= 0.9):
		level = High
	case f.Score >= 0.45:
		level = Medium
	}
	// Without a failed installation in the inputs the finding explains no
	// failure: at most medium, and low where updates were seen succeeding.
	// Evidence that is a failure in itself (standalone rules: SFC could
	// not repair, the store marked corrupt) may still say medium.
	if len(all) == 0 {
		standalone := false
		for _, s := range f.Support {
			standalone = standalone || s.Weight > 0 && s.Rule.Standalone
		}
		switch {
		case successes > 0 || !standalone:
			level = Low
		case level == High:
			level = Medium
		}
	}
	g := Grounds{Rules: positiveRules, Family: familyOf(focus, f.Cause), NoFailure: len(all) == 0 && !weakOnly, WeakOnly: weakOnly}
	for _, s := range f.Support {
		if s.Weight > 0 && proximity(s.Evidence, focus) >= 0.9 && !s.Evidence.Time.IsZero() && len(focus) > 0 {
			g.Near++
		}
	}
	if len(all) > 0 && len(focus) == 0 {
		if level == High {
			level = Medium
		}
		g.Resolved = true
	}
	return level, g
}

// unresolved returns the failures not resolved later; when all were
// resolved, ranking still looks at all of them.
func unresolved(fs []*Failure) []*Failure {
	var out []*Failure
	for _, f := range fs {
		if !f.Resolved {
			out = append(out, f)
		}
	}
	return out
}
