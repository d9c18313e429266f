package codes

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrSyntax is wrapped by every error Parse returns for text that is not a
// code in any known spelling.
var ErrSyntax = errors.New("invalid syntax")

// ErrUnknownName is wrapped (together with ErrSyntax) when the text is a
// well-formed symbolic name that neither table knows.
var ErrUnknownName = errors.New("unknown symbolic name")

// Parse reads one code written in any spelling found in Windows logs and
// returns it in HRESULT form. Surrounding white space, one pair of brackets
// or parentheses, a "label=" or "label:" prefix (hr:, hr=, HRESULT=,
// resultMapped=, status:, Error:, gle=, ...) and a trailing " - NAME" or
// " (NAME)" annotation are ignored.
//
// The value itself is read as follows:
//
//	0x80070643, 80070643      8 hex digits: the 32-bit value as written
//	0x643, 0x2                0x and fewer than 8 digits: a Win32 error when
//	                          below 0x10000 (0x80070643, 0x80070002),
//	                          otherwise the value as written (0x240001)
//	1603, 112                 decimal up to 65535: a Win32 error (0x80070643)
//	-2147023293, 2147944003   signed or unsigned 32-bit decimal
//	HRESULT_FROM_WIN32(ERROR_INSTALL_FAILURE), HRESULT_FROM_WIN32(14098)
//	NTSTATUS_FROM_WIN32(ERROR_INVALID_DATA)   0xC007000D
//	HRESULT_FROM_NT(0xC015001A)               0xD015001A
//	ERROR_DISK_FULL, E_FAIL, CBS_E_SOURCE_MISSING   a symbolic name
//
// After a gle= or GLE = label (GetLastError) every value below 0x10000 is a
// Win32 error, whatever the number of digits: [gle=0x00000003] is
// 0x80070003. A decimal of exactly 8 digits is read as hex, because that is
// how CBS and WUA print codes without 0x.
//
// Errors wrap ErrSyntax (and ErrUnknownName for unknown names), so callers
// can test them with errors.Is, as with strconv.
func Parse(s string) (Code, error) {
	c, err := parse(s)
	if err != nil {
		return 0, fmt.Errorf("codes: parsing %q: %w", s, err)
	}
	return c, nil
}

func parse(s string) (Code, error) {
	v := strings.TrimSpace(s)
	v = unwrap(v)
	// CSI: [Warning,Facility=FACILITY_NTWIN32,Code=ERROR_FILE_NOT_FOUND]
	if i := strings.Index(v, "Code="); i >= 0 && strings.Contains(v[:i], "Facility=") {
		name := v[i+len("Code="):]
		if j := strings.IndexAny(name, ",]"); j >= 0 {
			name = name[:j]
		}
		return parseName(strings.TrimSpace(name))
	}
	// "[HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]": drop the annotation.
	if i := strings.Index(v, " - "); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	gle := false
	if label, rest, ok := cutLabel(v); ok {
		v = rest
		gle = strings.EqualFold(label, "gle")
	} else if word, rest, ok := strings.Cut(v, " "); ok && isWord(word) && !strings.Contains(word, "_") {
		// "NTSTATUS -1073283059", "error 0x8024402c", "HRESULT 0x..."
		v = strings.TrimSpace(rest)
	}
	v = unwrap(v)
	// "0x800f0922 (CBS_E_INSTALLERS_FAILED)", "0x80070643 [Unknown]"
	if i := strings.IndexAny(v, " \t"); i > 0 && !strings.Contains(v[:i], "(") {
		rest := strings.TrimSpace(v[i:])
		if rest != "" && rest[0] != '(' && rest[0] != '[' {
			return 0, ErrSyntax
		}
		v = v[:i]
	}
	return parseValue(v, gle)
}

// unwrap removes one pair of enclosing brackets or parentheses.
func unwrap(v string) string {
	if len(v) >= 2 && (v[0] == '[' && v[len(v)-1] == ']' || v[0] == '(' && v[len(v)-1] == ')') {
		return strings.TrimSpace(v[1 : len(v)-1])
	}
	return v
}

// cutLabel splits "hr:0x1", "HRESULT = 0x1", "resultMapped=80070643" into a
// label and a value. The label is one or two words of letters.
func cutLabel(v string) (label, rest string, ok bool) {
	i := strings.IndexAny(v, "=:")
	if i <= 0 {
		return "", "", false
	}
	label = strings.TrimSpace(v[:i])
	if label == "" {
		return "", "", false
	}
	for _, w := range strings.Fields(label) {
		if !isWord(w) || strings.Contains(w, "_") {
			return "", "", false
		}
	}
	return label, strings.TrimSpace(v[i+1:]), true
}

func isWord(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isLetter(w[i]) && w[i] != '_' {
			return false
		}
	}
	return true
}

func parseValue(v string, gle bool) (Code, error) {
	if v == "" {
		return 0, ErrSyntax
	}
	up := strings.ToUpper(v)
	for _, w := range [...]struct {
		prefix string
		conv   func(uint32) Code
	}{
		{"HRESULT_FROM_WIN32(", FromWin32},
		{"NTSTATUS_FROM_WIN32(", NTStatusFromWin32},
	} {
		if strings.HasPrefix(up, w.prefix) && strings.HasSuffix(up, ")") {
			n, err := parseWin32(strings.TrimSpace(up[len(w.prefix) : len(up)-1]))
			if err != nil {
				return 0, err
			}
			return w.conv(n), nil
		}
	}
	if strings.HasPrefix(up, "HRESULT_FROM_NT(") && strings.HasSuffix(up, ")") {
		c, err := parseValue(strings.TrimSpace(v[len("HRESULT_FROM_NT("):len(v)-1]), false)
		if err != nil {
			return 0, err
		}
		return c | ntFacilityBit, nil
	}
	switch {
	case strings.HasPrefix(up, "0X"):
		digits := up[2:]
		n, err := strconv.ParseUint(digits, 16, 32)
		if err != nil || digits == "" || digits[0] == '+' {
			return 0, ErrSyntax
		}
		if (len(digits) < 8 || gle) && n <= 0xFFFF {
			return FromWin32(uint32(n)), nil
		}
		return Code(n), nil
	case up[0] == '-':
		n, err := strconv.ParseInt(up, 10, 32)
		if err != nil {
			return 0, ErrSyntax
		}
		return Code(uint32(int32(n))), nil
	case len(up) == 8 && isHex(up):
		n, _ := strconv.ParseUint(up, 16, 32)
		if gle && n <= 0xFFFF {
			return FromWin32(uint32(n)), nil
		}
		return Code(n), nil
	case isDigits(up):
		n, err := strconv.ParseUint(up, 10, 32)
		if err != nil {
			return 0, ErrSyntax
		}
		if n <= 0xFFFF {
			return FromWin32(uint32(n)), nil
		}
		return Code(n), nil
	}
	return parseName(up)
}

// parseName resolves a symbolic name.
func parseName(name string) (Code, error) {
	if !isName(name) {
		return 0, ErrSyntax
	}
	if c, ok := ByName(name); ok {
		return c, nil
	}
	return 0, fmt.Errorf("%w: %w", ErrSyntax, ErrUnknownName)
}

// parseWin32 reads the argument of HRESULT_FROM_WIN32(...): a Win32 name, a
// decimal or a 0x hex number.
func parseWin32(arg string) (uint32, error) {
	switch {
	case strings.HasPrefix(arg, "0X"):
		n, err := strconv.ParseUint(arg[2:], 16, 32)
		if err != nil || arg[2:] == "" || arg[2] == '+' {
			return 0, ErrSyntax
		}
		return uint32(n), nil
	case isDigits(arg):
		n, err := strconv.ParseUint(arg, 10, 32)
		if err != nil {
			return 0, ErrSyntax
		}
		return uint32(n), nil
	case isName(arg):
		if n, ok := win32ByName(arg); ok {
			return uint32(n), nil
		}
		return 0, fmt.Errorf("%w: %w", ErrSyntax, ErrUnknownName)
	}
	return 0, ErrSyntax
}

func isName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if hexVal(s[i]) < 0 {
			return false
		}
	}
	return true
}

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }
func isDigit(b byte) bool  { return b >= '0' && b <= '9' }

func hexVal(b byte) int {
	switch {
	case b >= '0' && b <= '9':
		return int(b - '0')
	case b|0x20 >= 'a' && b|0x20 <= 'f':
		return int(b|0x20-'a') + 10
	}
	return -1
}
