// Package synth writes large, deterministic, realistic CBS.log and
// dism.log text for benchmarks, memory tests and the scenario corpus
// (package corpus). Every line shape is taken from real, public logs
// (CBS.log and dism.log files published with their problems, such as
// https://github.com/logpai/loghub/blob/master/Windows/Windows_2k.log);
// the mix follows the frequencies seen in real files: mostly Appl: and CSI
// lines, a few percent of lines carrying an HRESULT, multi-line CSI
// records, primitive-operation blocks and store-corruption summaries.
package synth

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"time"
)

// CBSLog writes about size bytes of CBS.log to w: UTF-8 with a BOM, CRLF
// line ends. The same seed gives the same bytes.
func CBSLog(w io.Writer, size int64, seed uint64) error {
	g := NewCBSWriter(w, seed, DefaultStart, DefaultMachine)
	g.Raw("\xEF\xBB\xBF")
	for g.Written() < size {
		g.TrustedInstallerStart()
		sessions := 5 + g.rnd.IntN(20)
		for s := 0; s < sessions && g.Written() < size; s++ {
			g.Session()
		}
	}
	return g.Flush()
}

// A Machine is what the routine lines of a CBS.log depend on.
type Machine struct {
	// Build is the OS build the package versions use: 19041 for Windows
	// 10 2004–22H2, 22621 for Windows 11 22H2/23H2, 26100 for 24H2,
	// 20348 for Server 2022, 17763 for Server 2019.
	Build int
	// UBR is the revision of the installed servicing stack; routine
	// packages get revisions below it.
	UBR int
	// UTCOffset is local time minus UTC. CBS writes local time at the
	// start of a line and UTC in the optional CSI "@" stamp.
	UTCOffset time.Duration
}

// DefaultMachine is the Windows 10 22H2 machine of CBSLog (UTC−8).
var DefaultMachine = Machine{Build: 19041, UBR: 3920, UTCOffset: -8 * time.Hour}

// DefaultStart is the first timestamp CBSLog writes.
var DefaultStart = time.Date(2024, 1, 9, 3, 12, 44, 0, time.UTC)

// A CBSWriter writes CBS.log lines (and dism.log lines, which share the
// grammar) with a clock that ticks forward as lines are written. Times
// are wall-clock local times carried in a time.Time of any location.
type CBSWriter struct {
	bw   *bufio.Writer
	rnd  *rand.Rand
	m    Machine
	n    int64
	t    time.Time
	seq  int
	line []byte
}

// NewCBSWriter returns a writer that writes to w from start on, with a
// PRNG seeded with seed: the same arguments and calls give the same bytes.
func NewCBSWriter(w io.Writer, seed uint64, start time.Time, m Machine) *CBSWriter {
	return &CBSWriter{
		bw:  bufio.NewWriterSize(w, 1<<20),
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		t:   start,
		m:   m,
	}
}

// Rand returns the writer's PRNG, for callers that vary their own lines.
func (g *CBSWriter) Rand() *rand.Rand { return g.rnd }

// Now returns the clock: the time of the last line written.
func (g *CBSWriter) Now() time.Time { return g.t }

// SetNow sets the clock; the next line is stamped t or a little later.
func (g *CBSWriter) SetNow(t time.Time) { g.t = t }

// Written returns the number of bytes written so far.
func (g *CBSWriter) Written() int64 { return g.n }

// Flush writes any buffered bytes.
func (g *CBSWriter) Flush() error { return g.bw.Flush() }

// Raw writes s as it is.
func (g *CBSWriter) Raw(s string) {
	n, _ := g.bw.WriteString(s)
	g.n += int64(n)
}

func (g *CBSWriter) tick() {
	if g.rnd.IntN(8) == 0 {
		g.t = g.t.Add(time.Duration(1+g.rnd.IntN(3)) * time.Second)
	}
}

// Line writes one timestamped line: level padded to 22 columns, component
// to 7, then the message and CRLF.
func (g *CBSWriter) Line(level, comp, format string, args ...any) {
	g.tick()
	g.line = g.t.AppendFormat(g.line[:0], "2006-01-02 15:04:05")
	g.line = append(g.line, ", "...)
	g.line = append(g.line, level...)
	for i := len(level); i < 22; i++ {
		g.line = append(g.line, ' ')
	}
	g.line = append(g.line, comp...)
	for i := len(comp); i < 7; i++ {
		g.line = append(g.line, ' ')
	}
	g.line = fmt.Appendf(g.line, format, args...)
	g.line = append(g.line, '\r', '\n')
	n, _ := g.bw.Write(g.line)
	g.n += int64(n)
}

// CSI writes a CSI record with the next counter, sometimes with its UTC
// stamp.
func (g *CBSWriter) CSI(level, format string, args ...any) {
	g.seq++
	head := fmt.Sprintf("%08x", g.seq)
	if g.rnd.IntN(4) == 0 {
		u := g.t.Add(-g.m.UTCOffset)
		head += fmt.Sprintf("@%d/%d/%d:%02d:%02d:%02d.%03d", u.Year(), int(u.Month()), u.Day(), u.Hour(), u.Minute(), u.Second(), g.rnd.IntN(1000))
	}
	g.Line(level, "CSI", "%s "+format, append([]any{head}, args...)...)
}

// Cont writes a continuation line (no timestamp).
func (g *CBSWriter) Cont(format string, args ...any) {
	g.Raw(fmt.Sprintf(format, args...) + "\r\n")
}

// Version returns "10.0.<build>.<rev>".
func (g *CBSWriter) Version(rev int) string { return fmt.Sprintf("10.0.%d.%d", g.m.Build, rev) }

func (g *CBSWriter) pkg() string {
	switch g.rnd.IntN(4) {
	case 0:
		return fmt.Sprintf("Package_for_RollupFix~31bf3856ad364e35~amd64~~%d.%d.1.%d", g.m.Build, g.m.UBR-920+g.rnd.IntN(900), 1+g.rnd.IntN(9))
	case 1:
		return fmt.Sprintf("Package_%d_for_KB%d~31bf3856ad364e35~amd64~~10.0.1.%d", g.rnd.IntN(4000), 4000000+g.rnd.IntN(1100000), g.rnd.IntN(20))
	default:
		return fmt.Sprintf("Package_for_KB%d~31bf3856ad364e35~amd64~~10.0.1.%d", 4000000+g.rnd.IntN(1100000), g.rnd.IntN(20))
	}
}

// ssuDir returns the servicing stack's WinSxS directory name.
func (g *CBSWriter) ssuDir() string {
	if g.m.Build == 19041 && g.m.UBR == 3920 {
		return "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3920_none_7e21bc567c7ed16b"
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d.%d", g.m.Build, g.m.UBR)
	return fmt.Sprintf("amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.%d.%d_none_%016x", g.m.Build, g.m.UBR, h.Sum64())
}

// TrustedInstallerStart writes the lines of a TrustedInstaller start: the
// CSI counter restarts, the servicing stack is loaded, SQM upload fails
// with E_FAIL as it does on most machines.
func (g *CBSWriter) TrustedInstallerStart() {
	g.seq = 0
	g.Line("Info", "CBS", "TI: --- Initializing Trusted Installer ---")
	g.Line("Info", "CBS", "TI: Last boot time: %s.%03d", g.t.Add(-72*time.Hour).Format("2006-01-02 15:04:05"), g.rnd.IntN(1000))
	g.Line("Info", "CBS", "Starting TrustedInstaller initialization.")
	g.Line("Info", "CBS", "Lock: New lock added: CCbsPublicSessionClassFactory, level: 30, total lock:4")
	g.Line("Info", "CBS", "Loaded Servicing Stack v%s with Core: C:\\Windows\\winsxs\\%s\\cbscore.dll", g.Version(g.m.UBR), g.ssuDir())
	g.CSI("Info", "WcpInitialize (wcp.dll version 0.0.0.6) called (stack @0x7ffd497360e5 @0x7ffd49be2e53 @0x7ffd49be24ac @0x7ff654ced2df @0x7ff654ced9e4 @0x7ffd5b362053)")
	g.CSI("Info", "SMI Primitive Installer: Initialized")
	g.Line("Info", "CBS", "Ending TrustedInstaller initialization.")
	g.Line("Info", "CBS", "Starting the TrustedInstaller main loop.")
	g.Line("Info", "CBS", "TrustedInstaller service starts successfully.")
	g.Line("Info", "CBS", "SQM: Failed to start upload with file pattern: C:\\Windows\\servicing\\sqm\\*_std.sqm, flags: 0x2 [HRESULT = 0x80004005 - E_FAIL]")
}

var clients = []string{"WindowsUpdateAgent", "WindowsUpdateAgent", "WindowsUpdateAgent", "WinMgmt", "DISM Package Manager Provider", "CbsTask", "LanguageSettings"}

// SessionID returns a new CBS session identifier.
func (g *CBSWriter) SessionID() string {
	return fmt.Sprintf("%d_%d", 31000000+g.rnd.IntN(999999), g.rnd.Uint32())
}

// Session writes one routine session that succeeds: applicability
// checks, the routine CBS_E_INVALID_PACKAGE Info lines, CSI ownership
// warnings, primitive-operation queues.
func (g *CBSWriter) Session() {
	id := g.SessionID()
	client := clients[g.rnd.IntN(len(clients))]
	g.Line("Info", "CBS", "Session: %s initialized by client %s, external staging directory: (null), external registry directory: (null)", id, client)
	lines := 20 + g.rnd.IntN(400)
	for range lines {
		switch r := g.rnd.IntN(100); {
		case r < 40:
			p := g.pkg()
			g.Line("Info", "CBS", "Appl: detect Parent, Package: %s, Parent: Microsoft-Windows-Client-Features-Package~31bf3856ad364e35~amd64~~10.0.%d.%d, Disposition = Detect, VersionComp: EQ, ServiceComp: GE, BuildComp: GE, DistributionComp: GE, RevisionComp: GE, Exist: present", p, g.m.Build, g.m.UBR-920+g.rnd.IntN(900))
		case r < 52:
			g.Line("Info", "CBS", "Appl: Evaluating package applicability for package %s, applicable state: Installed", g.pkg())
		case r < 60:
			g.Line("Info", "CBS", "Read out cached package applicability for package: %s, ApplicableState: 112, CurrentState:112", g.pkg())
		case r < 64:
			g.Line("Info", "CBS", "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]")
		case r < 66:
			g.Line("Info", "CBS", "Failed to OpenPackage using worker session [HRESULT = 0x800f0805]")
		case r < 68:
			g.Line("Info", "CBS", "Not able to query DisableWerReporting flag.  Assuming not set... [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]")
		case r < 76:
			g.CSI("Info", "Warning: Overlap: Duplicate ownership for directory \\??\\C:\\Windows\\System32\\%s in component Microsoft-Windows-%s, version %s, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35}", dirs[g.rnd.IntN(len(dirs))], comps[g.rnd.IntN(len(comps))], g.Version(g.rnd.IntN(4000)))
		case r < 80:
			g.CSI("Info", "Hashes for file member [l:%d]'%s' do not match.", 9, "Appx.psd1")
			g.Cont(" Expected: {l:32 ml:33 b:027fea2e090be00217335c51e41777ef7d6f105789ca49b375ae1083e48420ad}.")
			g.Cont(" Actual: {l:32 b:9f2f5b0e6d3c1a8b7e4d2c0f1e3a5b7c9d0e2f4a6b8c0d1e3f5a7b9c1d3e5f70}.")
		case r < 83:
			g.CSI("Info", "POQ %d starts:", g.rnd.IntN(200))
			n := 1 + g.rnd.IntN(6)
			for j := range n {
				g.Cont("     %d: Move File: Source = [l:192{96}]\"\\SystemRoot\\WinSxS\\Temp\\PendingRenames\\%08x%08x.$$_system32_%s.cdf-ms\", Destination = [l:104{52}]\"\\SystemRoot\\WinSxS\\FileMaps\\$$_system32_%s.cdf-ms\"", j, g.rnd.Uint32(), g.rnd.Uint32(), dirs[g.rnd.IntN(len(dirs))], dirs[g.rnd.IntN(len(dirs))])
			}
			g.Cont("POQ %d ends.", g.rnd.IntN(200))
		case r < 85:
			g.CSI("Info", "CSIPERF:TXCOMMIT;%d", g.rnd.IntN(100000))
		case r < 88:
			g.Line("Info", "CBS", "Exec: Processing started.  Client: %s, Session: %s, Package: %s, Identifier: KB%d", client, id, g.pkg(), 5000000+g.rnd.IntN(90000))
		case r < 90:
			g.Line("Info", "CBS", "Plan: Package: %s, Update: %s, current: Installed, pending: Default, start: Installed, applicable: Installed, target: Installed, limit: Installed, selected: Default", g.pkg(), comps[g.rnd.IntN(len(comps))])
		case r < 92:
			g.CSI("Info", "[SR] Verifying 100 components")
		case r < 95:
			g.Line("Info", "DPX", "Started DPX phase: Apply Deltas Provided In File")
		default:
			g.Line("Info", "CBS", "Lock: Lock removed: CCbsSessionManager, level: 11, total lock:9")
		}
	}
	g.Line("Info", "CBS", "Session: %s finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]", id)
}

var dirs = []string{"drivers", "wbem", "spool", "en-US", "catroot", "WindowsPowerShell", "Tasks", "LogFiles", "oobe", "migration"}
var comps = []string{"Foundation", "Shell-Wallpaper-Common", "TaskScheduler-Service", "PowerShell", "WMI-Core", "Networking-MPSSVC", "Defender-Core", "Printing-Spooler", "NetFx4-clrcore", "Kernel-PnP"}
