package classify

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// naiveMatch is what a needleSet's automaton computes, spelled plainly:
// the text folded on ASCII only (letters lowered, every run of other
// bytes one space) holds one of the words at a word start.
func naiveMatch(words []string, text string) bool {
	var b strings.Builder
	b.WriteByte(' ')
	space := true
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
			space = false
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b.WriteByte(c)
			space = false
		case !space:
			b.WriteByte(' ')
			space = true
		}
	}
	t := b.String()
	for _, w := range words {
		if strings.Contains(t, " "+w) {
			return true
		}
	}
	return false
}

// acMatch is a.match, checking that it tells a text with a non-ASCII
// byte when it finds no phrase.
func acMatch(t testing.TB, a *automaton, text string) bool {
	found, high := a.match(text)
	if !found && high != (strings.IndexFunc(text, func(r rune) bool { return r >= 0x80 }) >= 0) {
		t.Errorf("match(%q): high = %v", text, high)
	}
	return found
}

func stockWords(t testing.TB) []string {
	s := prefilterFor(StockRules(), StockFailurePatterns()).forKind(KindCBS)
	if len(s.words) == 0 {
		t.Fatal("no stock words")
	}
	return s.words
}

func TestAutomatonMatchesNaive(t *testing.T) {
	words := stockWords(t)
	texts := []string{
		"", "failed", "FAILED", "nailfail", "xfailed", "Failed to commit", "un-mount  FAILED",
		"Mark_store\tcorruption--flag", "mark store corrup", "0x80070070", "a0x80070070",
		"Info CBS Loaded Servicing Stack", "(F) HYDRATION FAILED with error", "éfailed",
		"exception from  HRESULT: 0x8", "ngen.exe", "msiexec", "Errors", "terror",
		"single\nphase\r\nexecution", "Exit Code 5", "ex it code",
	}
	for _, w := range words {
		texts = append(texts, w, strings.ToUpper(w), "x"+w, strings.ReplaceAll(w, " ", "__"), w[:len(w)-1])
	}
	a := newAutomaton(words)
	for _, text := range texts {
		if got, want := acMatch(t, a, text), naiveMatch(words, text); got != want {
			t.Errorf("match(%q) = %v, want %v", text, got, want)
		}
	}
}

// Texts made of pieces of phrases, junk and separators, of every length
// around the cut into quarters, match as naiveMatch says: a phrase across
// two quarters is found.
func TestAutomatonQuarters(t *testing.T) {
	words := stockWords(t)
	a := newAutomaton(words)
	rng := rand.New(rand.NewPCG(1, 2))
	seps := []string{" ", "  ", "-", "__", "\t", "é", ", ", "\n"}
	junk := []string{"x", "kb5034441", "Package_for_", "amd64", "0x800f0922", "CBS", "Info", "~", "31bf3856ad364e35"}
	found := 0
	for range 20000 {
		var b strings.Builder
		for b.Len() < rng.IntN(300) {
			switch rng.IntN(4) {
			case 0:
				w := words[rng.IntN(len(words))]
				if rng.IntN(3) == 0 {
					w = w[:rng.IntN(len(w))]
				}
				if rng.IntN(2) == 0 {
					w = strings.ToUpper(w)
				}
				if rng.IntN(4) == 0 {
					w = strings.ReplaceAll(w, " ", seps[rng.IntN(len(seps))])
				}
				b.WriteString(w)
			case 1:
				b.WriteString(junk[rng.IntN(len(junk))])
			default:
				b.WriteString(seps[rng.IntN(len(seps))])
			}
		}
		text := b.String()
		got, want := acMatch(t, a, text), naiveMatch(words, text)
		if got != want {
			t.Fatalf("match(%q) = %v, want %v", text, got, want)
		}
		if want {
			found++
		}
	}
	if found < 1000 || found > 19000 {
		t.Errorf("%d texts of 20000 hold a phrase: the test does not test much", found)
	}
}

func TestMinimalWords(t *testing.T) {
	got := minimalWords([]string{"failed to commit", "unmount failed", "failed", "exe", "ngen exe", "execution failed", "mismatch", "is", "this"})
	want := []string{"failed", "exe", "mismatch", "is", "this"} // "this" holds "is" inside a word
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("minimalWords = %q, want %q", got, want)
	}
}

// A set too large for 16-bit rows gets the 32-bit table and matches the
// same.
func TestAutomatonWide(t *testing.T) {
	var words []string
	for i := 0; i < 3000; i++ {
		words = append(words, "w"+strings.Repeat(string(rune('a'+i%26)), 1+i%7)+string(rune('a'+i/26%26))+string(rune('a'+i/676)))
	}
	a := newAutomaton(words)
	if a.next32 == nil {
		t.Fatal("want the 32-bit table")
	}
	long := strings.Repeat("w nothing here ", 10)
	for _, text := range []string{"x " + words[2999] + " y", "x" + words[5], "nothing here", words[1234], long + words[77] + long, long + "x" + words[77] + long} {
		if got, want := acMatch(t, a, text), naiveMatch(words, text); got != want {
			t.Errorf("match(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestNeedleSetOther(t *testing.T) {
	var s needleSet
	for _, p := range []string{"インストールに失敗", "エラー", "échec", "failed"} {
		s.add(p)
	}
	for text, want := range map[string]bool{
		"…インストールに失敗しました": true, "エラーが": true, "an échec": true, "FAILED": true,
		"インストール": false, "é": false, "": false, "エ": false,
	} {
		if got := s.match(text); got != want {
			t.Errorf("match(%q) = %v, want %v", text, got, want)
		}
	}
}

// FuzzAutomaton checks the automaton against naiveMatch on the stock
// phrases.
func FuzzAutomaton(f *testing.F) {
	for _, s := range []string{"Failed to commit", "un-mount  FAILED", "éfailed", "Exit__Code", "mark store corrup"} {
		f.Add(s)
	}
	words := stockWords(f)
	a := newAutomaton(words)
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := acMatch(t, a, text), naiveMatch(words, text); got != want {
			t.Errorf("match(%q) = %v, want %v", text, got, want)
		}
	})
}

// stockRegexes returns the compiled regular expressions of the stock
// rules with the literals rank checks before running them.
func stockRegexes() []*compiled {
	var out []*compiled
	for _, r := range StockRules() {
		for _, m := range []*compiled{&r.m, r.unless} {
			if m != nil && m.regex != nil {
				out = append(out, m)
			}
		}
	}
	return out
}

// checkRegexLiterals fails when the literal check of a regular expression
// would skip an ASCII text the expression matches: a stock rule's, on the
// text, or a stock failure pattern's, on the text with its white space
// collapsed (FailurePattern.read).
func checkRegexLiterals(t *testing.T, res []*compiled, pats []*FailurePattern, text string) {
	t.Helper()
	e := &Evidence{Text: text}
	for _, p := range pats {
		if lits := p.re.literals(); p.re.get().MatchString(collapse(text)) && len(lits) > 0 && e.ascii() && !holdsAny(e.folded(), lits) {
			t.Errorf("pattern %s matches %q, but its literals %q are not in %q", p.ID, text, lits, e.folded())
		}
	}
	for _, c := range res {
		if lits := c.regex.literals(); c.regex.get().MatchString(text) && len(lits) > 0 && e.ascii() && !holdsAny(e.folded(), lits) {
			t.Errorf("%s matches %q, but its literals %q are not in %q", c.regex, text, lits, e.folded())
		}
	}
}

// TestRegexLiterals checks the literals of every stock rule's regular
// expression on every example of the stock rules and failure patterns,
// and that most expressions have some (else rank runs them all).
func TestRegexLiterals(t *testing.T) {
	res := stockRegexes()
	with := 0
	for _, c := range res {
		if len(c.regex.literals()) > 0 {
			with++
		}
	}
	if with < len(res)*3/4 {
		t.Errorf("only %d of %d stock regular expressions have literals", with, len(res))
	}
	pats := StockFailurePatterns()
	with = 0
	for _, p := range pats {
		if len(p.re.literals()) > 0 {
			with++
		}
	}
	if with < len(pats)*3/4 {
		t.Errorf("only %d of %d stock failure patterns' regular expressions have literals", with, len(pats))
	}
	var texts []string
	for _, r := range StockRules() {
		for _, x := range append(r.Tests.Positive, r.Tests.Negative...) {
			texts = append(texts, x.Text)
		}
	}
	for _, p := range StockFailurePatterns() {
		texts = append(texts, p.Tests.Positive...)
		texts = append(texts, p.Tests.Negative...)
	}
	texts = append(texts, "C:\\$Windows.~BT\\x", "EXEC: x", "Unmount  failed: 112", ".NET 4.8", "(F) CSI  Payload Corrupt", "faiLED to DOWNLOAD")
	for _, text := range texts {
		checkRegexLiterals(t, res, pats, text)
	}
	if got := regexLiterals(`(?i)(foo|:::)`); got != nil {
		t.Errorf("a literal with no letter or digit: got %q, want none", got)
	}
}

// FuzzRegexLiterals checks the literals of the stock rules' and failure
// patterns' regular expressions on any text.
func FuzzRegexLiterals(f *testing.F) {
	for _, s := range []string{"C:\\$Windows.~BT\\x", "MSFT_MpPreference.cdxml", "winre.wim 0x80070070", "Visual C++ 2015", "ERROR 0x80070643"} {
		f.Add(s)
	}
	res, pats := stockRegexes(), StockFailurePatterns()
	f.Fuzz(func(t *testing.T, text string) {
		checkRegexLiterals(t, res, pats, text)
	})
}
