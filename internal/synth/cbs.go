// Package synth writes large, deterministic, realistic CBS.log and
// dism.log text for benchmarks and memory tests. Every line shape is
// taken from real logs (../shared/docs/text-log-formats.md); the mix
// follows the frequencies seen in real files: mostly Appl: and CSI lines,
// a few percent of lines carrying an HRESULT, multi-line CSI records,
// primitive-operation blocks and store-corruption summaries.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// CBSLog writes about size bytes of CBS.log to w: UTF-8 with a BOM, CRLF
// line ends. The same seed gives the same bytes.
func CBSLog(w io.Writer, size int64, seed uint64) error {
	g := newGen(w, seed)
	g.raw("\xEF\xBB\xBF")
	for g.n < size {
		g.tiStart()
		sessions := 5 + g.rnd.IntN(20)
		for s := 0; s < sessions && g.n < size; s++ {
			g.session()
		}
	}
	return g.bw.Flush()
}

type gen struct {
	bw   *bufio.Writer
	rnd  *rand.Rand
	n    int64
	t    time.Time
	seq  int
	kb   int
	line []byte
}

func newGen(w io.Writer, seed uint64) *gen {
	return &gen{
		bw:  bufio.NewWriterSize(w, 1<<20),
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		t:   time.Date(2024, 1, 9, 3, 12, 44, 0, time.UTC),
		kb:  5034441,
	}
}

func (g *gen) raw(s string) {
	n, _ := g.bw.WriteString(s)
	g.n += int64(n)
}

func (g *gen) tick() {
	if g.rnd.IntN(8) == 0 {
		g.t = g.t.Add(time.Duration(1+g.rnd.IntN(3)) * time.Second)
	}
}

// rec writes one timestamped line.
func (g *gen) rec(level, comp, format string, args ...any) {
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

// csi writes a CSI record with the next counter, sometimes with a UTC stamp.
func (g *gen) csi(level, format string, args ...any) {
	g.seq++
	head := fmt.Sprintf("%08x", g.seq)
	if g.rnd.IntN(4) == 0 {
		u := g.t.Add(8 * time.Hour)
		head += fmt.Sprintf("@%d/%d/%d:%02d:%02d:%02d.%03d", u.Year(), int(u.Month()), u.Day(), u.Hour(), u.Minute(), u.Second(), g.rnd.IntN(1000))
	}
	g.rec(level, "CSI", "%s "+format, append([]any{head}, args...)...)
}

func (g *gen) cont(format string, args ...any) {
	s := fmt.Sprintf(format, args...) + "\r\n"
	g.raw(s)
}

func (g *gen) pkg() string {
	switch g.rnd.IntN(4) {
	case 0:
		return fmt.Sprintf("Package_for_RollupFix~31bf3856ad364e35~amd64~~19041.%d.1.%d", 3000+g.rnd.IntN(900), 1+g.rnd.IntN(9))
	case 1:
		return fmt.Sprintf("Package_%d_for_KB%d~31bf3856ad364e35~amd64~~10.0.1.%d", g.rnd.IntN(4000), 4000000+g.rnd.IntN(1100000), g.rnd.IntN(20))
	default:
		return fmt.Sprintf("Package_for_KB%d~31bf3856ad364e35~amd64~~10.0.1.%d", 4000000+g.rnd.IntN(1100000), g.rnd.IntN(20))
	}
}

func (g *gen) tiStart() {
	g.seq = 0
	g.rec("Info", "CBS", "TI: --- Initializing Trusted Installer ---")
	g.rec("Info", "CBS", "TI: Last boot time: %s.%03d", g.t.Add(-72*time.Hour).Format("2006-01-02 15:04:05"), g.rnd.IntN(1000))
	g.rec("Info", "CBS", "Starting TrustedInstaller initialization.")
	g.rec("Info", "CBS", "Lock: New lock added: CCbsPublicSessionClassFactory, level: 30, total lock:4")
	g.rec("Info", "CBS", "Loaded Servicing Stack v10.0.19041.3920 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3920_none_7e21bc567c7ed16b\\cbscore.dll")
	g.csi("Info", "WcpInitialize (wcp.dll version 0.0.0.6) called (stack @0x7ffd497360e5 @0x7ffd49be2e53 @0x7ffd49be24ac @0x7ff654ced2df @0x7ff654ced9e4 @0x7ffd5b362053)")
	g.csi("Info", "SMI Primitive Installer: Initialized")
	g.rec("Info", "CBS", "Ending TrustedInstaller initialization.")
	g.rec("Info", "CBS", "Starting the TrustedInstaller main loop.")
	g.rec("Info", "CBS", "TrustedInstaller service starts successfully.")
	g.rec("Info", "CBS", "SQM: Failed to start upload with file pattern: C:\\Windows\\servicing\\sqm\\*_std.sqm, flags: 0x2 [HRESULT = 0x80004005 - E_FAIL]")
}

var clients = []string{"WindowsUpdateAgent", "WindowsUpdateAgent", "WindowsUpdateAgent", "WinMgmt", "DISM Package Manager Provider", "CbsTask", "LanguageSettings"}

func (g *gen) session() {
	id := fmt.Sprintf("%d_%d", 31000000+g.rnd.IntN(999999), g.rnd.Uint32())
	client := clients[g.rnd.IntN(len(clients))]
	g.rec("Info", "CBS", "Session: %s initialized by client %s, external staging directory: (null), external registry directory: (null)", id, client)
	lines := 20 + g.rnd.IntN(400)
	for i := 0; i < lines; i++ {
		switch r := g.rnd.IntN(100); {
		case r < 40:
			p := g.pkg()
			g.rec("Info", "CBS", "Appl: detect Parent, Package: %s, Parent: Microsoft-Windows-Client-Features-Package~31bf3856ad364e35~amd64~~10.0.19041.%d, Disposition = Detect, VersionComp: EQ, ServiceComp: GE, BuildComp: GE, DistributionComp: GE, RevisionComp: GE, Exist: present", p, 3000+g.rnd.IntN(900))
		case r < 52:
			g.rec("Info", "CBS", "Appl: Evaluating package applicability for package %s, applicable state: Installed", g.pkg())
		case r < 60:
			g.rec("Info", "CBS", "Read out cached package applicability for package: %s, ApplicableState: 112, CurrentState:112", g.pkg())
		case r < 64:
			g.rec("Info", "CBS", "Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]")
		case r < 66:
			g.rec("Info", "CBS", "Failed to OpenPackage using worker session [HRESULT = 0x800f0805]")
		case r < 68:
			g.rec("Info", "CBS", "Not able to query DisableWerReporting flag.  Assuming not set... [HRESULT = 0x80070002 - ERROR_FILE_NOT_FOUND]")
		case r < 76:
			g.csi("Info", "Warning: Overlap: Duplicate ownership for directory \\??\\C:\\Windows\\System32\\%s in component Microsoft-Windows-%s, version 10.0.19041.%d, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35}", dirs[g.rnd.IntN(len(dirs))], comps[g.rnd.IntN(len(comps))], g.rnd.IntN(4000))
		case r < 80:
			g.csi("Info", "Hashes for file member [l:%d]'%s' do not match.", 9, "Appx.psd1")
			g.cont(" Expected: {l:32 ml:33 b:027fea2e090be00217335c51e41777ef7d6f105789ca49b375ae1083e48420ad}.")
			g.cont(" Actual: {l:32 b:9f2f5b0e6d3c1a8b7e4d2c0f1e3a5b7c9d0e2f4a6b8c0d1e3f5a7b9c1d3e5f70}.")
		case r < 83:
			g.csi("Info", "POQ %d starts:", g.rnd.IntN(200))
			n := 1 + g.rnd.IntN(6)
			for j := 0; j < n; j++ {
				g.cont("     %d: Move File: Source = [l:192{96}]\"\\SystemRoot\\WinSxS\\Temp\\PendingRenames\\%08x%08x.$$_system32_%s.cdf-ms\", Destination = [l:104{52}]\"\\SystemRoot\\WinSxS\\FileMaps\\$$_system32_%s.cdf-ms\"", j, g.rnd.Uint32(), g.rnd.Uint32(), dirs[g.rnd.IntN(len(dirs))], dirs[g.rnd.IntN(len(dirs))])
			}
			g.cont("POQ %d ends.", g.rnd.IntN(200))
		case r < 85:
			g.csi("Info", "CSIPERF:TXCOMMIT;%d", g.rnd.IntN(100000))
		case r < 88:
			g.rec("Info", "CBS", "Exec: Processing started.  Client: %s, Session: %s, Package: %s, Identifier: KB%d", client, id, g.pkg(), 5000000+g.rnd.IntN(90000))
		case r < 90:
			g.rec("Info", "CBS", "Plan: Package: %s, Update: %s, current: Installed, pending: Default, start: Installed, applicable: Installed, target: Installed, limit: Installed, selected: Default", g.pkg(), comps[g.rnd.IntN(len(comps))])
		case r < 92:
			g.csi("Info", "[SR] Verifying 100 components")
		case r < 95:
			g.rec("Info", "DPX", "Started DPX phase: Apply Deltas Provided In File")
		default:
			g.rec("Info", "CBS", "Lock: Lock removed: CCbsSessionManager, level: 11, total lock:9")
		}
	}
	g.rec("Info", "CBS", "Session: %s finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]", id)
}

var dirs = []string{"drivers", "wbem", "spool", "en-US", "catroot", "WindowsPowerShell", "Tasks", "LogFiles", "oobe", "migration"}
var comps = []string{"Foundation", "Shell-Wallpaper-Common", "TaskScheduler-Service", "PowerShell", "WMI-Core", "Networking-MPSSVC", "Defender-Core", "Printing-Spooler", "NetFx4-clrcore", "Kernel-PnP"}
