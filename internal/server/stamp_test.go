package server

import "testing"

// The case page shows times as the CLI does: machine-local with the
// offset the contract gives, else UTC.
func TestStamp(t *testing.T) {
	for _, tt := range []struct{ in, off, want string }{
		{"2024-01-09T11:21:23Z", "-08:00", "2024-01-09 03:21:23 UTC-08:00"},
		{"2024-01-09T20:00:00Z", "+09:00", "2024-01-10 05:00:00 UTC+09:00"},
		{"2024-01-09T11:21:23Z", "", "2024-01-09 11:21:23 UTC"},
		{"2024-01-09T11:21:23Z", "junk", "2024-01-09 11:21:23 UTC"},
		{"", "+09:00", ""},
		{"not a time", "", "not a time"},
	} {
		if got := stamp(tt.in, tt.off); got != tt.want {
			t.Errorf("stamp(%q, %q) = %q, want %q", tt.in, tt.off, got, tt.want)
		}
	}
}
