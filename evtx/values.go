package evtx

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// BinXML value types ([MS-EVEN6] 2.2.18, libyal "value types").
const (
	tNull       = 0x00
	tString     = 0x01
	tAnsiString = 0x02
	tInt8       = 0x03
	tUint8      = 0x04
	tInt16      = 0x05
	tUint16     = 0x06
	tInt32      = 0x07
	tUint32     = 0x08
	tInt64      = 0x09
	tUint64     = 0x0a
	tReal32     = 0x0b
	tReal64     = 0x0c
	tBool       = 0x0d
	tBinary     = 0x0e
	tGUID       = 0x0f
	tSizeT      = 0x10
	tFileTime   = 0x11
	tSysTime    = 0x12
	tSID        = 0x13
	tHexInt32   = 0x14
	tHexInt64   = 0x15
	tEvtHandle  = 0x20
	tBinXML     = 0x21
	tEvtXML     = 0x23
	tArray      = 0x80
)

var le = binary.LittleEndian

const hexUpper = "0123456789ABCDEF"
const hexLower = "0123456789abcdef"

// fixedSize is the size of one element of a fixed-size type, or 0.
func fixedSize(t byte) int {
	switch t {
	case tInt8, tUint8:
		return 1
	case tInt16, tUint16:
		return 2
	case tInt32, tUint32, tReal32, tBool, tHexInt32:
		return 4
	case tInt64, tUint64, tReal64, tFileTime, tHexInt64:
		return 8
	case tGUID, tSysTime:
		return 16
	}
	return 0
}

// appendValue appends the text rendering of a value of type t held in b.
// It never fails: data too short for its type is rendered as hex.
func appendValue(dst []byte, t byte, b []byte) []byte {
	if t&tArray != 0 {
		return appendArray(dst, t&^tArray, b)
	}
	if n := fixedSize(t); n != 0 && len(b) < n {
		return appendHex(dst, b, hexUpper)
	}
	switch t {
	case tNull, tEvtHandle, tBinXML:
		return dst
	case tString, tEvtXML:
		return appendUTF16(dst, trimNUL16(b))
	case tAnsiString:
		return appendANSI(dst, b)
	case tInt8:
		return strconv.AppendInt(dst, int64(int8(b[0])), 10)
	case tUint8:
		return strconv.AppendUint(dst, uint64(b[0]), 10)
	case tInt16:
		return strconv.AppendInt(dst, int64(int16(le.Uint16(b))), 10)
	case tUint16:
		return strconv.AppendUint(dst, uint64(le.Uint16(b)), 10)
	case tInt32:
		return strconv.AppendInt(dst, int64(int32(le.Uint32(b))), 10)
	case tUint32:
		return strconv.AppendUint(dst, uint64(le.Uint32(b)), 10)
	case tInt64:
		return strconv.AppendInt(dst, int64(le.Uint64(b)), 10)
	case tUint64:
		return strconv.AppendUint(dst, le.Uint64(b), 10)
	case tReal32:
		return strconv.AppendFloat(dst, float64(math.Float32frombits(le.Uint32(b))), 'g', -1, 32)
	case tReal64:
		return strconv.AppendFloat(dst, math.Float64frombits(le.Uint64(b)), 'g', -1, 64)
	case tBool:
		if le.Uint32(b) != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case tBinary:
		return appendHex(dst, b, hexUpper)
	case tGUID:
		return appendGUID(dst, b)
	case tSizeT:
		switch len(b) {
		case 4:
			return appendHexInt(dst, uint64(le.Uint32(b)), 8)
		case 8:
			return appendHexInt(dst, le.Uint64(b), 16)
		}
		return appendHex(dst, b, hexUpper)
	case tFileTime:
		return appendTime(dst, fileTime(le.Uint64(b)))
	case tSysTime:
		return appendTime(dst, sysTime(b))
	case tSID:
		return appendSID(dst, b)
	case tHexInt32:
		return appendHexInt(dst, uint64(le.Uint32(b)), 0)
	case tHexInt64:
		return appendHexInt(dst, le.Uint64(b), 0)
	}
	return appendHex(dst, b, hexUpper)
}

// appendArray renders an array value, elements separated by ", ". It is
// used where one text must hold the whole array (attributes); in Data
// elements the builder makes one field per element instead.
func appendArray(dst []byte, t byte, b []byte) []byte {
	first := true
	eachElement(t, b, func(elem []byte) {
		if !first {
			dst = append(dst, ", "...)
		}
		first = false
		dst = appendValue(dst, t, elem)
	})
	return dst
}

// eachElement calls fn with each element of an array of type t (the type
// without the array bit) held in b. Strings are NUL-terminated, UTF-16 or
// ANSI; a last string without a terminator is an element too, and a
// terminator at the very end leaves an empty last element, as evtxexport
// shows it. Fixed-size types are cut at their size (SizeT at 8 bytes, or
// 4 when the data is not a multiple of 8). An array of any other type is
// one element: its data, rendered as hex.
func eachElement(t byte, b []byte, fn func([]byte)) {
	switch t {
	case tString:
		for len(b) >= 2 {
			i := 0
			for i+1 < len(b) && (b[i] != 0 || b[i+1] != 0) {
				i += 2
			}
			if i+1 >= len(b) { // last element without terminator
				i = len(b) &^ 1
			}
			fn(b[:i])
			if i+2 > len(b) {
				break
			}
			b = b[i+2:]
		}
		return
	case tSID:
		// Each SID is 8 bytes and 4 per sub-authority (count in byte 1).
		for len(b) > 0 {
			n := len(b)
			if len(b) >= 8 {
				n = min(8+4*int(b[1]), len(b))
			}
			fn(b[:n])
			b = b[n:]
		}
		return
	case tAnsiString:
		for len(b) > 0 {
			i := 0
			for i < len(b) && b[i] != 0 {
				i++
			}
			fn(b[:i])
			if i+1 > len(b) {
				break
			}
			b = b[i+1:]
		}
		return
	}
	n := fixedSize(t)
	if t == tSizeT {
		n = 8
		if len(b)%8 != 0 {
			n = 4
		}
	}
	if n == 0 {
		fn(b)
		return
	}
	for i := 0; i+n <= len(b); i += n {
		fn(b[i : i+n])
	}
}

func trimNUL16(b []byte) []byte {
	b = b[:len(b)&^1]
	for len(b) >= 2 && b[len(b)-1] == 0 && b[len(b)-2] == 0 {
		b = b[:len(b)-2]
	}
	return b
}

// appendUTF16 appends little-endian UTF-16 as UTF-8. Unpaired surrogates
// become U+FFFD.
func appendUTF16(dst []byte, b []byte) []byte {
	n := len(b) &^ 1
	dst = slices.Grow(dst, n/2)
	for i := 0; i < n; i += 2 {
		// Four ASCII code units at a time.
		for i+8 <= n {
			v := le.Uint64(b[i:])
			if v&0xff80ff80ff80ff80 != 0 {
				break
			}
			dst = append(dst, byte(v), byte(v>>16), byte(v>>32), byte(v>>48))
			i += 8
		}
		if i >= n {
			break
		}
		c := uint16(b[i]) | uint16(b[i+1])<<8
		switch {
		case c < 0x80:
			dst = append(dst, byte(c))
		case c < 0x800:
			dst = append(dst, 0xc0|byte(c>>6), 0x80|byte(c&0x3f))
		case c < 0xd800 || c >= 0xe000:
			dst = append(dst, 0xe0|byte(c>>12), 0x80|byte(c>>6&0x3f), 0x80|byte(c&0x3f))
		default:
			r := utf8.RuneError
			if c < 0xdc00 && i+3 < n {
				c2 := uint16(b[i+2]) | uint16(b[i+3])<<8
				if c2 >= 0xdc00 && c2 < 0xe000 {
					r = utf16.DecodeRune(rune(c), rune(c2))
					i += 2
				}
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// appendANSI appends a code-page string without its trailing NULs. Valid
// UTF-8 is kept; other bytes are read as Windows-1252's Latin-1 subset.
func appendANSI(dst []byte, b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	for _, c := range b {
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

func appendHex(dst []byte, b []byte, digits string) []byte {
	for _, c := range b {
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst
}

// appendHexInt appends 0x and v in lower-case hex, zero-padded to width.
func appendHexInt(dst []byte, v uint64, width int) []byte {
	var buf [16]byte
	i := len(buf)
	for v != 0 || i == len(buf) {
		i--
		buf[i] = hexLower[v&15]
		v >>= 4
	}
	dst = append(dst, '0', 'x')
	for n := len(buf) - i; n < width; n++ {
		dst = append(dst, '0')
	}
	return append(dst, buf[i:]...)
}

func appendGUID(dst []byte, b []byte) []byte {
	dst = append(dst, '{')
	d1 := le.Uint32(b)
	for s := 28; s >= 0; s -= 4 {
		dst = append(dst, hexUpper[d1>>uint(s)&15])
	}
	dst = append(dst, '-')
	d2 := le.Uint16(b[4:])
	for s := 12; s >= 0; s -= 4 {
		dst = append(dst, hexUpper[d2>>uint(s)&15])
	}
	dst = append(dst, '-')
	d3 := le.Uint16(b[6:])
	for s := 12; s >= 0; s -= 4 {
		dst = append(dst, hexUpper[d3>>uint(s)&15])
	}
	dst = append(dst, '-')
	dst = appendHex(dst, b[8:10], hexUpper)
	dst = append(dst, '-')
	dst = appendHex(dst, b[10:16], hexUpper)
	return append(dst, '}')
}

func appendSID(dst []byte, b []byte) []byte {
	if len(b) < 8 {
		return appendHex(dst, b, hexUpper)
	}
	n := int(b[1])
	if len(b) < 8+4*n {
		return appendHex(dst, b, hexUpper)
	}
	dst = append(dst, "S-"...)
	dst = strconv.AppendUint(dst, uint64(b[0]), 10)
	var auth uint64
	for _, c := range b[2:8] {
		auth = auth<<8 | uint64(c)
	}
	dst = append(dst, '-')
	if auth >= 1<<32 {
		dst = appendHexInt(dst, auth, 12)
	} else {
		dst = strconv.AppendUint(dst, auth, 10)
	}
	for i := 0; i < n; i++ {
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, uint64(le.Uint32(b[8+4*i:])), 10)
	}
	return dst
}

// fileTime converts a Windows FILETIME (100 ns since 1601) to UTC.
func fileTime(ft uint64) time.Time {
	const epochDiff = 11644473600 // seconds from 1601 to 1970
	sec := int64(ft/10000000) - epochDiff
	nsec := int64(ft%10000000) * 100
	return time.Unix(sec, nsec).UTC()
}

// sysTime converts a SYSTEMTIME structure to UTC.
func sysTime(b []byte) time.Time {
	y, m, d := int(le.Uint16(b)), int(le.Uint16(b[2:])), int(le.Uint16(b[6:]))
	h, mi, s, ms := int(le.Uint16(b[8:])), int(le.Uint16(b[10:])), int(le.Uint16(b[12:])), int(le.Uint16(b[14:]))
	return time.Date(y, time.Month(m), d, h, mi, s, ms*1e6, time.UTC)
}

// appendTime renders t as Windows does in XML: 9 fractional digits and Z.
func appendTime(dst []byte, t time.Time) []byte {
	return t.AppendFormat(dst, "2006-01-02T15:04:05.000000000Z")
}
