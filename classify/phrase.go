package classify

import (
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Phrases in rules and failure patterns are matched on folded text: lower
// case, every run of characters that are not letters or digits turned
// into one space. So "Mark store corruption flag", "mark  store
// corruption-flag" and "MARK_STORE_CORRUPTION flag" are the same phrase,
// and a rule written once matches a pasted excerpt whose spacing,
// capitalisation or punctuation a forum, a console or a ticket system
// changed. A phrase matches where a word starts (a phrase "fail" matches
// "failed" and "failure", not "nailfail"); phrases in scripts without
// spaces (Japanese) match anywhere.

// fold returns s folded for phrase matching, with one space before the
// first word so that a word start is always preceded by a space.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	space := true
	b.WriteByte(' ')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'A' <= c && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
				space = false
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				b.WriteByte(c)
				space = false
			default:
				if !space {
					b.WriteByte(' ')
					space = true
				}
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// A phrase is one folded phrase ready to match folded text.
type phrase struct {
	folded string // without the leading space
	word   bool   // starts with an ASCII letter or digit: match at word starts only
}

func newPhrase(s string) phrase {
	f := strings.TrimSpace(fold(s))
	p := phrase{folded: f}
	if f != "" && f[0] < utf8.RuneSelf {
		p.word = true
	}
	return p
}

// in reports whether the phrase occurs in folded text t (from fold).
func (p phrase) in(t string) bool {
	if p.folded == "" {
		return false
	}
	if !p.word {
		return strings.Contains(t, p.folded)
	}
	// t starts with a space, so " "+phrase finds word starts.
	for i := 0; ; {
		j := strings.Index(t[i:], p.folded)
		if j < 0 {
			return false
		}
		j += i
		if j > 0 && t[j-1] == ' ' {
			return true
		}
		i = j + 1
	}
}

// A needleSet is a prefilter: it tells cheaply, on raw log text, whether
// any of a set of phrases may occur, so extractors keep exactly the
// records some loaded rule or failure pattern can use. It runs an
// Aho-Corasick automaton over the text folded on the fly (ASCII case
// ignored, every run of other characters read as one space), so it finds
// the folded phrases themselves in one table step per byte, whatever
// their number; a record that passes is then matched by the rules.
type needleSet struct {
	words []string // folded ASCII phrases
	other []string // non-ASCII phrases, matched as written
	all   bool     // some phrase has no usable word: keep everything
	ac    *automaton
}

func (s *needleSet) add(ph string) {
	f := strings.TrimSpace(fold(ph))
	switch {
	case f == "":
	case !isASCIIWord(f):
		s.other = append(s.other, strings.TrimSpace(ph))
	case len(f) < 3:
		s.all = true
	default:
		for _, w := range s.words {
			if w == f {
				return
			}
		}
		s.words = append(s.words, f)
		s.ac = nil
	}
}

func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return false
		}
	}
	return w != ""
}

// match reports whether text may hold one of the phrases.
func (s *needleSet) match(text string) bool {
	if s.all {
		return true
	}
	for _, o := range s.other {
		if strings.Contains(text, o) {
			return true
		}
	}
	if len(s.words) == 0 {
		return false
	}
	if s.ac == nil { // a set built without prefilterFor (tests)
		return newAutomaton(s.words).match(text)
	}
	return s.ac.match(text)
}

// byteClass maps a byte to its class for the automaton: letters (either
// case) and digits have one class each, everything else class 0.
var byteClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = uint8(c-'a') + 1
		t[c-'a'+'A'] = uint8(c-'a') + 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = uint8(c-'0') + 27
	}
	return t
}()

const nClass = 37

// An automaton is an Aho-Corasick matcher over byte classes, with every
// transition resolved (a DFA) in one flat table, so matching is one
// lookup per byte. Runs of non-alphanumeric bytes collapse to one space
// inside the table: a state entered on a space stays on further spaces.
type automaton struct {
	next []uint16 // state*nClass + class → state
	out  []bool
}

func newAutomaton(words []string) *automaton {
	type node struct {
		next [nClass]int32
		out  bool
		via  uint8 // the class it is entered on
	}
	newNode := func(via uint8) node {
		n := node{via: via}
		for i := range n.next {
			n.next[i] = -1
		}
		return n
	}
	nodes := []node{newNode(0)}
	for _, w := range words {
		// Each phrase starts at a word start: it is stored after a space,
		// so partial matches only ever begin there and the automaton
		// falls back to the root inside words.
		w = " " + w
		st := int32(0)
		for i := 0; i < len(w); i++ {
			c := byteClass[w[i]]
			if nodes[st].next[c] < 0 {
				nodes = append(nodes, newNode(c))
				nodes[st].next[c] = int32(len(nodes) - 1)
			}
			st = nodes[st].next[c]
		}
		nodes[st].out = true
		if len(nodes) > 60000 {
			break // bounded: a set this large is a rule file's mistake; the rest is not prefiltered
		}
	}
	fail := make([]int32, len(nodes))
	var queue []int32
	for c := range nClass {
		if t := nodes[0].next[c]; t < 0 {
			nodes[0].next[c] = 0
		} else {
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		nodes[st].out = nodes[st].out || nodes[fail[st]].out
		for c := range nClass {
			t := nodes[st].next[c]
			if t < 0 {
				nodes[st].next[c] = nodes[fail[st]].next[c]
				continue
			}
			fail[t] = nodes[fail[st]].next[c]
			queue = append(queue, t)
		}
	}
	a := &automaton{next: make([]uint16, len(nodes)*nClass), out: make([]bool, len(nodes))}
	for i, n := range nodes {
		for c, t := range n.next {
			a.next[i*nClass+c] = uint16(t)
		}
		if n.via == 0 && i > 0 {
			a.next[i*nClass] = uint16(i) // collapse runs of spaces
		}
		a.out[i] = n.out
	}
	return a
}

func (a *automaton) match(text string) bool {
	next, out := a.next, a.out
	st := int(next[0]) // after a space: the text's start is a word start
	for i := 0; i < len(text); i++ {
		c := byteClass[text[i]]
		if st == 0 && c != 0 {
			continue // inside a word at the root: no phrase starts here
		}
		st = int(next[st*nClass+int(c)])
		if out[st] {
			return true
		}
	}
	return false
}

// A prefilter holds the extractors' needle sets, one per input kind: a
// text-log line or CBS entry without a failing code is kept as evidence
// when it holds a phrase some rule or failure pattern that can read that
// kind of input looks for. So a rule added with -rules is never silently
// dead because the extractor dropped the lines it matches, and a phrase
// only Burn logs use does not make every CBS line evidence.
type prefilter struct {
	mu    sync.Mutex
	kinds map[string]*needleSet
	rules []*Rule
	pats  []*FailurePattern
}

func prefilterFor(rules []*Rule, pats []*FailurePattern) *prefilter {
	for _, r := range rules {
		if r.m.src == nil {
			_ = r.compile() // a rule built as a Go literal; a bad one matches nothing
		}
	}
	return &prefilter{kinds: map[string]*needleSet{}, rules: rules, pats: pats}
}

// forKind returns the needle set for inputs of the kind, built on first
// use and shared by the readers after that.
func (p *prefilter) forKind(kind string) *needleSet {
	if p == nil {
		return &needleSet{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.kinds[kind]; s != nil {
		return s
	}
	s := &needleSet{}
	for _, r := range p.rules {
		if !readsText(r.Match.Signal, kind) || len(r.Match.Kind) > 0 && !contains(r.Match.Kind, kind) {
			continue
		}
		if len(r.Match.Codes) > 0 || len(r.Match.Fields) > 0 {
			// The lines it can match carry a code or a field, which keep
			// them already.
			continue
		}
		switch {
		case len(r.Match.Text) > 0:
			for _, t := range r.Match.Text {
				s.add(t)
			}
		case len(r.Match.AllText) > 0:
			s.add(longest(r.Match.AllText))
		case r.m.regex != nil:
			lits, ok := requiredLiterals(r.m.regex.String())
			if !ok {
				if len(r.Match.Codes) == 0 && len(r.Match.Fields) == 0 {
					s.all = true
				}
				continue
			}
			for _, l := range lits {
				s.add(l)
			}
		}
	}
	for _, pt := range p.pats {
		if len(pt.Kind) > 0 && !contains(pt.Kind, kind) || len(pt.Signal) > 0 && !readsText(pt.Signal, kind) {
			continue
		}
		for _, n := range pt.Needles {
			s.add(n)
		}
	}
	s.ac = cachedAutomaton(s.words)
	p.kinds[kind] = s
	return s
}

// Automata are cached by their phrases: every analysis with the stock
// rules builds the same ones, and building one costs more than reading a
// small log.
var automata struct {
	sync.Mutex
	m map[string]*automaton
}

func cachedAutomaton(words []string) *automaton {
	key := strings.Join(words, "\x00")
	automata.Lock()
	defer automata.Unlock()
	if a := automata.m[key]; a != nil {
		return a
	}
	if automata.m == nil || len(automata.m) >= 64 {
		automata.m = map[string]*automaton{} // bounded: user rule sets come and go
	}
	a := newAutomaton(words)
	automata.m[key] = a
	return a
}

// readsText reports whether a rule or pattern on these signals reads the
// lines or entries of inputs of the kind, the evidence the prefilter
// decides on.
func readsText(signals []string, kind string) bool {
	if len(signals) == 0 {
		return true
	}
	for _, s := range signals {
		switch {
		case s == "cbs.entry" && (kind == kindCBS || kind == kindDISM),
			s == "dism.failure" && kind == kindDISM,
			s == "textlog.record" && kind != kindCBS && kind != kindDISM:
			return true
		}
	}
	return false
}

func longest(ss []string) string {
	best := ""
	for _, s := range ss {
		if len(s) > len(best) {
			best = s
		}
	}
	return best
}

// requiredLiterals returns strings one of which every match of the
// regular expression contains, or false when it cannot tell.
func requiredLiterals(expr string) ([]string, bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	return literalsOf(re.Simplify())
}

func literalsOf(re *syntax.Regexp) ([]string, bool) {
	if set, ok := exactStrings(re, 64); ok && len(set) > 0 && minLen(set) >= 3 {
		return set, true
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return literalsOf(re.Sub[0])
	case syntax.OpConcat:
		var best []string
		for _, sub := range re.Sub {
			if l, ok := literalsOf(sub); ok && (best == nil || minLen(l) > minLen(best)) {
				best = l
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			l, ok := literalsOf(sub)
			if !ok {
				return nil, false
			}
			all = append(all, l...)
		}
		return all, true
	}
	return nil, false
}

// exactStrings returns every string re matches when they are few (at most
// limit): literals, small alternations and character classes, optional
// parts, empty-width assertions.
func exactStrings(re *syntax.Regexp, limit int) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}, true
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
		return []string{""}, true
	case syntax.OpCapture:
		return exactStrings(re.Sub[0], limit)
	case syntax.OpQuest:
		sub, ok := exactStrings(re.Sub[0], limit-1)
		return append(sub, ""), ok
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) >= limit {
					return nil, false
				}
				out = append(out, string(r))
			}
		}
		return out, true
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l, ok := exactStrings(sub, limit-len(out))
			if !ok {
				return nil, false
			}
			out = append(out, l...)
		}
		return out, len(out) <= limit
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			l, ok := exactStrings(sub, limit)
			if !ok || len(out)*len(l) > limit {
				return nil, false
			}
			var next []string
			for _, a := range out {
				for _, b := range l {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false
}

func minLen(ss []string) int {
	n := -1
	for _, s := range ss {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}
