package cbslog

import (
	"strings"
	"time"
)

// An SFCFinding is one "[SR]" line of System File Checker that names a
// file.
type SFCFinding struct {
	Line      int
	Time      time.Time
	File      string // file name or path as written
	Component string // owning component, when named
	// Repaired is true for "Repairing file … from store", "Repaired
	// file …", false for "Cannot repair member file …" and "Could not
	// reproject corrupted file …".
	Repaired bool
	Reason   string // "hash mismatch", "file is missing", ... when given
	Text     string // the SR text
}

// sfcLine reads an "[SR] …" line that names a file.
func (s *Summary) sfcLine(e *Entry, line string) {
	_, sr, ok := strings.Cut(line, "[SR] ")
	if !ok {
		return
	}
	f := SFCFinding{Line: e.Line, Time: e.Time, Text: sr}
	switch {
	case strings.HasPrefix(sr, "Cannot repair member file "):
		rest := sr[len("Cannot repair member file "):]
		f.File, rest = quoted(rest)
		if _, comp, ok := strings.Cut(rest, " of "); ok {
			if k := strings.IndexByte(comp, ','); k >= 0 {
				comp = comp[:k]
			}
			f.Component = strings.TrimSpace(comp)
		}
		if j := strings.LastIndex(rest, "in the store, "); j >= 0 {
			f.Reason = strings.TrimSpace(strings.TrimSuffix(rest[j+len("in the store, "):], "."))
		}
	case strings.HasPrefix(sr, "Could not reproject corrupted file "):
		rest := sr[len("Could not reproject corrupted file "):]
		if j := strings.IndexByte(rest, ';'); j >= 0 {
			f.Reason = strings.TrimSpace(rest[j+1:])
			rest = rest[:j]
		}
		f.File, _ = quoted(rest)
	case strings.HasPrefix(sr, "Repairing corrupted file "), strings.HasPrefix(sr, "Repairing file "):
		rest := strings.TrimPrefix(strings.TrimPrefix(sr, "Repairing corrupted file "), "Repairing file ")
		rest = strings.TrimSuffix(strings.TrimSpace(rest), " from store")
		f.File = unquotePath(rest)
		f.Repaired = true
	case strings.HasPrefix(sr, "Repaired file "):
		rest := sr[len("Repaired file "):]
		if j := strings.Index(rest, " by "); j >= 0 {
			rest = rest[:j]
		}
		f.File = unquotePath(rest)
		f.Repaired = true
	default:
		return
	}
	if len(s.SFC) >= maxSFC {
		s.Dropped++
		return
	}
	f.File, f.Component, f.Reason, f.Text = strings.Clone(f.File), strings.Clone(f.Component), strings.Clone(f.Reason), strings.Clone(f.Text)
	s.SFC = append(s.SFC, f)
}

// quoted reads a CSI length-prefixed string at the start of s:
// [l:34{17}]"System.Design.dll", [l:9]'Appx.psd1', or a bare word. It
// returns the string and the rest of s.
func quoted(s string) (string, string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if j := strings.IndexByte(s, ']'); j >= 0 {
			s = s[j+1:]
		}
	}
	if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
		if j := strings.IndexByte(s[1:], s[0]); j >= 0 {
			return s[1 : j+1], s[j+2:]
		}
	}
	if j := strings.IndexByte(s, ' '); j >= 0 {
		return s[:j], s[j:]
	}
	return s, ""
}

// unquotePath turns `[ml:520{260},l:76{38}]"\??\C:\Windows\x"\[l:14{7}]"a.dll"`
// into `\??\C:\Windows\x\a.dll`; a plain path is returned as it is.
func unquotePath(s string) string {
	if !strings.ContainsAny(s, "\"'") {
		return s
	}
	var b strings.Builder
	for s != "" {
		v, rest := quoted(s)
		if v == "" && rest == s {
			break
		}
		b.WriteString(v)
		s = strings.TrimPrefix(rest, "\\")
		if s != "" && (strings.HasPrefix(s, "[") || s[0] == '"' || s[0] == '\'') {
			b.WriteByte('\\')
			continue
		}
		break
	}
	return b.String()
}
