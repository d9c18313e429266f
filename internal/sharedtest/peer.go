package sharedtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequirePeersEnv names the environment variable that turns a missing
// peer from a skip into a failure. .ci/run sets it to 1 once it has
// installed the peers, so that a test that compares with another program
// cannot pass there by skipping.
const RequirePeersEnv = "WUDIAG_REQUIRE_PEERS"

// RequirePeers reports whether WUDIAG_REQUIRE_PEERS=1.
func RequirePeers() bool { return os.Getenv(RequirePeersEnv) == "1" }

// peerPackages are the Debian packages that provide the peer programs.
var peerPackages = map[string]string{
	"evtxexport":       "libevtx-utils",
	"evtx_dump.py":     "python3-evtx",
	"cabextract":       "cabextract",
	"chromium":         "chromium",
	"chromium-browser": "chromium",
	"google-chrome":    "chromium",
	"headless-shell":   "chromium",
}

func peerMissing(names []string) string {
	msg := strings.Join(names, " or ") + " is not installed"
	if p := peerPackages[names[0]]; p != "" {
		msg += " (Debian: apt-get install " + p + ")"
	}
	return msg
}

// LookPeer returns the path of the first of names found on PATH, or ""
// when none is there.
func LookPeer(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Peer returns the path of a peer program, the first of names found on
// PATH (Peer(t, "chromium", "chromium-browser")). When none is installed
// it skips the test, or fails it when WUDIAG_REQUIRE_PEERS=1.
func Peer(tb testing.TB, names ...string) string {
	tb.Helper()
	if p := LookPeer(names...); p != "" {
		return p
	}
	missing(tb, peerMissing(names))
	return ""
}

// OptionalPeer is Peer for a test whose comparison with the peer is one
// part among others: when the peer is missing it logs that the
// comparison is left out and returns "" (the test goes on), or fails the
// test when WUDIAG_REQUIRE_PEERS=1.
func OptionalPeer(tb testing.TB, names ...string) string {
	tb.Helper()
	if p := LookPeer(names...); p != "" {
		return p
	}
	msg := peerMissing(names) + ": its comparison is left out"
	if RequirePeers() {
		tb.Fatalf("%s, and %s=1", msg, RequirePeersEnv)
		return ""
	}
	tb.Log(msg)
	return ""
}

// PeerEnv returns the value of the environment variable that points a test
// at a peer service (WUDIAG_TEST_POSTGRES: a PostgreSQL server). When it
// is empty the test skips, or fails when WUDIAG_REQUIRE_PEERS=1; what
// says what the variable names.
func PeerEnv(tb testing.TB, name, what string) string {
	tb.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	missing(tb, name+" is not set: no "+what+" to test against (.ci/run starts one)")
	return ""
}

func missing(tb testing.TB, msg string) {
	tb.Helper()
	if RequirePeers() {
		tb.Fatalf("%s, and %s=1", msg, RequirePeersEnv)
		return
	}
	tb.Skip(msg)
}

// Compared fails the test when a comparison with a peer compared nothing:
// n counts the files or records compared, what names them. A peer test
// that found nothing to compare would otherwise pass having checked
// nothing.
func Compared(tb testing.TB, n int, what string) {
	tb.Helper()
	if n == 0 {
		tb.Fatalf("compared no %s with the peer: the test checked nothing", what)
	}
}
