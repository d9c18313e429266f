package cbslog

import (
	"strings"
	"time"
)

// A StackVersion is a servicing stack version that CBS loaded.
type StackVersion struct {
	Version string // "10.0.22621.1626"
	Line    int    // first line that loaded it
	Time    time.Time
	Count   int // times loaded
}

// A StackRequirement records "Package X requires Servicing Stack vA but
// current Servicing Stack is vB" (CBS_E_NEW_SERVICING_STACK_REQUIRED).
type StackRequirement struct {
	Line     int
	Time     time.Time
	Package  string
	Required string
	Current  string
}

func (s *Summary) stack(e *Entry, v string) {
	for i := range s.Stacks {
		if s.Stacks[i].Version == v {
			s.Stacks[i].Count++
			return
		}
	}
	s.Stacks = append(s.Stacks, StackVersion{Version: strings.Clone(v), Line: e.Line, Time: e.Time, Count: 1})
}

// requirement parses `Package "X" requires Servicing Stack vA but current Servicing Stack is vB.`
func (s *Summary) requirement(e *Entry, line string) {
	rest := line[len("Package \""):]
	q := strings.IndexByte(rest, '"')
	if q < 0 {
		return
	}
	r := StackRequirement{Line: e.Line, Time: e.Time, Package: rest[:q]}
	rest = rest[q:]
	if _, after, ok := strings.Cut(rest, "requires Servicing Stack v"); ok {
		r.Required = versionAt(after)
	}
	if _, after, ok := strings.Cut(rest, "current Servicing Stack is v"); ok {
		r.Current = versionAt(after)
	}
	r.Package = strings.Clone(r.Package)
	if len(s.Required) < maxSFC {
		s.Required = append(s.Required, r)
	} else {
		s.Dropped++
	}
}

func versionAt(s string) string {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	return strings.TrimRight(s[:i], ".")
}
