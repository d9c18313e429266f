// Package eventtext reads an event as one sentence of its decisive
// fields, in wudiag's own wording, in English or Japanese:
//
//	Windows Update failed to install KB5034441: 0x80070643 ERROR_INSTALL_FAILURE — 2024-01 Security Update …
//	WinRE agent: servicing failed: error phase 2, 0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE
//	Windows インストーラーで EMET 5.51 (バージョン 5.51) のインストールに失敗しました: 0x80070643 ERROR_INSTALL_FAILURE (状態 1603)
//
// The wording is data: sentences.tsv (embedded) holds one row per
// provider and event ID with a template of field placeholders in both
// languages; see its header for the syntax. Every status code in a value
// is named inline (package codes), in any spelling: 0x80070643,
// -2146498520, 2148468776, SCM's %%2147942414. An event the catalog does
// not know, or whose decisive fields are missing, reads
// "Provider ID: name=value …", codes named the same way.
package eventtext

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/evtx"
)

//go:embed sentences.tsv
var catalogTSV string

// Sentence returns the sentence for an event of provider with the given
// ID and payload fields, in lang ("ja" for Japanese; anything else is
// English). Classic sources have unnamed fields, read by position; a
// field named "data0", "data1", … (as classify names them) stands for
// the value at that position.
func Sentence(provider string, id uint32, fields []evtx.Field, lang string) string {
	if s, ok := Catalog(provider, id, fields, lang); ok {
		return s
	}
	return Fallback(provider, id, fields)
}

// Catalog is the catalog's sentence for the event; it reports false when
// the catalog does not know the event or a decisive field is missing.
func Catalog(provider string, id uint32, fields []evtx.Field, lang string) (string, bool) {
	cat := load()
	l := 0
	if lang == "ja" {
		l = 1
	}
	for _, r := range cat.rows[key{strings.ToLower(provider), id}] {
		if r.when != nil && !r.when.holds(fields) {
			continue
		}
		t := r.tmpl[l]
		if len(t) == 0 {
			t = r.tmpl[0]
		}
		return t.fill(fields) // false: a decisive field is missing
	}
	return "", false
}

// OfEvent is Sentence for a decoded event. An event read from a text or
// CSV export has no fields, only Event Viewer's rendered description:
// it reads "Provider ID: description", codes named.
func OfEvent(ev *evtx.Event, lang string) string {
	if len(ev.Data) == 0 && ev.Message != "" {
		return head(ev.Provider, ev.EventID) + ": " + Annotate(clean(ev.Message, 400))
	}
	return Sentence(ev.Provider, ev.EventID, ev.Data, lang)
}

// Known reports whether the catalog has a sentence for the event.
func Known(provider string, id uint32) bool {
	return len(load().rows[key{strings.ToLower(provider), id}]) > 0
}

// head is "Provider ID"; a record recovered without its provider reads
// "Event ID".
func head(provider string, id uint32) string {
	if provider == "" {
		provider = "Event"
	}
	return provider + " " + strconv.FormatUint(uint64(id), 10)
}

// Fallback is the sentence of an event the catalog does not know:
// "Provider ID: name=value …" with the values that say something (not
// empty, "(NULL)", an unexpanded %%N insert or an Unused field), codes
// named inline; unnamed values stand alone.
func Fallback(provider string, id uint32, fields []evtx.Field) string {
	var b strings.Builder
	b.WriteString(head(provider, id))
	b.WriteByte(':')
	n := 0
	for _, f := range fields {
		if strings.HasPrefix(f.Name, "Unused") {
			continue
		}
		v := format(f.Name, f.Value, "")
		if v == "" {
			continue
		}
		if n == 12 || b.Len() > 480 {
			b.WriteString(" …")
			break
		}
		n++
		b.WriteByte(' ')
		if f.Name != "" && !isDataN(f.Name) {
			b.WriteString(f.Name)
			b.WriteByte('=')
		}
		b.WriteString(v)
	}
	if n == 0 {
		return head(provider, id) // nothing to show but what it is
	}
	return b.String()
}

// isDataN reports whether name is classify's "dataN" for an unnamed value.
func isDataN(name string) bool {
	_, ok := dataIndex(name)
	return ok
}

func dataIndex(name string) (int, bool) {
	if !strings.HasPrefix(name, "data") || len(name) == 4 {
		return 0, false
	}
	n, err := strconv.Atoi(name[4:])
	return n, err == nil && n >= 0 && name[4] != '+' && name[4] != '-'
}

// Annotate names every status code in free text inline: "0x80070643"
// becomes "0x80070643 ERROR_INSTALL_FAILURE", "-2146498520" becomes
// "-2146498520 (0x800f0828 CBS_E_INSUFFICIENT_DISK_SPACE)". A code whose
// name the text already carries, and codes the table does not name, are
// left as they are.
func Annotate(s string) string {
	ms := codes.FindString(nil, s)
	if len(ms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	done := map[codes.Code]bool{}
	for _, m := range ms {
		if m.Start < last || m.Code == 0 || done[m.Code] {
			continue
		}
		info, ok := codes.Lookup(m.Code)
		if !ok || info.Name == "" || strings.Contains(s, info.Name) {
			continue
		}
		done[m.Code] = true
		b.WriteString(s[last:m.End])
		spelling := s[m.Start:m.End]
		if strings.EqualFold(spelling, m.Code.String()) || len(spelling) == 10 && strings.HasPrefix(strings.ToLower(spelling), "0x") {
			b.WriteString(" " + info.Name)
		} else {
			b.WriteString(" (" + m.Code.String() + " " + info.Name + ")")
		}
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// codeField reports whether a field of that name holds a status code, so
// that a bare number in it is one ("ErrorCode=1460" is ERROR_TIMEOUT).
func codeField(name string) bool {
	if name == "" || isDataN(name) {
		return false
	}
	n := strings.ToLower(strings.ReplaceAll(name, " ", ""))
	switch n {
	case "errorcode", "error", "hr", "hresult", "status", "statuscode", "netstatuscode",
		"result", "resultcode", "exitcode", "returncode", "failurecode", "ntstatus":
		return true
	}
	return strings.HasSuffix(n, "errorcode") || strings.HasSuffix(n, "hresult")
}

// formatCode spells c with its name: "0x80070643 ERROR_INSTALL_FAILURE".
func formatCode(c codes.Code) string {
	if info, ok := codes.Lookup(c); ok && info.Name != "" {
		return c.String() + " " + info.Name
	}
	return c.String()
}

// format turns one raw value into sentence text: cleaned, then formatted
// by the modifier, or with its codes named.
func format(name, raw, mod string) string {
	v := clean(raw, 240)
	switch mod {
	case "code":
		if c, ok := codes.FieldValue(v, true); ok {
			return formatCode(c)
		}
	case "kb":
		return cbslog.FindKB(v)
	case "product":
		p := v
		if len(p) > 9 && strings.EqualFold(p[:9], "Product: ") {
			p = p[9:]
		}
		if i := strings.Index(p, " -- "); i >= 0 {
			p = p[:i]
		}
		return strings.TrimSpace(p)
	case "bytes":
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			return bytesText(n)
		}
	}
	if isInsert(v) {
		return "" // a message-table insert Windows did not expand: says nothing here
	}
	// A whole value that is a code: named, or in a field that holds codes
	// a failure spelled in hex (GroupPolicy's ErrorCode=2148074276 reads
	// 0x80090324).
	known := codeField(name)
	if c, ok := codes.FieldValue(v, known); ok {
		if _, named := codes.Lookup(c); named || known && c.Failed() {
			return formatCode(c)
		}
	}
	return Annotate(v)
}

// isInsert reports whether v is a bare %%N message insert.
func isInsert(v string) bool {
	if len(v) < 3 || !strings.HasPrefix(v, "%%") {
		return false
	}
	for i := 2; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func bytesText(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	f := float64(n)
	for _, u := range []string{"KB", "MB", "GB", "TB"} {
		f /= unit
		if f < unit || u == "TB" {
			return strconv.FormatFloat(f, 'f', 1, 64) + " " + u
		}
	}
	return ""
}

// clean makes a value fit in a sentence: white space collapsed, Windows'
// "(NULL)" and invisible direction marks (Event Viewer's dates carry
// U+200E) removed, cut to max bytes on a character boundary.
func clean(v string, max int) string {
	if !tidy(v) {
		v = tidyUp(v)
	}
	if v == "(NULL)" {
		return ""
	}
	if len(v) > max {
		n := max
		for n > 0 && !utf8.RuneStart(v[n]) {
			n--
		}
		v = v[:n] + "…"
	}
	return v
}

// tidy reports whether v needs no cleaning: no control characters, no
// leading, trailing or double spaces, no marks to drop. Most values are.
func tidy(v string) bool {
	if v == "" {
		return true
	}
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < 0x20 || c == 0x7f:
			return false
		case c == ' ' && v[i+1] == ' ':
			return false
		case c == 0xE2 || c == 0xEF || c == 0xC2: // U+200E/F, U+FEFF, U+0085/U+00A0
			return false
		}
	}
	return true
}

func tidyUp(v string) string {
	v = strings.Map(func(r rune) rune {
		switch r {
		case '\u200e', '\u200f', '\ufeff', 0:
			return -1
		}
		return r
	}, v)
	return strings.Join(strings.Fields(v), " ")
}

// lookup returns the value a field reference names in fields.
func lookup(fields []evtx.Field, a alt) string {
	if a.pos > 0 {
		want := "data" + strconv.Itoa(a.pos-1)
		for _, f := range fields {
			if f.Name == want {
				return f.Value
			}
		}
		// Fields named dataN (classify's evidence) are found by name only:
		// an absent one must not be read from another position.
		if a.pos <= len(fields) && !isDataN(fields[a.pos-1].Name) {
			return fields[a.pos-1].Value
		}
		return ""
	}
	for _, f := range fields {
		if strings.EqualFold(f.Name, a.name) {
			return f.Value
		}
	}
	for _, alias := range aliasesOf(a.name) {
		for _, f := range fields {
			if strings.EqualFold(f.Name, alias) {
				return f.Value
			}
		}
	}
	return ""
}

var (
	aliasOnce sync.Once
	aliasSets [][]string
)

func aliasesOf(name string) []string {
	aliasOnce.Do(func() { aliasSets = evtx.Aliases() })
	for _, set := range aliasSets {
		for _, n := range set {
			if strings.EqualFold(n, name) {
				return set
			}
		}
	}
	return nil
}
