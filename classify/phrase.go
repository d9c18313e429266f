package classify

import (
	"regexp/syntax"
	"strings"
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
// records some loaded rule or failure pattern can use. It looks for each
// phrase's longest ASCII word, ignoring ASCII case; a record that passes
// is then matched on folded text by the rules themselves.
type needleSet struct {
	words []string // lower-case ASCII words
	other []string // non-ASCII phrases, matched as written
	// first[c] is set when some word starts with the lower-case byte c.
	first [256]bool
	all   bool // some phrase has no usable word: keep everything
}

func (s *needleSet) add(ph string) {
	f := strings.TrimSpace(fold(ph))
	if f == "" {
		return
	}
	best := ""
	for _, w := range strings.Fields(f) {
		if !isASCIIWord(w) {
			continue
		}
		if len(w) > len(best) {
			best = w
		}
	}
	switch {
	case len(best) >= 3:
		for _, w := range s.words {
			if w == best {
				return
			}
		}
		s.words = append(s.words, best)
		s.first[best[0]] = true
	case !isASCIIWord(strings.ReplaceAll(f, " ", "")):
		s.other = append(s.other, strings.TrimSpace(ph))
	default:
		s.all = true
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
	for i := 0; i < len(text); i++ {
		c := text[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if !s.first[c] {
			continue
		}
		for _, w := range s.words {
			if w[0] == c && len(text)-i >= len(w) && hasPrefixFoldASCII(text[i:], w) {
				return true
			}
		}
	}
	return false
}

// hasPrefixFoldASCII reports whether s starts with lower, ignoring ASCII
// case in s.
func hasPrefixFoldASCII(s, lower string) bool {
	for j := 0; j < len(lower); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[j] {
			return false
		}
	}
	return true
}

// prefilterFor builds the extractors' prefilter from the loaded rules and
// failure patterns: a text-log line or CBS entry without a failing code is
// kept as evidence when it holds a phrase some rule or pattern looks for.
// So a rule added with -rules is never silently dead because the
// extractor dropped the lines it matches.
func prefilterFor(rules []*Rule, pats []*FailurePattern) *needleSet {
	s := &needleSet{}
	for _, r := range rules {
		if r.m.src == nil {
			_ = r.compile() // a rule built as a Go literal; a bad one matches nothing
		}
		if !readsText(r.Match.Signal) {
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
	for _, p := range pats {
		for _, n := range p.Needles {
			s.add(n)
		}
	}
	return s
}

// readsText reports whether a rule on these signals reads text-log lines
// or CBS entries, the evidence the prefilter decides on.
func readsText(signals []string) bool {
	if len(signals) == 0 {
		return true
	}
	for _, s := range signals {
		switch s {
		case "cbs.entry", "textlog.record", "dism.failure":
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
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) >= 3 {
			return []string{string(re.Rune)}, true
		}
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

func minLen(ss []string) int {
	n := -1
	for _, s := range ss {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}
