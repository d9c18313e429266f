package cbslog

import (
	"strings"
)

// A Package is a CBS package identity,
// "<name>~<publicKeyToken>~<arch>~<language>~<version>", for example
//
//	Package_for_KB5034441~31bf3856ad364e35~amd64~~19041.3920.1.3
//	Package_for_RollupFix~31bf3856ad364e35~amd64~~14393.4889.1.2
//	Package_for_ServicingStack_3081~31bf3856ad364e35~amd64~~20348.3081.1.1
//	Microsoft-Windows-Client-Refresh-LanguagePack-Package~31bf3856ad364e35~amd64~fi-FI~6.3.1.0
type Package struct {
	Identity       string // as written
	Name           string // "Package_for_KB5034441", "Package_for_RollupFix", ...
	PublicKeyToken string // "31bf3856ad364e35"
	Arch           string // "amd64", "x86", "wow64", "arm64", "msil", ...
	Language       string // "" for neutral packages
	Version        string // "19041.3920.1.3"
	// KB is the knowledge-base article named by the package, "KB5034441",
	// when the name carries one. Cumulative updates (RollupFix), servicing
	// stack updates (ServicingStack_NNNN) and Wrapper- packages do not.
	KB string
	// Kind is "kb", "rollup" (a latest cumulative update), "ssu" (a
	// servicing stack update), "wrapper", or "other".
	Kind string
}

// ParsePackage parses a package identity. It reports false when s is not
// one (five '~'-separated fields, a 16-hex-digit key token, a version).
func ParsePackage(s string) (Package, bool) {
	f := strings.Split(s, "~")
	if len(f) != 5 || f[0] == "" || len(f[1]) != 16 || !allHex(f[1]) || f[2] == "" || !isVersion(f[4]) {
		return Package{}, false
	}
	p := Package{
		Identity:       s,
		Name:           f[0],
		PublicKeyToken: f[1],
		Arch:           f[2],
		Language:       f[3],
		Version:        f[4],
		Kind:           "other",
	}
	switch {
	case strings.Contains(p.Name, "RollupFix"):
		p.Kind = "rollup"
	case strings.Contains(p.Name, "ServicingStack"):
		p.Kind = "ssu"
	case strings.HasPrefix(p.Name, "Wrapper-") || strings.HasSuffix(p.Name, "-Wrapper"):
		p.Kind = "wrapper"
	}
	if kb := FindKB(p.Name); kb != "" {
		p.KB = kb
		if p.Kind == "other" {
			p.Kind = "kb"
		}
	}
	return p, true
}

// FindKB returns the first knowledge-base number in s, as "KB5034441", or
// "". It accepts "KB" in any case followed by 6 or 7 digits that are not
// part of a longer number.
func FindKB(s string) string {
	// The candidates are found by their B, upper or lower case, with
	// IndexByte, which skips the bytes between many at a time; they are
	// tried in order, so the first KB number is the one returned.
	upper, lower := -1, -1 // the next 'B' and 'b' at or after from, or len(s)
	for from := 1; from+7 <= len(s); {
		if upper < from {
			upper = indexFrom(s, 'B', from)
		}
		if lower < from {
			lower = indexFrom(s, 'b', from)
		}
		b := min(upper, lower)
		if b+7 > len(s) {
			break
		}
		from = b + 1
		i := b - 1
		if s[i] != 'K' && s[i] != 'k' {
			continue
		}
		if i > 0 && isAlnum(s[i-1]) {
			continue
		}
		j := i + 2
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if n := j - i - 2; n >= 6 && n <= 7 && (j == len(s) || !isAlnum(s[j])) {
			return "KB" + s[i+2:j]
		}
	}
	return ""
}

// indexFrom returns the index of the first c in s at or after from, or
// len(s).
func indexFrom(s string, c byte, from int) int {
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return len(s)
}

// findPackages appends every package identity found in text to dst.
func findPackages(dst []Package, text string) []Package {
	for off := 0; off < len(text); {
		i := strings.IndexByte(text[off:], '~')
		if i < 0 {
			break
		}
		i += off
		// The key token follows the first '~' of an identity.
		if i+18 > len(text) || text[i+17] != '~' || !allHex(text[i+1:i+17]) {
			off = i + 1
			continue
		}
		start := i
		for start > 0 && isIdentChar(text[start-1]) {
			start--
		}
		end := i + 18
		for tildes := 2; end < len(text) && tildes < 4; end++ {
			if text[end] == '~' {
				tildes++
			} else if !isIdentChar(text[end]) {
				break
			}
		}
		vstart := end
		for end < len(text) && (text[end] >= '0' && text[end] <= '9' || text[end] == '.') {
			end++
		}
		if end < len(text) && isAlnum(text[end]) {
			// "…~10.0.19041.1.43b88c2e…": an update name follows the version.
			if dot := strings.LastIndexByte(text[vstart:end], '.'); dot >= 0 {
				end = vstart + dot
			}
		}
		id := strings.TrimRight(text[start:end], ".")
		if p, ok := ParsePackage(id); ok {
			dst = append(dst, p)
		}
		off = end
	}
	return dst
}

func isIdentChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '-' || c == '.'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return len(s) > 0
}

func isVersion(s string) bool {
	dots := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if i == 0 || s[i-1] == '.' {
				return false
			}
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots >= 1 && s[len(s)-1] != '.'
}
