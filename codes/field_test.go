package codes

import "testing"

func TestFieldValue(t *testing.T) {
	tests := []struct {
		in    string
		known bool
		want  Code
		ok    bool
	}{
		{"0x80070643", false, 0x80070643, true},
		{" 0x80070643 ", false, 0x80070643, true},
		{"-2146498520", false, 0x800f0828, true}, // WinREAgent 4502 Errorcode (Int32)
		{"-2146498520", true, 0x800f0828, true},
		{"2148468776", false, 0x800f0828, true}, // the same, unsigned
		{"2147944003", false, 0x80070643, true},
		{"8024001f", false, 0x8024001f, true},       // WER WindowsUpdateFailure P2
		{"%%2147942414", false, 0x8007000e, true},   // SCM 7023: an HRESULT insert
		{"%%21", false, 0x80070015, true},           // SCM 7023: a Win32 insert
		{"%%1056", false, 0x80070420, true},         // ERROR_SERVICE_ALREADY_RUNNING
		{"%%827", false, 0, false},                  // Defender product name insert: not a code
		{"1603", true, 0x80070643, true},            // MsiInstaller status, known to be a code
		{"1603", false, 0, false},                   // a bare small number is not a code
		{"0x0", true, 0, true},                      // Servicing ErrorCode on success
		{"0x0", false, 0, false},                    // short hex unlabelled
		{"4294967295", false, 0, false},             // Defender "Last quick scan age": not a named code
		{"1234567890", false, 0, false},             // below 2^31: a count or an ID
		{"-1234567", false, 0, false},               // too short
		{"4a5bc637", false, 0, false},               // a time stamp: no such code
		{"0x00080000", false, 0, false},             // success bit clear
		{"Enabled", true, 0, false},                 // not a code at all
		{"ERROR_DISK_FULL", true, 0x80070070, true}, // a name
		{"ERROR_DISK_FULL", false, 0, false},        // names only when known
		{"3221225485", true, 0xc000000d, true},      // DNS Client ErrorCode (unsigned NTSTATUS)
		{"", true, 0, false},
	}
	for _, tt := range tests {
		got, ok := FieldValue(tt.in, tt.known)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("FieldValue(%q, %v) = %v, %v; want %v, %v", tt.in, tt.known, got, ok, tt.want, tt.ok)
		}
	}
}
