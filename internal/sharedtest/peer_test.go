package sharedtest

import (
	"fmt"
	"os/exec"
	"testing"
)

// fakeTB records how a helper ended the test instead of ending it.
type fakeTB struct {
	testing.TB
	skipped, failed string
	logged          string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }
func (f *fakeTB) Log(args ...any)                   { f.logged = fmt.Sprint(args...) }

const absent = "wudiag-no-such-peer-program"

func TestPeerSkipsOrFails(t *testing.T) {
	t.Setenv(RequirePeersEnv, "")
	f := &fakeTB{}
	if p := Peer(f, absent); p != "" || f.skipped == "" || f.failed != "" {
		t.Errorf("missing peer, not required: path %q, skipped %q, failed %q", p, f.skipped, f.failed)
	}
	t.Setenv(RequirePeersEnv, "1")
	f = &fakeTB{}
	if p := Peer(f, absent); p != "" || f.failed == "" || f.skipped != "" {
		t.Errorf("missing peer, required: path %q, skipped %q, failed %q", p, f.skipped, f.failed)
	}
	f = &fakeTB{}
	if p := OptionalPeer(f, absent); p != "" || f.failed == "" {
		t.Errorf("missing optional peer, required: path %q, failed %q", p, f.failed)
	}
	t.Setenv(RequirePeersEnv, "")
	f = &fakeTB{}
	if p := OptionalPeer(f, absent); p != "" || f.failed != "" || f.skipped != "" || f.logged == "" {
		t.Errorf("missing optional peer, not required: path %q, %+v", p, f)
	}
}

func TestPeerFindsAnInstalledProgram(t *testing.T) {
	want, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	t.Setenv(RequirePeersEnv, "1")
	f := &fakeTB{}
	if p := Peer(f, absent, "go"); p != want || f.failed != "" || f.skipped != "" {
		t.Errorf("Peer(absent, go) = %q (%+v), want %q", p, f, want)
	}
}

func TestPeerEnv(t *testing.T) {
	const name = "WUDIAG_TEST_PEERENV"
	t.Setenv(name, "")
	t.Setenv(RequirePeersEnv, "")
	f := &fakeTB{}
	if v := PeerEnv(f, name, "server"); v != "" || f.skipped == "" {
		t.Errorf("unset, not required: %q %+v", v, f)
	}
	t.Setenv(RequirePeersEnv, "1")
	f = &fakeTB{}
	if v := PeerEnv(f, name, "server"); v != "" || f.failed == "" {
		t.Errorf("unset, required: %q %+v", v, f)
	}
	t.Setenv(name, "postgres://x")
	f = &fakeTB{}
	if v := PeerEnv(f, name, "server"); v != "postgres://x" || f.failed != "" || f.skipped != "" {
		t.Errorf("set: %q %+v", v, f)
	}
}

func TestCompared(t *testing.T) {
	f := &fakeTB{}
	Compared(f, 0, "files")
	if f.failed == "" {
		t.Error("Compared(0) did not fail")
	}
	f = &fakeTB{}
	Compared(f, 3, "files")
	if f.failed != "" {
		t.Errorf("Compared(3) failed: %s", f.failed)
	}
}
