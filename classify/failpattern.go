package classify

import (
	_ "embed"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/codes"
)

// The stock failure statements, as data. See failures.yaml for the format.
//
//go:embed failures.yaml
var stockFailures []byte

// A FailurePattern reads one way a component says that an installation
// (or an update, download, repair or check) failed: "Installation
// Failure: Windows failed to install the following update with error
// 0x80070643: …", "WER: Generating failure report for package: …, status:
// 0x800f0922", "Product: … -- Installation failed.", "Apply complete,
// result: 0x80070643", "Error: 112". Patterns are data (failures.yaml);
// they are matched on any text evidence, whatever the input kind, so a
// failure pasted without its log's session header, timestamps or column
// spacing is still found.
type FailurePattern struct {
	ID    string `yaml:"id"`
	About string `yaml:"about"`
	// Signal and Kind restrict the evidence read (any when empty).
	Signal []string `yaml:"signal,omitempty"`
	Kind   []Kind   `yaml:"kind,omitempty"`
	// Level restricts the evidence to lines of these levels (Error,
	// Warning, as the log writes them, or read off a pasted line).
	Level []string `yaml:"level,omitempty"`
	// Needles are phrases one of which the text must contain (folded, see
	// phrase.go); they are also the extractors' prefilter.
	Needles []string `yaml:"needles"`
	// Regex is matched, ignoring case, against the text with every run of
	// white space collapsed to one space. Named groups: code, code2 (codes
	// in any spelling codes.Parse reads), title, product, package, kb,
	// guid, stage, action.
	Regex string `yaml:"regex"`
	// Stage is where the failure happened when the regex does not say:
	// download, install, commit, rollback, uninstall, repair, scan, check.
	Stage Stage `yaml:"stage,omitempty"`
	// Subject names what failed when the text names nothing else.
	Subject string `yaml:"subject,omitempty"`
	// Code is the code when the text gives none; without it the
	// evidence's failing codes stand in, else ERROR_INSTALL_FAILURE.
	Code string `yaml:"code,omitempty"`
	// SubjectWhen names what failed from a field of the evidence (the
	// MpCmdRun command of the section the line is in): the first entry
	// whose regular expression matches the field's value gives the
	// subject.
	SubjectWhen []struct {
		Field   string `yaml:"field"`
		Match   string `yaml:"match"`
		Subject string `yaml:"subject"`
		re      *lazyRegexp
	} `yaml:"subject_when,omitempty"`
	// Family is the update family the statement implies ("msi", ...).
	Family Family `yaml:"family,omitempty"`
	// Weak marks a statement the component also writes when the
	// operation goes on and ends fine (setup's Error lines): its failure
	// is listed but does not by itself lift a finding above low.
	Weak bool `yaml:"weak,omitempty"`
	// OK lists result codes that are not failures here (exit code 3010 is
	// "success, restart needed").
	OK []string `yaml:"ok,omitempty"`
	// Tests are raw lines that must (Positive) and must not (Negative)
	// yield a failure through this pattern.
	Tests struct {
		Positive []string `yaml:"positive"`
		Negative []string `yaml:"negative"`
	} `yaml:"tests"`

	re      *lazyRegexp
	needles []phrase
	ok      []codes.Code
	code    codes.Code
}

// A Stage is where an installation failed, when the logs say.
type Stage string

// Stages a failure can have.
const (
	StageDownload  Stage = "download"
	StageInstall   Stage = "install"
	StageCommit    Stage = "commit"
	StageRollback  Stage = "rollback"
	StageUninstall Stage = "uninstall"
	StageRepair    Stage = "repair" // DISM /RestoreHealth
	StageScan      Stage = "scan"   // SFC or DISM /ScanHealth
	StageCheck     Stage = "check"  // an applicability or prerequisite check
)

var stages = []Stage{StageDownload, StageInstall, StageCommit, StageRollback, StageUninstall, StageRepair, StageScan, StageCheck}

// ParseFailurePatterns reads a failure-pattern file (YAML, see
// failures.yaml). Unknown fields, bad regular expressions, unknown stages
// and duplicate IDs are refused with the rule's ID.
func ParseFailurePatterns(r io.Reader) ([]*FailurePattern, error) {
	var ps []*FailurePattern
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&ps); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	return compileFailurePatterns(ps, false)
}

// compileFailurePatterns compiles and checks decoded failure patterns.
// With lazy, regular expressions are compiled on first use (they must be
// valid and name known groups: the stock patterns, see lazyRegexp).
func compileFailurePatterns(ps []*FailurePattern, lazy bool) ([]*FailurePattern, error) {
	seen := map[string]bool{}
	for _, p := range ps {
		if err := p.compile(lazy); err != nil {
			return nil, err
		}
		if seen[p.ID] {
			return nil, fmt.Errorf("%w %s: duplicate id", ErrRule, p.ID)
		}
		seen[p.ID] = true
	}
	return ps, nil
}

// StockFailurePatterns returns the embedded failure patterns.
// The file is parsed once; each call returns copies the caller may change.
func StockFailurePatterns() []*FailurePattern {
	parsed := stockPatternsOnce()
	out := make([]*FailurePattern, len(parsed))
	for i, p := range parsed {
		c := *p
		out[i] = &c
	}
	return out
}

var stockPatternsOnce = sync.OnceValue(func() []*FailurePattern {
	ps, err := compileFailurePatterns(stockDataOnce().Failures, true)
	if err != nil {
		panic("classify: stock failure patterns: " + err.Error()) // a test keeps this from shipping
	}
	return ps
})

func (p *FailurePattern) compile(lazy bool) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w %s: %s", ErrRule, p.ID, fmt.Sprintf(format, a...))
	}
	if p.ID == "" {
		return bad("missing id")
	}
	if p.Regex == "" {
		return bad("missing regex")
	}
	if len(p.Needles) == 0 {
		return bad("no needles: the extractors could not keep the lines it reads")
	}
	re, err := newRegexp("(?i)"+p.Regex, lazy)
	if err != nil {
		return bad("regex: %v", err)
	}
	p.re = re
	if !lazy {
		known := map[string]bool{"code": true, "code2": true, "title": true, "product": true, "package": true,
			"kb": true, "guid": true, "stage": true, "action": true, "": true}
		for _, n := range re.get().SubexpNames() {
			if !known[n] {
				return bad("unknown group name %q", n)
			}
		}
	}
	if p.Stage != "" && !slices.Contains(stages, p.Stage) {
		return bad("unknown stage %q", p.Stage)
	}
	if p.Family != "" && !slices.Contains([]Family{FamilyWinRE, FamilyDefender, FamilyMSI, FamilyLCU, FamilySSU}, p.Family) {
		return bad("unknown family %q", p.Family)
	}
	p.needles = p.needles[:0]
	for _, n := range p.Needles {
		p.needles = append(p.needles, newPhrase(n))
	}
	for i := range p.SubjectWhen {
		w := &p.SubjectWhen[i]
		re, err := newRegexp(w.Match, lazy)
		if err != nil || w.Field == "" || w.Subject == "" {
			return bad("subject_when %d: needs field, a valid match and subject (%v)", i, err)
		}
		w.re = re
	}
	p.code = codes.FromWin32(1603)
	if p.Code != "" {
		c, err := parseCode(p.Code)
		if err != nil {
			return bad("code: %v", err)
		}
		p.code = c
	}
	for _, s := range p.OK {
		c, err := parseCode(s)
		if err != nil {
			return bad("ok: %v", err)
		}
		p.ok = append(p.ok, c)
	}
	return nil
}

// collapse returns s with every run of white space turned into one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// A statement is what a failure pattern read off one piece of evidence.
type statement struct {
	pattern *FailurePattern
	codes   []codes.Code
	title   string // update title or product name as written
	pkg     string // servicing package or installer file
	kb      string
	guid    string
	stage   Stage
	action  string
}

// read applies the pattern to e and returns the failure it states, if any.
func (p *FailurePattern) read(e *Evidence) (statement, bool) {
	if len(p.Signal) > 0 && !contains(p.Signal, e.Signal) || len(p.Kind) > 0 && !contains(p.Kind, e.Kind) ||
		len(p.Level) > 0 && !containsFold(p.Level, e.Value("level")) {
		return statement{}, false
	}
	folded := e.folded()
	found := false
	for _, n := range p.needles {
		if n.in(folded) {
			found = true
			break
		}
	}
	if !found {
		return statement{}, false
	}
	// Strings one of which the regex needs, checked first: most texts
	// with a needle are not the statement (see regexLiterals; fold reads
	// white space as collapse does).
	if lits := p.re.literals(); len(lits) > 0 && e.ascii() && !holdsAny(folded, lits) {
		return statement{}, false
	}
	text := collapse(e.Text)
	re := p.re.get()
	m := re.FindStringSubmatch(text)
	if m == nil {
		return statement{}, false
	}
	s := statement{pattern: p, stage: p.Stage}
	for i, name := range re.SubexpNames() {
		v := strings.TrimSpace(m[i])
		if v == "" {
			continue
		}
		switch name {
		case "code", "code2":
			c, err := codes.Parse(v)
			if err != nil {
				continue
			}
			if name == "code" && (c == 0 || containsCode(p.ok, c)) {
				return statement{}, false
			}
			if !containsCode(s.codes, c) {
				s.codes = append(s.codes, c)
			}
		case "title", "product":
			s.title = strings.Trim(v, " .'\"")
		case "package":
			s.pkg = strings.Trim(v, " .'\"[]")
		case "kb":
			s.kb = strings.ToUpper(v)
		case "guid":
			s.guid = normGUID(v)
		case "stage":
			s.stage = stageWord(v, s.stage)
		case "action":
			s.action = v
		}
	}
	if len(s.codes) == 0 {
		// The statement names no code: the evidence's own codes stand in
		// ("Failed to restore the image health. (hr:0x800f081f)").
		for _, c := range e.Codes {
			if c.Failed() && !containsCode(p.ok, c) {
				s.codes = append(s.codes, c)
			}
		}
		if len(s.codes) == 0 {
			s.codes = []codes.Code{p.code}
		}
	}
	if len(s.codes) == 0 || !s.codes[0].Failed() {
		return statement{}, false
	}
	if s.stage == "" {
		s.stage = stageWord(s.action+" "+text, "")
	}
	return s, true
}

func containsCode(cs []codes.Code, c codes.Code) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// stageWord maps the words a log uses for where it failed to a stage.
func stageWord(s string, dflt Stage) Stage {
	l := strings.ToLower(s)
	switch {
	case strings.Contains(l, "rollback"), strings.Contains(l, "rolling back"), strings.Contains(l, "original failure status"):
		return StageRollback
	case strings.Contains(l, "uninstall"), strings.Contains(l, "アンインストール"), strings.Contains(l, "removal"):
		return StageUninstall
	case strings.Contains(l, "download"), strings.Contains(l, "ダウンロード"), strings.Contains(l, "acquir"), strings.Contains(l, "cache payload"),
		strings.Contains(l, "send request"), strings.Contains(l, "deliveryoptimization"):
		return StageDownload
	case strings.Contains(l, "restore the image health"), strings.Contains(l, "restorehealth"), strings.Contains(l, "repair"):
		return StageRepair
	case strings.Contains(l, "commit"), strings.Contains(l, "advanced operation queue"), strings.Contains(l, "unmount"),
		strings.Contains(l, "saving image"):
		return StageCommit
	case strings.Contains(l, "finding updates"), strings.Contains(l, "scan"), strings.Contains(l, "self-update"),
		strings.Contains(l, "selfupdate"), strings.Contains(l, "applicability"), strings.Contains(l, "search"):
		return StageScan
	case strings.Contains(l, "install"), strings.Contains(l, "インストール"), strings.Contains(l, "execut"), strings.Contains(l, "apply"):
		return StageInstall
	}
	return dflt
}

// failureFromStatement builds the Failure a statement reports.
func failureFromStatement(e *Evidence, s statement) *Failure {
	f := &Failure{Source: e, Time: e.Time, Code: s.codes[0], Codes: s.codes, Stage: s.stage, guid: s.guid, weak: s.pattern.Weak}
	f.Title = s.title
	if f.Title == "" && e.Value("title") != "" {
		f.Title = e.Value("title")
	}
	if f.Title == "" && e.Value("product") != "" {
		f.Title = e.Value("product")
	}
	if f.Title == "" && e.Value("bundle") != "" {
		f.Title = e.Value("bundle")
	}
	kb := s.kb
	if kb == "" {
		kb = kbOf(s.title, s.pkg, e.Value("kb"), e.Text)
	}
	f.Update = kb
	if f.Title == "" && s.pkg != "" {
		f.Title = packageName(s.pkg)
	}
	if f.Update == "" {
		f.Update = f.Title
	}
	if f.Update == "" {
		f.Update = s.pattern.Subject
		for _, w := range s.pattern.SubjectWhen {
			if w.re.get().MatchString(e.Value(w.Field)) {
				f.Update = w.Subject
				break
			}
		}
		if kb := cbslog.FindKB(f.Update); kb != "" && kb != f.Update {
			// A subject that names its KB ("… platform update (KB4052623)").
			if f.Title == "" {
				f.Title = f.Update
			}
			f.Update = kb
		}
		f.generic = !isKB(f.Update)
		if fam := family(f.Update, ""); fam != "" {
			f.Family = fam
		}
	}
	if f.Family == "" {
		f.Family = s.pattern.Family
	}
	if fam := family(kb, f.Title+" "+s.pkg); fam != "" {
		f.Family = fam
	}
	if f.Family == "" && s.pkg != "" {
		if pk, ok := cbslog.ParsePackage(s.pkg); ok {
			switch pk.Kind {
			case "rollup":
				f.Family = FamilyLCU
			case "ssu":
				f.Family = FamilySSU
			}
		}
	}
	if f.Family == "" && (e.Kind == KindBurn || e.Kind == KindMSI) {
		f.Family = FamilyMSI
	}
	if f.Family == "" && f.generic && f.Code == codes.FromWin32(1603) && strings.Contains(e.Text, "1603") {
		// An installer that exits with 1603 (ERROR_INSTALL_FAILURE,
		// Windows Installer's generic failure) ran an MSI package
		// (msiexec, a WiX bundle, winget's MSI installers).
		f.Family = FamilyMSI
	}
	return f
}

// packageName shortens a servicing package identity or an installer path
// to a name a person recognises: "Package_for_RollupFix~31bf…~14393.4889"
// stays as it is; "C:\Windows\Temp\WinREFix.msu" becomes "WinREFix.msu".
func packageName(p string) string {
	if strings.ContainsAny(p, `\/`) {
		return path.Base(strings.ReplaceAll(p, `\`, "/"))
	}
	return p
}
