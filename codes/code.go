// Package codes names and normalizes the Windows status codes that show up
// when an update fails: HRESULTs, Win32 errors, NTSTATUS values and the
// CBS_E_*, PSFX_E_*, WU_E_* and Defender families.
//
// Logs spell one value many ways: 0x80070643, 80070643, -2147023293,
// 2147944003, HRESULT_FROM_WIN32(ERROR_INSTALL_FAILURE), "Error: 1603". The
// package turns each spelling into one [Code], the HRESULT form, and tells
// what it means with [Lookup]:
//
//   - [Parse] reads one value in any spelling (like strconv.ParseInt);
//   - [Find] and [FindString] locate every code in a line of free text,
//     fast enough to run on every line of a multi-gigabyte CBS.log;
//   - [FieldValue] reads a whole event field that is a code (errorCode,
//     an Int32 Errorcode, an unsigned ErrorCode, SCM's %%N insert);
//   - [Lookup], [ByName] and [All] query the table, which is data
//     (table.tsv and win32.tsv, embedded) rather than code.
package codes

import "strconv"

// Code is a 32-bit status value normalized to HRESULT form: Win32 error N
// becomes HRESULT_FROM_WIN32(N) = 0x8007xxxx; NTSTATUS values stay NTSTATUS
// (0xCxxxxxxx); NTSTATUS_FROM_WIN32(N) = 0xC007xxxx.
type Code uint32

// Bit layout shared by HRESULT and NTSTATUS values.
const (
	severityBit   = 0x80000000 // HRESULT failure; NTSTATUS warning or error
	ntFacilityBit = 0x10000000 // HRESULT_FROM_NT: an NTSTATUS carried in an HRESULT
	facilityWin32 = 7
)

// String returns the code as "0x" and 8 lower-case hex digits, the form CBS
// prints, e.g. "0x80070643".
func (c Code) String() string {
	var b [10]byte
	b[0], b[1] = '0', 'x'
	const hex = "0123456789abcdef"
	for i := 9; i >= 2; i-- {
		b[i] = hex[c&0xF]
		c >>= 4
	}
	return string(b[:])
}

// Failed reports whether the severity bit is set: an HRESULT failure or an
// NTSTATUS warning/error. S_OK, S_FALSE and WU_S_* success codes are not
// failures.
func (c Code) Failed() bool { return c&severityBit != 0 }

// Facility returns the facility field (bits 16-26): 7 for Win32, 15 for
// CBS/setup (0x800Fxxxx), 36 for Windows Update (0x8024xxxx), 80 for
// Defender (0x8050xxxx).
func (c Code) Facility() uint16 { return uint16(c>>16) & 0x7FF }

// NTStatus reports whether c looks like an NTSTATUS error or warning value
// (top bits 11, 0xCxxxxxxx) rather than an HRESULT.
func (c Code) NTStatus() bool { return c>>28 == 0xC }

// Win32 returns the Win32 error number carried by c: the low 16 bits when
// the facility is Win32 (0x8007xxxx, or 0xC007xxxx for NTSTATUS_FROM_WIN32).
// S_OK yields (0, true): it is ERROR_SUCCESS.
func (c Code) Win32() (uint16, bool) {
	if c == 0 {
		return 0, true
	}
	switch c >> 16 {
	case 0x8007, 0xC007:
		return uint16(c), true
	}
	return 0, false
}

// Signed returns c as the signed 32-bit decimal some tools print
// (ConfigMgr, WMI, PowerShell $LASTEXITCODE): 0x80070643 is -2147023293.
func (c Code) Signed() int32 { return int32(c) }

// Decimal returns the signed and unsigned decimal spellings of c.
func (c Code) Decimal() (signed, unsigned string) {
	return strconv.FormatInt(int64(int32(c)), 10), strconv.FormatUint(uint64(c), 10)
}

// FromWin32 converts a Win32 error number to its HRESULT like the
// HRESULT_FROM_WIN32 macro: 0 stays 0 (S_OK), values that are already
// negative when read as int32 pass through, anything else keeps its low 16
// bits under facility 7: FromWin32(1603) = 0x80070643.
func FromWin32(n uint32) Code {
	if int32(n) <= 0 {
		return Code(n)
	}
	return Code(n&0xFFFF | facilityWin32<<16 | severityBit)
}

// NTStatusFromWin32 converts a Win32 error number to an NTSTATUS like the
// NTSTATUS_FROM_WIN32 macro: NTStatusFromWin32(13) = 0xC007000D.
func NTStatusFromWin32(n uint32) Code {
	if int32(n) <= 0 {
		return Code(n)
	}
	return Code(n&0xFFFF | facilityWin32<<16 | 0xC0000000)
}
