package classify

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wudiag/wudiag/codes"
)

// The stock rules, as data. See rules.yaml for the format.
//
//go:embed rules.yaml
var stockRules []byte

// A Rule ties a kind of evidence to a cause. Rules are data: the stock set
// is embedded (rules.yaml) and Options.Rules adds or replaces rules by ID.
type Rule struct {
	// ID is stable: it names the rule in reports, --explain and overrides.
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// NameJA is the name in Japanese (optional; Name is used when empty).
	NameJA string `yaml:"name_ja,omitempty"`
	// Cause is one of the cause IDs (Causes).
	Cause string `yaml:"cause"`
	// Weight is how strongly one match supports the cause, 0 to 1; a
	// negative weight argues against it (negative evidence such as a clean
	// chkdsk).
	Weight float64 `yaml:"weight"`
	// Match selects evidence; Unless excludes evidence that also matches
	// it (a benign look-alike of the same shape).
	Match  Match  `yaml:"match"`
	Unless *Match `yaml:"unless,omitempty"`
	// Window limits matches to evidence near an unresolved failure:
	// between Before before it and After after it ("72h", "30m").
	Window *Window `yaml:"window,omitempty"`
	// Family limits the rule to bundles where an update of one of these
	// families failed ("winre", "defender", "msi", "lcu", "ssu").
	Family []Family `yaml:"family,omitempty"`
	// Requires names rules that must also have matched; Excludes names
	// rules whose match cancels this one.
	Requires []string `yaml:"requires,omitempty"`
	Excludes []string `yaml:"excludes,omitempty"`
	// Standalone marks evidence that is itself a failure (SFC could not
	// repair a file, the store was marked corrupt): without any failed
	// installation in the bundle, only findings resting on such rules may
	// be more than low.
	Standalone bool `yaml:"standalone,omitempty"`
	// Group names a fact several rules read from different reports (an
	// MSI failure as event 1033, as event 11708, in a Burn log): the rules
	// of one group count as one toward a finding's score and confidence.
	Group string `yaml:"group,omitempty"`
	// Suppress makes this a negative rule for the same evidence: evidence
	// it matches does not count for the rules named here.
	Suppress []string `yaml:"suppress,omitempty"`
	// Tests are examples the rule must match (Positive) and must not
	// match (Negative); the test suite checks every rule against them.
	Tests struct {
		Positive []Example `yaml:"positive"`
		Negative []Example `yaml:"negative"`
	} `yaml:"tests"`

	m      compiled
	unless *compiled
	line   int // in the rule file, when read from one
}

// compiled is a Match ready to run.
type compiled struct {
	src           *Match
	codes         []codeSpec
	regex         *lazyRegexp // and the strings one of its matches holds (literals)
	fields        []fieldTest
	text, allText []phrase
}

// A codeSpec is one code of a rule, or a range of codes written with
// trailing x digits ("0x8024402x", "0x80190xxx": every code that differs
// only there).
//
// An NTSTATUS error (0xC…) also matches its HRESULT_FROM_NT form (0xD…):
// CSI writes "(F) STATUS_ACCESS_DENIED … [gle=0xd0000022]".
type codeSpec struct{ value, mask, nt codes.Code }

func (c codeSpec) in(e *Evidence) bool {
	for _, x := range e.Codes {
		if x&c.mask == c.value || c.nt != 0 && x == c.nt {
			return true
		}
	}
	return false
}

// parseCodeSpec reads a rule's code: a code in any spelling, a symbolic
// name, or hex digits ending in x wildcards.
func parseCodeSpec(s string) (codeSpec, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(t, "0x") && strings.HasSuffix(t, "x") && len(t) == 10 {
		var v, m uint32
		for _, ch := range t[2:] {
			v, m = v<<4, m<<4
			switch {
			case ch == 'x':
			case ch >= '0' && ch <= '9':
				v, m = v|uint32(ch-'0'), m|0xF
			case ch >= 'a' && ch <= 'f':
				v, m = v|uint32(ch-'a'+10), m|0xF
			default:
				return codeSpec{}, fmt.Errorf("code %q: bad digit %q", s, ch)
			}
		}
		return codeSpec{value: codes.Code(v), mask: codes.Code(m)}, nil
	}
	c, err := parseCode(s)
	if err != nil {
		return codeSpec{}, err
	}
	spec := codeSpec{value: c, mask: 0xFFFFFFFF}
	if c>>28 == 0xC {
		spec.nt = c | 0x10000000
	}
	return spec, nil
}

// A Match is a conjunction of conditions on one piece of evidence; each
// list condition is satisfied by any one of its values. Empty conditions
// are not checked.
type Match struct {
	Signal   []string `yaml:"signal,omitempty"`   // Evidence.Signal
	Kind     []Kind   `yaml:"kind,omitempty"`     // Evidence.Kind
	Provider []string `yaml:"provider,omitempty"` // event provider
	EventID  []int    `yaml:"event_id,omitempty"`
	// Codes are code spellings or symbolic names (0x800f081f,
	// CBS_E_SOURCE_MISSING, ERROR_DISK_FULL); one must be on the evidence.
	Codes []string `yaml:"codes,omitempty"`
	// Text: the evidence text contains one of these, ignoring case.
	// AllText: it contains all of them.
	Text    []string `yaml:"text,omitempty"`
	AllText []string `yaml:"all_text,omitempty"`
	// Regex is a Go regular expression matched against the text.
	Regex string `yaml:"regex,omitempty"`
	// Fields test extracted values by name: "value" (equal, ignoring
	// case), "~regex", "!value" (not equal), ">n", "<n" (numbers), "*"
	// (present).
	Fields map[string]string `yaml:"fields,omitempty"`
}

// A Window is a time range around a failure.
type Window struct {
	Before Duration `yaml:"before"`
	After  Duration `yaml:"after"`
}

// Duration is a time.Duration written as "72h" or "30m" in rule files.
type Duration time.Duration

// UnmarshalYAML reads a duration such as "72h", "30m" or "7d".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	s := strings.TrimSpace(n.Value)
	if strings.HasSuffix(s, "d") {
		days, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil {
			return fmt.Errorf("line %d: bad duration %q", n.Line, s)
		}
		*d = Duration(time.Duration(days) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// An Example is evidence written in a rule file for the rule's tests.
type Example struct {
	Signal string            `yaml:"signal"`
	Kind   Kind              `yaml:"kind"`
	Text   string            `yaml:"text"`
	Codes  []string          `yaml:"codes"`
	Values map[string]string `yaml:"values"`
}

// Evidence returns the example as evidence.
func (x Example) Evidence() (Evidence, error) {
	e := Evidence{Signal: x.Signal, Kind: x.Kind, Text: x.Text}
	for _, name := range slices.Sorted(maps.Keys(x.Values)) {
		e.set(name, x.Values[name])
	}
	for _, s := range x.Codes {
		c, err := parseCode(s)
		if err != nil {
			return e, err
		}
		e.Codes = append(e.Codes, c)
	}
	if len(e.Codes) == 0 {
		// Codes written in the text count, as extractors would find them.
		for _, m := range codes.FindString(nil, x.Text) {
			e.Codes = append(e.Codes, m.Code)
		}
	}
	return e, nil
}

type fieldTest struct {
	name, op, value string
	re              *lazyRegexp
	num             float64
}

// ErrRule is wrapped by every error about a rule file.
var ErrRule = errors.New("bad rule")

// ParseRules reads a rule file (YAML: a list of rules, see rules.yaml).
// A mistake is refused with the line it is on: an unknown field (a typo
// in a field name), an unknown cause, signal, kind, family or stage, a
// bad code, regular expression or weight, a duplicate ID. References to
// other rules (requires, excludes, suppress) are checked by CheckRules
// once the rules are merged with the ones they refer to.
func ParseRules(r io.Reader) ([]*Rule, error) {
	src, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	var f ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	return compileRules(f.rules, f.lines, false)
}

// compileRules compiles and checks decoded rules; lines are the lines
// they start on. With lazy, regular expressions are compiled on first use
// (they must be valid: the stock rules, see lazyRegexp).
func compileRules(rules []*Rule, lines []int, lazy bool) ([]*Rule, error) {
	seen := map[string]bool{}
	for i, rl := range rules {
		if rl == nil { // "- " alone: a null item
			rl = &Rule{}
			rules[i] = rl
		}
		if i < len(lines) {
			rl.line = lines[i]
		}
		if err := rl.compileWith(lazy); err != nil {
			return nil, err
		}
		if err := rl.checkNames(); err != nil {
			return nil, err
		}
		if seen[rl.ID] {
			return nil, rl.errorf("duplicate id")
		}
		seen[rl.ID] = true
	}
	return rules, nil
}

// ruleFile decodes a rule file and the line each rule starts on in the
// one pass of the decoder (ParseRules): the decoder's unmarshal function
// hands the file's node to itemLines, which reads the lines, and then
// decodes the rules with the decoder's own settings (KnownFields).
type ruleFile struct {
	rules []*Rule
	lines itemLines
}

func (f *ruleFile) UnmarshalYAML(unmarshal func(any) error) error {
	if err := unmarshal(&f.lines); err != nil {
		return err
	}
	return unmarshal(&f.rules)
}

// itemLines are the lines the items of a sequence start on.
type itemLines []int

func (l *itemLines) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			*l = append(*l, c.Line)
		}
	}
	return nil
}

// errorf returns an error about the rule that names its line and ID.
func (r *Rule) errorf(format string, a ...any) error {
	where := r.ID
	if r.line > 0 {
		where = fmt.Sprintf("line %d: %s", r.line, r.ID)
	}
	return fmt.Errorf("%w %s: %s", ErrRule, where, fmt.Sprintf(format, a...))
}

// Signals, kinds, families and stages a rule may name.
var (
	knownSignals = []string{"cbs.entry", "cbs.sfc", "cbs.store_report", "cbs.session", "cbs.stack_required",
		"cbs.stack_loaded", "dism.failure", "evtx.event", "textlog.record", "failure"}
	knownKinds = []Kind{KindCBS, KindDISM, KindEVTX, KindEventXML, KindEventText, KindEventCSV, KindWindowsUpdate,
		KindWindowsUpdateClassic, KindReportingEvents, KindReAgent, KindSetupAct, KindMpCmdRun, KindMpSigStub,
		KindUpdatePlatform, KindBurn, KindMSI, KindFltmc, KindChkdsk, KindText}
	knownFamilies = []Family{FamilyWinRE, FamilyDefender, FamilyMSI, FamilyLCU, FamilySSU}
)

// checkNames refuses names a rule file can only have by mistake.
func (r *Rule) checkNames() error {
	for _, m := range []*Match{&r.Match, r.Unless} {
		if m == nil {
			continue
		}
		for _, s := range m.Signal {
			if !contains(knownSignals, s) {
				return r.errorf("unknown signal %q (known: %s)", s, strings.Join(knownSignals, ", "))
			}
		}
		for _, k := range m.Kind {
			if !contains(knownKinds, k) {
				return r.errorf("unknown kind %q (known: %s)", k, joinNames(knownKinds, ", "))
			}
		}
	}
	for _, f := range r.Family {
		if !slices.Contains(knownFamilies, f) {
			return r.errorf("unknown family %q (known: %s)", f, joinNames(knownFamilies, ", "))
		}
	}
	return nil
}

// CheckRules checks what only a whole rule set can tell: every rule named
// by requires, excludes or suppress exists. Analyze runs it and refuses
// a rule set that fails; a program that loads rules can run it first to
// report the mistake with the rule's line.
func CheckRules(rules []*Rule) error {
	ids := map[string]bool{}
	for _, r := range rules {
		ids[r.ID] = true
	}
	for _, r := range rules {
		for _, list := range [][]string{r.Requires, r.Excludes, r.Suppress} {
			for _, id := range list {
				if !ids[id] {
					return r.errorf("refers to rule %q, which does not exist", id)
				}
			}
		}
	}
	return nil
}

// StockRules returns the embedded rule set.
//
// The file is parsed once; each call returns copies the caller may change.
func StockRules() []*Rule {
	parsed := stockRulesOnce()
	out := make([]*Rule, len(parsed))
	for i, r := range parsed {
		c := *r
		out[i] = &c
	}
	return out
}

var stockRulesOnce = sync.OnceValue(func() []*Rule {
	d := stockDataOnce()
	rules, err := compileRules(d.Rules, d.RuleLines, true)
	if err != nil {
		panic("classify: stock rules: " + err.Error()) // a test keeps this from shipping
	}
	return rules
})

// MergeRules returns base with extra added; an extra rule with the ID of
// a base rule replaces it.
func MergeRules(base, extra []*Rule) []*Rule {
	out := append([]*Rule(nil), base...)
	for _, x := range extra {
		replaced := false
		for i, r := range out {
			if r.ID == x.ID {
				out[i], replaced = x, true
			}
		}
		if !replaced {
			out = append(out, x)
		}
	}
	return out
}

func (r *Rule) compile() error { return r.compileWith(false) }

func (r *Rule) compileWith(lazy bool) error {
	bad := r.errorf
	if r.ID == "" {
		return bad("missing id")
	}
	if !isCause(r.Cause) {
		return bad("unknown cause %q", r.Cause)
	}
	if r.Weight < -1 || r.Weight > 1 {
		return bad("weight %v out of [-1, 1]", r.Weight)
	}
	var err error
	if r.m, err = compileMatch(&r.Match, lazy); err != nil {
		return bad("%v", err)
	}
	r.unless = nil
	if r.Unless != nil {
		u, err := compileMatch(r.Unless, lazy)
		if err != nil {
			return bad("unless: %v", err)
		}
		r.unless = &u
	}
	return nil
}

func compileMatch(m *Match, lazy bool) (compiled, error) {
	cm, err := compileConds(m, lazy)
	cm.src = m
	for _, t := range m.Text {
		cm.text = append(cm.text, newPhrase(t))
	}
	for _, t := range m.AllText {
		cm.allText = append(cm.allText, newPhrase(t))
	}
	return cm, err
}

func compileConds(m *Match, lazy bool) (compiled, error) {
	var cs []codeSpec
	for _, s := range m.Codes {
		c, err := parseCodeSpec(s)
		if err != nil {
			return compiled{}, err
		}
		cs = append(cs, c)
	}
	var re *lazyRegexp
	if m.Regex != "" {
		var err error
		if re, err = newRegexp(m.Regex, lazy); err != nil {
			return compiled{}, err
		}
	}
	var fs []fieldTest
	names := make([]string, 0, len(m.Fields))
	for n := range m.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := m.Fields[n]
		ft := fieldTest{name: n, op: "=", value: v}
		switch {
		case v == "*":
			ft.op = "*"
		case strings.HasPrefix(v, "~"):
			re, err := newRegexp(v[1:], lazy)
			if err != nil {
				return compiled{}, fmt.Errorf("field %s: %v", n, err)
			}
			ft.op, ft.re = "~", re
		case strings.HasPrefix(v, "!"):
			ft.op, ft.value = "!", v[1:]
		case strings.HasPrefix(v, ">"), strings.HasPrefix(v, "<"):
			f, err := strconv.ParseFloat(strings.TrimSpace(v[1:]), 64)
			if err != nil {
				return compiled{}, fmt.Errorf("field %s: %q is not a number", n, v[1:])
			}
			ft.op, ft.num = v[:1], f
		}
		fs = append(fs, ft)
	}
	return compiled{codes: cs, regex: re, fields: fs}, nil
}

// regexLiterals returns strings, folded (see fold), one of which the
// folded text of every ASCII text a regular expression matches holds; nil
// when there are none to tell. A string the expression requires, in any
// case, is in an ASCII text as written but for case, and so in its folded
// text once its own leading and trailing non-alphanumerics are trimmed.
// Evidence whose folded text holds none of them is not matched by the
// expression, so rank skips running it (most evidence, for most rules).
func regexLiterals(expr string) []string {
	if expr == "" {
		return nil
	}
	lits, ok := requiredLiterals(expr)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(lits))
	for _, l := range lits {
		f := strings.TrimSpace(fold(l))
		if f == "" {
			return nil
		}
		out = append(out, f)
	}
	return out
}

// parseCode reads a code spelling or symbolic name.
func parseCode(s string) (codes.Code, error) {
	if c, ok := codes.ByName(s); ok {
		return c, nil
	}
	c, err := codes.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("code %q: %w", s, err)
	}
	return c, nil
}

// key identifies what the rule counts as toward a score: its group, or
// itself.
func (r *Rule) key() string {
	if r.Group != "" {
		return "group:" + r.Group
	}
	return "rule:" + r.ID
}

// matches reports whether e satisfies the rule's own conditions (not its
// window, family, requires or excludes, which depend on the bundle), and
// why not when it does not.
func (r *Rule) matches(e *Evidence) (bool, string) {
	if r.m.src == nil {
		// A Rule built as a Go literal: compile it on first use.
		if err := r.compile(); err != nil {
			return false, err.Error()
		}
	}
	if ok, why := matchOne(&r.m, e); !ok {
		return false, why
	}
	if u := r.unless; u != nil {
		if ok, _ := matchOne(u, e); ok {
			return false, "benign look-alike (unless)"
		}
	}
	return true, ""
}

func matchOne(c *compiled, e *Evidence) (bool, string) {
	m, cs, re, fs := c.src, c.codes, c.regex, c.fields
	if len(m.Signal) > 0 && !contains(m.Signal, e.Signal) {
		return false, "signal"
	}
	if len(m.Kind) > 0 && !contains(m.Kind, e.Kind) {
		return false, "kind"
	}
	if len(m.Provider) > 0 && !containsFold(m.Provider, e.Value("provider")) {
		return false, "provider"
	}
	if len(m.EventID) > 0 {
		id, err := strconv.Atoi(e.Value("event_id"))
		if err != nil || !containsInt(m.EventID, id) {
			return false, "event id"
		}
	}
	if len(cs) > 0 {
		found := false
		for _, c := range cs {
			if c.in(e) {
				found = true
				break
			}
		}
		if !found {
			return false, "codes"
		}
	}
	if len(m.Text) > 0 || len(m.AllText) > 0 {
		ft := e.folded()
		if len(m.Text) > 0 {
			found := false
			for _, t := range c.text {
				if t.in(ft) {
					found = true
					break
				}
			}
			if !found {
				return false, "text"
			}
		}
		for _, t := range c.allText {
			if !t.in(ft) {
				return false, "text"
			}
		}
	}
	if re != nil {
		if lits := re.literals(); len(lits) > 0 && e.ascii() && !holdsAny(e.folded(), lits) {
			return false, "regex"
		}
		if !re.get().MatchString(e.Text) {
			return false, "regex"
		}
	}
	for _, f := range fs {
		v := e.Value(f.name)
		switch f.op {
		case "*":
			if v == "" {
				return false, "field " + f.name
			}
		case "=":
			if !strings.EqualFold(v, f.value) {
				return false, "field " + f.name
			}
		case "!":
			if strings.EqualFold(v, f.value) {
				return false, "field " + f.name
			}
		case "~":
			if !f.re.get().MatchString(v) {
				return false, "field " + f.name
			}
		case ">", "<":
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f.op == ">" && !(n > f.num) || f.op == "<" && !(n < f.num) {
				return false, "field " + f.name
			}
		}
	}
	return true, ""
}

// holdsAny reports whether t holds one of the strings.
func holdsAny(t string, list []string) bool {
	for _, x := range list {
		if strings.Contains(t, x) {
			return true
		}
	}
	return false
}

func contains[T comparable](list []T, s T) bool { return slices.Contains(list, s) }

// joinNames joins names (families, kinds) with sep.
func joinNames[T ~string](names []T, sep string) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, sep)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// Matches reports whether e satisfies the rule's own conditions (not its
// window, family, requires or excludes, which depend on the whole
// bundle), and, when it does not, which condition failed. A rule file's
// examples are checked with it (wudiag rules check).
func (r *Rule) Matches(e *Evidence) (bool, string) { return r.matches(e) }
