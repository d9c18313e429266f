package codes

import (
	"strconv"
	"strings"
)

// FieldValue reads a whole event field value that is a status code by
// itself, for the fields of Windows events: WindowsUpdateClient errorCode
// "0x80070643", WinREAgent Errorcode "-2146498520" (an Int32), DNS
// Client ErrorCode "3221225485" (unsigned), Service Control Manager
// param2 "%%2147942414" or "%%21" (a message-table insert Event Viewer
// expands from the system's messages), WER's bare "8024001f".
//
// When the field is known to hold a code (known true: a field named
// errorCode, Status, ...), every spelling [Parse] accepts is read, so a
// small decimal is a Win32 error: "1603" is 0x80070643. Otherwise only
// spellings that cannot be a count, a size or an ID are read, and only
// codes the table names: "0x" and 8 hex digits, 8 bare hex digits, a
// signed decimal below -1,000,000,000 and an unsigned decimal of 10
// digits with the severity bit set. "%%N" is always read (it names a
// message; N ≥ 0x80000000 is an HRESULT, smaller N a Win32 error), but
// only for codes the table names unless known.
func FieldValue(s string, known bool) (Code, bool) {
	v := strings.TrimSpace(s)
	insert := strings.HasPrefix(v, "%%")
	if insert {
		v = v[2:]
		if !isDigits(v) || len(v) > 10 {
			return 0, false
		}
	}
	if v == "" || len(v) > 64 {
		return 0, false
	}
	if known || insert {
		c, err := parse(v)
		if err != nil {
			return 0, false
		}
		if known {
			return c, true
		}
		_, named := Lookup(c)
		return c, named
	}
	var c Code
	switch {
	case len(v) == 10 && (v[:2] == "0x" || v[:2] == "0X") && isHex(v[2:]):
		n, _ := strconv.ParseUint(v[2:], 16, 32)
		c = Code(n)
	case len(v) == 8 && isHex(v):
		n, _ := strconv.ParseUint(v, 16, 32)
		c = Code(n)
	case len(v) == 11 && v[0] == '-' && isDigits(v[1:]):
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1<<31 || n > -1e9 {
			return 0, false
		}
		c = Code(uint32(int32(n)))
	case len(v) == 10 && isDigits(v):
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n < 1<<31 {
			return 0, false
		}
		c = Code(n)
	default:
		return 0, false
	}
	if !c.Failed() {
		return 0, false
	}
	_, named := Lookup(c)
	return c, named
}
