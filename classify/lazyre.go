package classify

import (
	"regexp"
	"sync"
)

// A lazyRegexp is a regular expression compiled on first use. The stock
// rules and failure patterns hold some hundred expressions and an analysis
// runs few of them (each behind its needles or literals): compiling them
// all was most of what loading the stock sets cost, and their programs
// were most of the memory each garbage collection scans. Their
// expressions are checked when the YAML is (TestStockGobFresh).
//
// A rule file given by the user is compiled eagerly, so that a bad
// expression is refused with its line (eagerRegexp).
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp

	litOnce sync.Once
	lits    []string // regexLiterals(expr), on first use
}

// eagerRegexp compiles expr now.
func eagerRegexp(expr string) (*lazyRegexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	l := &lazyRegexp{expr: expr}
	l.once.Do(func() { l.re = re })
	return l, nil
}

// newRegexp returns expr compiled now (lazy false, errors reported) or on
// first use (lazy true: expr must be valid).
func newRegexp(expr string, lazy bool) (*lazyRegexp, error) {
	if lazy {
		return &lazyRegexp{expr: expr}, nil
	}
	return eagerRegexp(expr)
}

// get returns the compiled expression.
func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re
}

// String returns the expression as written.
func (l *lazyRegexp) String() string { return l.expr }

// literals returns the folded strings one of which every ASCII text the
// expression matches holds, folded (regexLiterals), worked out on first
// use: nil when there are none to tell.
func (l *lazyRegexp) literals() []string {
	l.litOnce.Do(func() { l.lits = regexLiterals(l.expr) })
	return l.lits
}
