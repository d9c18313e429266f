package classify

import (
	"encoding/binary"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
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

	firsts string // the first bytes of the other phrases (matchOther)
}

func (s *needleSet) add(ph string) {
	f := strings.TrimSpace(fold(ph))
	switch {
	case f == "":
	case !isASCIIWord(f):
		o := strings.TrimSpace(ph)
		s.other = append(s.other, o)
		if strings.IndexByte(s.firsts, o[0]) < 0 {
			s.firsts += o[:1]
		}
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
	if len(s.words) > 0 {
		ac := s.ac
		if ac == nil { // a set built without prefilterFor (tests)
			ac = newAutomaton(s.words)
		}
		found, high := ac.match(text)
		if found || !high {
			// Every other phrase has a byte of a non-ASCII character.
			return found
		}
	}
	return len(s.other) > 0 && s.matchOther(text)
}

// matchOther reports whether text holds one of the non-ASCII phrases. They
// mostly share their first byte (0xE3 starts every kana), so the text is
// searched once for each distinct first byte and the phrases compared only
// where it occurs.
func (s *needleSet) matchOther(text string) bool {
	for k := 0; k < len(s.firsts); k++ {
		b := s.firsts[k]
		for t := text; ; {
			i := strings.IndexByte(t, b)
			if i < 0 {
				break
			}
			t = t[i:]
			for _, o := range s.other {
				if o[0] == b && strings.HasPrefix(t, o) {
					return true
				}
			}
			t = t[1:]
		}
	}
	return false
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
//
// The table is laid out for the matching loop, whose speed is the latency
// of one table load per byte: a state is stored as its row's offset
// (state*nClass), so no multiplication sits between two loads, and every
// transition into a state where a phrase ends goes to one sentinel (all
// bits set), since match stops at the first phrase found. Phrases that
// hold another phrase at one of their word starts are dropped first: they
// can only match where the shorter one does, and the table stays small.
type automaton struct {
	// One of these is set: the 16-bit table when every row offset fits
	// (the stock rules' do), as it is half the size.
	next16 []uint16 // row offset + class → row offset, or the sentinel
	next32 []uint32
}

// maxNodes bounds the automaton: a set this large is a rule file's
// mistake; the phrases beyond it are not prefiltered.
const maxNodes = 60000

type acNode struct {
	next [nClass]int32
	out  bool
	via  uint8 // the class it is entered on
}

func newACNode(via uint8) acNode {
	n := acNode{via: via}
	for i := range n.next {
		n.next[i] = -1
	}
	return n
}

func newAutomaton(words []string) *automaton {
	nodes := []acNode{newACNode(0)}
	for _, w := range minimalWords(words) {
		// Each phrase starts at a word start: it is stored after a space,
		// so partial matches only ever begin there and the automaton
		// falls back to the root inside words.
		w = " " + w
		if len(nodes)+len(w) > maxNodes {
			break
		}
		st := int32(0)
		for i := 0; i < len(w); i++ {
			c := byteClass[w[i]]
			if nodes[st].next[c] < 0 {
				nodes = append(nodes, newACNode(c))
				nodes[st].next[c] = int32(len(nodes) - 1)
			}
			st = nodes[st].next[c]
		}
		nodes[st].out = true
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
	for i := range nodes {
		if nodes[i].via == 0 && i > 0 {
			nodes[i].next[0] = int32(i) // collapse runs of spaces
		}
	}
	if len(nodes)*nClass < 0xFFFF {
		return &automaton{next16: table[uint16](nodes)}
	}
	return &automaton{next32: table[uint32](nodes)}
}

// table lays out the transitions of nodes as match reads them.
func table[T uint16 | uint32](nodes []acNode) []T {
	t := make([]T, len(nodes)*nClass)
	for i, n := range nodes {
		for c, to := range n.next {
			if nodes[to].out {
				t[i*nClass+c] = ^T(0)
			} else {
				t[i*nClass+c] = T(to) * nClass
			}
		}
	}
	return t
}

// minimalWords returns the words less those that hold another of them at
// one of their word starts ("failed to commit" holds "failed", "unmount
// failed" holds "failed" too): wherever such a word matches, so does the
// shorter one.
func minimalWords(words []string) []string {
	var out []string
	for _, w := range words {
		redundant := false
		for _, v := range words {
			if v == w || v == "" || len(v) > len(w) {
				continue
			}
			for i := 0; i+len(v) <= len(w); i++ {
				if (i == 0 || w[i-1] == ' ') && w[i:i+len(v)] == v {
					redundant = true
					break
				}
			}
			if redundant {
				break
			}
		}
		if !redundant {
			out = append(out, w)
		}
	}
	return out
}

// match reports whether text holds one of the automaton's phrases, and,
// when it does not, whether it has a byte of a non-ASCII character.
func (a *automaton) match(text string) (found, high bool) {
	if a.next16 != nil {
		return run(a.next16, text)
	}
	return run(a.next32, text)
}

// run runs the automaton whose table is next over text. Each step waits
// for the load of the step before, so a long text is cut in four
// quarters run side by side, whose loads overlap: about twice as fast.
// A quarter starts after a space when the byte before it is not a letter
// or digit, else at the root, inside a word, where no phrase can start.
// A phrase that begins in one quarter and ends in the next is found by
// running the earlier quarter's automaton on into the next quarter until
// it is back at the root or after a space: from there on it is in the
// state the next quarter's is in (each is the longest phrase prefix
// ending there, and the earlier one has read all the later one has).
func run[T uint16 | uint32](next []T, text string) (found, high bool) {
	accept := ^T(0)
	space := next[0] // the state after a space, and at the text's start
	if space == accept {
		return true, false
	}
	n := len(text)
	if n < 32 {
		st := space
		var or byte
		for i := 0; i < n; i++ {
			or |= text[i]
			c := byteClass[text[i]]
			if st == 0 && c != 0 {
				continue // inside a word at the root: no phrase starts here
			}
			st = next[int(st)+int(c)]
			if st == accept {
				return true, false
			}
		}
		return false, or >= 0x80
	}
	q := n / 4
	t0, t1, t2, t3 := text[:q], text[q:2*q], text[2*q:3*q], text[3*q:]
	var s [4]T
	s[0] = space
	for k := 1; k < 4; k++ {
		if byteClass[text[k*q-1]] == 0 {
			s[k] = space
		}
	}
	s0, s1, s2, s3 := s[0], s[1], s[2], s[3]
	_, _, _ = t1[q-1], t2[q-1], t3[q-1]
	for i := 0; i < len(t0); i++ {
		s0 = next[int(s0)+int(byteClass[t0[i]])]
		s1 = next[int(s1)+int(byteClass[t1[i]])]
		s2 = next[int(s2)+int(byteClass[t2[i]])]
		s3 = next[int(s3)+int(byteClass[t3[i]])]
		if s0 == accept || s1 == accept || s2 == accept || s3 == accept {
			return true, false
		}
	}
	for i := q; i < len(t3); i++ { // the last quarter's extra bytes
		s3 = next[int(s3)+int(byteClass[t3[i]])]
		if s3 == accept {
			return true, false
		}
	}
	for k, st := range [3]T{s0, s1, s2} {
		for i := (k + 1) * q; i < n && st != 0 && st != space; i++ {
			st = next[int(st)+int(byteClass[text[i]])]
			if st == accept {
				return true, false
			}
		}
	}
	return false, !ascii(text)
}

// ascii reports whether text has only ASCII bytes, 32 at a time.
func ascii(text string) bool {
	b := unsafe.Slice(unsafe.StringData(text), len(text))
	var or uint64
	for len(b) >= 32 {
		or |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
		b = b[32:]
	}
	for len(b) >= 8 {
		or |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		or |= uint64(c)
	}
	return or&0x8080808080808080 == 0
}

// A prefilter holds the extractors' needle sets, one per input kind: a
// text-log line or CBS entry without a failing code is kept as evidence
// when it holds a phrase some rule or failure pattern that can read that
// kind of input looks for. So a rule added with -rules is never silently
// dead because the extractor dropped the lines it matches, and a phrase
// only Burn logs use does not make every CBS line evidence.
type prefilter struct {
	mu    sync.Mutex
	kinds map[Kind]*needleSet
	rules []*Rule
	pats  []*FailurePattern
}

func prefilterFor(rules []*Rule, pats []*FailurePattern) *prefilter {
	for _, r := range rules {
		if r.m.src == nil {
			_ = r.compile() // a rule built as a Go literal; a bad one matches nothing
		}
	}
	return &prefilter{kinds: map[Kind]*needleSet{}, rules: rules, pats: pats}
}

// forKind returns the needle set for inputs of the kind, built on first
// use and shared by the readers after that.
func (p *prefilter) forKind(kind Kind) *needleSet {
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
func readsText(signals []string, kind Kind) bool {
	if len(signals) == 0 {
		return true
	}
	for _, s := range signals {
		switch {
		case s == "cbs.entry" && (kind == KindCBS || kind == KindDISM),
			s == "dism.failure" && kind == KindDISM,
			s == "textlog.record" && kind != KindCBS && kind != KindDISM:
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
