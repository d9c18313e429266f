package codes

import (
	"bytes"
	"unsafe"
)

// A Match is one code found in free text.
type Match struct {
	Code       Code
	Start, End int // byte offsets of the spelling in the text
}

// Find appends to dst every code found in text, in order of position, and
// returns the extended slice. It allocates nothing when dst has room.
//
// It recognises these spellings (the examples are real log text):
//
//	0x80070643                     "0x" and exactly 8 hex digits, not part of a
//	                               longer hex run and not after '@' (addresses)
//	[HRESULT = 0x800f0805 - ...]   covered by the rule above, as are hr:0x...,
//	                               status: 0x..., Result = 0x..., [gle=0x...]
//	hr=800f081f, HRESULT=800F0922, resultMapped=80070643, resultUnMapped=...
//	                               8 hex digits without 0x after these labels
//	(F) 80070002 [...]             8 hex digits after CSI's "(F) "
//	Facility=FACILITY_NTWIN32,Code=ERROR_FILE_NOT_FOUND
//	HRESULT_FROM_WIN32(ERROR_...), HRESULT_FROM_WIN32(14098),
//	NTSTATUS_FROM_WIN32(ERROR_...)
//	NTSTATUS -1073283059           "-" and 10 digits whose value is a 32-bit
//	                               signed number below -1,000,000,000
//	Error: 112                     DISM console: a Win32 error in decimal
//	GLE = 0x3, [gle=0x00000003]    GetLastError values below 0x10000 are Win32
//	                               errors and become 0x8007xxxx
//
// Short hex values elsewhere (flags: 0x2, Exit code = 0x240001) are not
// codes, and neither are timestamps, CBS session IDs, GUIDs, versions, hash
// blobs or component hashes. S_OK (0x00000000) is reported like any other
// code; filter with [Code.Failed]. The CSI line
// "(F) 80070002 [Warning,Facility=FACILITY_NTWIN32,Code=ERROR_FILE_NOT_FOUND]"
// yields two matches for the same code, one per spelling.
func Find(dst []Match, text []byte) []Match {
	return find(dst, text)
}

// FindString is like [Find] but reads a string, without copying it.
func FindString(dst []Match, text string) []Match {
	return find(dst, unsafe.Slice(unsafe.StringData(text), len(text)))
}

func find(dst []Match, b []byte) []Match {
	base := len(dst)
	dst = scanHex(dst, b)
	dst = scanEquals(dst, b)
	dst = scanParen(dst, b)
	dst = scanMinus(dst, b)
	dst = scanColon(dst, b)
	// Each scan appends in order; merge them by position (few matches per
	// line, so insertion sort).
	m := dst[base:]
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && m[j].Start < m[j-1].Start; j-- {
			m[j], m[j-1] = m[j-1], m[j]
		}
	}
	return dst
}

// isWordByte reports whether b continues an identifier or number.
func isWordByte(b byte) bool { return isLetter(b) || isDigit(b) || b == '_' }

// hex8 parses exactly 8 hex digits at b[i:] that are not followed by another
// word byte. It reports false otherwise.
func hex8(b []byte, i int) (uint32, bool) {
	if i+8 > len(b) || (i+8 < len(b) && isWordByte(b[i+8])) {
		return 0, false
	}
	var n uint32
	for _, c := range b[i : i+8] {
		v := hexVal(c)
		if v < 0 {
			return 0, false
		}
		n = n<<4 | uint32(v)
	}
	return n, true
}

// hasSuffixFold reports whether b[:end] ends with the ASCII string s, ignoring
// case, and the byte before it (if any) is not a letter.
func hasSuffixFold(b []byte, end int, s string) bool {
	start := end - len(s)
	if start < 0 {
		return false
	}
	for k := 0; k < len(s); k++ {
		// Fold case for letters only: '\x12'|0x20 == '2'.
		if c := b[start+k]; c != s[k] && !(isLetter(c) && c|0x20 == s[k]|0x20) {
			return false
		}
	}
	return start == 0 || !isLetter(b[start-1])
}

// gleBefore reports whether the text before position i is "gle=" or
// "GLE = ", and where that label starts.
func gleBefore(b []byte, i int) (int, bool) {
	j := i
	for j > 0 && b[j-1] == ' ' {
		j--
	}
	if j == 0 || b[j-1] != '=' {
		return 0, false
	}
	j--
	for j > 0 && b[j-1] == ' ' {
		j--
	}
	return j - 3, hasSuffixFold(b, j, "gle")
}

// scanHex finds "0x" followed by hex digits.
func scanHex(dst []Match, b []byte) []Match {
	for off := 0; ; {
		k := bytes.IndexByte(b[off:], 'x')
		if k < 0 {
			return dst
		}
		x := off + k
		off = x + 1
		if x == 0 || b[x-1] != '0' {
			continue
		}
		start := x - 1
		if start > 0 && (isWordByte(b[start-1]) || b[start-1] == '@') {
			continue
		}
		// Count the hex run.
		end := x + 1
		for end < len(b) && end-x-1 <= 8 && hexVal(b[end]) >= 0 {
			end++
		}
		digits := end - x - 1
		if digits == 0 || digits > 8 || (end < len(b) && isWordByte(b[end])) {
			continue
		}
		var n uint32
		for _, c := range b[x+1 : end] {
			n = n<<4 | uint32(hexVal(c))
		}
		// After gle= the value is a GetLastError result: below 0x10000 it
		// is a Win32 error. The label is part of the spelling then, so
		// that Parse(text[Start:End]) gives the same code.
		if label, ok := gleBefore(b, start); ok {
			if n <= 0xFFFF {
				n, start = uint32(FromWin32(n)), label
			}
		} else if digits != 8 {
			continue
		}
		dst = append(dst, Match{Code: Code(n), Start: start, End: end})
		off = end
	}
}

// Labels whose value is 8 hex digits without 0x.
var bareHexLabels = [...]string{"hr", "HRESULT", "resultMapped", "resultUnMapped"}

// scanEquals finds label=8HEX and CSI's Facility=...,Code=NAME.
func scanEquals(dst []Match, b []byte) []Match {
	for off := 0; ; {
		k := bytes.IndexByte(b[off:], '=')
		if k < 0 {
			return dst
		}
		eq := off + k
		off = eq + 1
		if n, ok := hex8(b, eq+1); ok {
			for _, l := range bareHexLabels {
				if hasSuffixFold(b, eq, l) {
					dst = append(dst, Match{Code: Code(n), Start: eq - len(l), End: eq + 9})
					off = eq + 9
					break
				}
			}
			continue
		}
		if hasSuffixFold(b, eq, "Code") && eq >= 5 && b[eq-5] == ',' &&
			bytes.Contains(b[max(0, eq-64):eq], []byte("Facility=")) {
			end := eq + 1
			for end < len(b) && isWordByte(b[end]) {
				end++
			}
			if end == eq+1 {
				continue
			}
			name := b[eq+1 : end]
			if !isLetter(name[0]) {
				continue
			}
			c, ok := byNameBytes(name)
			if !ok {
				continue
			}
			dst = append(dst, Match{Code: c, Start: eq - 4, End: end})
			off = end
		}
	}
}

// byNameBytes is ByName for an exact upper-case name held in bytes; the map
// lookups with string(b) do not allocate.
func byNameBytes(name []byte) (Code, bool) {
	t := load()
	if c, ok := t.byName[string(name)]; ok {
		return c, true
	}
	if n, ok := t.win32Num[string(name)]; ok {
		return FromWin32(uint32(n)), true
	}
	return 0, false
}

// scanParen finds "(F) 8HEX" and HRESULT_FROM_WIN32(...) / NTSTATUS_FROM_WIN32(...).
func scanParen(dst []Match, b []byte) []Match {
	for off := 0; ; {
		k := bytes.IndexByte(b[off:], '(')
		if k < 0 {
			return dst
		}
		p := off + k
		off = p + 1
		if p+4 <= len(b) && b[p+1] == 'F' && b[p+2] == ')' && b[p+3] == ' ' {
			if n, ok := hex8(b, p+4); ok {
				dst = append(dst, Match{Code: Code(n), Start: p + 4, End: p + 12})
				off = p + 12
			}
			continue
		}
		var conv func(uint32) Code
		var start int
		switch {
		case hasSuffixFold(b, p, "HRESULT_FROM_WIN32"):
			conv, start = FromWin32, p-len("HRESULT_FROM_WIN32")
		case hasSuffixFold(b, p, "NTSTATUS_FROM_WIN32"):
			conv, start = NTStatusFromWin32, p-len("NTSTATUS_FROM_WIN32")
		default:
			continue
		}
		if start > 0 && isWordByte(b[start-1]) {
			continue
		}
		end := p + 1
		for end < len(b) && end-p < 80 && isWordByte(b[end]) {
			end++
		}
		if end >= len(b) || b[end] != ')' || end == p+1 {
			continue
		}
		arg := b[p+1 : end]
		var n uint32
		if isDigit(arg[0]) {
			if len(arg) > 10 {
				continue
			}
			var v uint64
			ok := true
			for _, c := range arg {
				if !isDigit(c) {
					ok = false
					break
				}
				v = v*10 + uint64(c-'0')
			}
			if !ok || v > 0xFFFFFFFF {
				continue
			}
			n = uint32(v)
		} else {
			t := load()
			w, ok := t.win32Num[string(arg)]
			if !ok {
				c, ok2 := t.byName[string(arg)]
				if !ok2 {
					continue
				}
				if w, ok = c.Win32(); !ok {
					continue
				}
			}
			n = uint32(w)
		}
		dst = append(dst, Match{Code: conv(n), Start: start, End: end + 1})
		off = end + 1
	}
}

// scanMinus finds signed decimals: "-" and exactly 10 digits, value in
// [-2147483648, -1000000000).
func scanMinus(dst []Match, b []byte) []Match {
	for off := 0; ; {
		k := bytes.IndexByte(b[off:], '-')
		if k < 0 {
			return dst
		}
		m := off + k
		off = m + 1
		if m+11 > len(b) || !isDigit(b[m+1]) || !isDigit(b[m+10]) {
			continue
		}
		if m > 0 {
			if c := b[m-1]; isWordByte(c) || c == '-' || c == '.' || c == '{' || c == '/' || c == '\\' {
				continue
			}
		}
		end := m + 11
		if end < len(b) && (isWordByte(b[end]) || b[end] == '-' || (b[end] == '.' || b[end] == ',' || b[end] == ':') && end+1 < len(b) && isDigit(b[end+1])) {
			continue
		}
		var v int64
		ok := true
		for _, c := range b[m+1 : end] {
			if !isDigit(c) {
				ok = false
				break
			}
			v = v*10 + int64(c-'0')
		}
		if !ok || v > 1<<31 || v <= 1e9 {
			continue
		}
		dst = append(dst, Match{Code: Code(uint32(int32(-v))), Start: m, End: end})
		off = end
	}
}

// scanColon finds DISM's "Error: <decimal Win32 code>". It searches for the
// whole word rather than for ':', which every timestamp contains.
func scanColon(dst []Match, b []byte) []Match {
	for off := 0; ; {
		k := bytes.Index(b[off:], errorColon)
		if k < 0 {
			return dst
		}
		start := off + k
		off = start + 1
		d := start + len(errorColon)
		if d >= len(b) || !isDigit(b[d]) || (start > 0 && isLetter(b[start-1])) {
			continue
		}
		end := d
		var v uint32
		for end < len(b) && isDigit(b[end]) && end-d < 6 {
			v = v*10 + uint32(b[end]-'0')
			end++
		}
		if end-d > 5 || v > 0xFFFF {
			continue
		}
		if end < len(b) && (isWordByte(b[end]) || (b[end] == '.' || b[end] == ':' || b[end] == ',') && end+1 < len(b) && isDigit(b[end+1])) {
			continue
		}
		dst = append(dst, Match{Code: FromWin32(v), Start: start, End: end})
		off = end
	}
}

var errorColon = []byte("Error: ")
