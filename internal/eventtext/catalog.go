package eventtext

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/evtx"
)

type key struct {
	provider string // lower case
	id       uint32
}

// A row is one line of sentences.tsv.
type row struct {
	when *cond
	tmpl [2]template // English, Japanese
}

// A cond is a row's condition on one field.
type cond struct {
	ref    []alt
	neg    bool
	values []string // empty with neg: the field is present
}

// An alt is one field reference: a name, or a 1-based position.
type alt struct {
	name string
	pos  int
}

// A template is a list of parts; an optional group holds parts of its own.
type template []part

type part struct {
	lit   string
	ph    *placeholder
	group template // non-nil: an optional [ ... ] group
}

type placeholder struct {
	alts []alt
	mod  string
}

type catalog struct {
	rows map[key][]row
	err  error // the first malformed row; TestCatalog fails on it
}

var (
	catOnce sync.Once
	cat     *catalog
)

func load() *catalog {
	catOnce.Do(func() { cat = parseCatalog(catalogTSV) })
	return cat
}

// parseCatalog reads sentences.tsv. A malformed row is skipped and
// recorded in err.
func parseCatalog(text string) *catalog {
	c := &catalog{rows: map[key][]row{}}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, keys, err := parseRow(line)
		if err != nil {
			if c.err == nil {
				c.err = fmt.Errorf("sentences.tsv:%d: %w", n+1, err)
			}
			continue
		}
		for _, k := range keys {
			c.rows[k] = append(c.rows[k], r)
		}
	}
	return c
}

func parseRow(line string) (row, []key, error) {
	var r row
	f := strings.Split(line, "\t")
	if len(f) != 5 {
		return r, nil, fmt.Errorf("want 5 TAB-separated columns, have %d", len(f))
	}
	var keys []key
	for _, p := range strings.Split(f[0], "|") {
		p = strings.TrimSpace(p)
		if p == "" {
			return r, nil, fmt.Errorf("empty provider")
		}
		for _, s := range strings.Split(f[1], ",") {
			id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
			if err != nil {
				return r, nil, fmt.Errorf("event ID %q", s)
			}
			keys = append(keys, key{strings.ToLower(p), uint32(id)})
		}
	}
	if f[2] != "-" {
		c, err := parseCond(f[2])
		if err != nil {
			return r, nil, err
		}
		r.when = c
	}
	for i, s := range f[3:] {
		if s == "" && i == 0 {
			return r, nil, fmt.Errorf("no English template")
		}
		t, err := parseTemplate(s)
		if err != nil {
			return r, nil, fmt.Errorf("template %q: %w", s, err)
		}
		r.tmpl[i] = t
	}
	return r, keys, nil
}

func parseCond(s string) (*cond, error) {
	c := &cond{}
	name, vals, ok := strings.Cut(s, "!=")
	if ok {
		c.neg = true
	} else if name, vals, ok = strings.Cut(s, "="); !ok {
		return nil, fmt.Errorf("condition %q: want FIELD=VALUE, FIELD!=VALUE or FIELD!=", s)
	}
	ref, err := parseRef(name)
	if err != nil {
		return nil, err
	}
	c.ref = ref
	if vals != "" {
		c.values = strings.Split(vals, "|")
	} else if !c.neg {
		return nil, fmt.Errorf("condition %q: no value", s)
	}
	return c, nil
}

// holds reports whether the condition is true of fields.
func (c *cond) holds(fields []evtx.Field) bool {
	v := ""
	for _, a := range c.ref {
		if v = strings.TrimSpace(lookup(fields, a)); v != "" {
			break
		}
	}
	if len(c.values) == 0 { // FIELD!=: present
		return v != ""
	}
	match := false
	for _, want := range c.values {
		if sameValue(v, want) {
			match = true
			break
		}
	}
	return match != c.neg
}

// sameValue compares two values as codes when both are ("0x0" is "0"),
// else as text without case.
func sameValue(a, b string) bool {
	ca, okA := codes.FieldValue(a, true)
	cb, okB := codes.FieldValue(b, true)
	if okA && okB {
		return ca == cb
	}
	return strings.EqualFold(a, b)
}

func parseRef(s string) ([]alt, error) {
	var out []alt
	for _, a := range strings.Split(s, "|") {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			return nil, fmt.Errorf("empty field name in %q", s)
		case a[0] == '%':
			n, err := strconv.Atoi(a[1:])
			if err != nil || n < 1 || n > 64 {
				return nil, fmt.Errorf("bad position %q", a)
			}
			out = append(out, alt{pos: n})
		case strings.ContainsAny(a, "{}[]:"):
			return nil, fmt.Errorf("bad field name %q", a)
		default:
			out = append(out, alt{name: a})
		}
	}
	return out, nil
}

var mods = map[string]bool{"": true, "code": true, "kb": true, "product": true, "bytes": true}

func parseTemplate(s string) (template, error) {
	t, rest, err := parseParts(s, false)
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return nil, fmt.Errorf("unexpected %q", rest)
	}
	return t, nil
}

// parseParts reads parts up to the end of s, or up to the ']' closing a
// group when inGroup.
func parseParts(s string, inGroup bool) (template, string, error) {
	var t template
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t = append(t, part{lit: lit.String()})
			lit.Reset()
		}
	}
	for s != "" {
		switch s[0] {
		case '{':
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return nil, "", fmt.Errorf("unclosed {")
			}
			body := s[1:end]
			ref, mod, _ := strings.Cut(body, ":")
			if !mods[mod] {
				return nil, "", fmt.Errorf("unknown modifier %q", mod)
			}
			alts, err := parseRef(ref)
			if err != nil {
				return nil, "", err
			}
			flush()
			t = append(t, part{ph: &placeholder{alts: alts, mod: mod}})
			s = s[end+1:]
		case '}':
			return nil, "", fmt.Errorf("unopened }")
		case '[':
			if inGroup {
				return nil, "", fmt.Errorf("nested [")
			}
			flush()
			g, rest, err := parseParts(s[1:], true)
			if err != nil {
				return nil, "", err
			}
			if !strings.HasPrefix(rest, "]") {
				return nil, "", fmt.Errorf("unclosed [")
			}
			if g == nil {
				g = template{}
			}
			t = append(t, part{group: g})
			s = rest[1:]
		case ']':
			if !inGroup {
				return nil, "", fmt.Errorf("unopened ]")
			}
			flush()
			return t, s, nil
		default:
			lit.WriteByte(s[0])
			s = s[1:]
		}
	}
	if inGroup {
		return nil, "", fmt.Errorf("unclosed [")
	}
	flush()
	return t, "", nil
}

// fill renders t with fields. It reports false when a placeholder outside
// every group is empty.
func (t template) fill(fields []evtx.Field) (string, bool) {
	var b strings.Builder
	for _, p := range t {
		switch {
		case p.ph != nil:
			v := p.ph.value(fields)
			if v == "" {
				return "", false
			}
			b.WriteString(v)
		case p.group != nil:
			if s, ok := p.group.fill(fields); ok {
				b.WriteString(s)
			}
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String(), true
}

func (p *placeholder) value(fields []evtx.Field) string {
	for _, a := range p.alts {
		raw := lookup(fields, a)
		if strings.TrimSpace(raw) == "" {
			continue
		}
		if v := format(a.name, raw, p.mod); v != "" {
			return v
		}
	}
	return ""
}
