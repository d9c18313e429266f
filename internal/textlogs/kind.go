package textlogs

import (
	"bytes"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/wudiag/wudiag/internal/logline"
	"github.com/wudiag/wudiag/internal/source"
	"github.com/wudiag/wudiag/internal/textdec"
)

// Kind names a text log format.
type Kind string

// The formats a Reader knows.
const (
	WindowsUpdate        Kind = "windowsupdate"         // Get-WindowsUpdateLog output (Windows 10 and later)
	WindowsUpdateClassic Kind = "windowsupdate-classic" // WUA's own tab-separated log (Vista/7/2008 R2)
	ReportingEvents      Kind = "reportingevents"       // SoftwareDistribution\ReportingEvents.log
	ReAgent              Kind = "reagent"               // ReAgent.log, WinREAgent setupact.log
	SetupAct             Kind = "setupact"              // Panther setupact.log / setuperr.log
	MpCmdRun             Kind = "mpcmdrun"              // Defender MpCmdRun.log
	MpSigStub            Kind = "mpsigstub"             // Defender MpSigStub.log
	UpdatePlatform       Kind = "updateplatform"        // Defender UpdatePlatform.exe log
	Burn                 Kind = "burn"                  // WiX Burn bundle logs
	MSI                  Kind = "msi"                   // Windows Installer verbose logs
	Fltmc                Kind = "fltmc"                 // `fltmc filters` output
	Chkdsk               Kind = "chkdsk"                // chkdsk output
	Generic              Kind = "text"                  // any other text: codes and key phrases only
)

// Kinds lists every Kind a Reader accepts.
var Kinds = []Kind{WindowsUpdate, WindowsUpdateClassic, ReportingEvents, ReAgent, SetupAct,
	MpCmdRun, MpSigStub, UpdatePlatform, Burn, MSI, Fltmc, Chkdsk, Generic}

// sniffLines bounds how many lines of the head Sniff reads.
const (
	sniffHead  = 64 << 10
	sniffLines = 400
)

var (
	reMSIBanner = regexp.MustCompile(`(?i)^=== (?:Verbose )?logging (?:started|stopped):`)
	reFltHeader = regexp.MustCompile(`^\s*Filter Name\s+Num Instances`)
	chkdskWords = []string{
		"KB in bad sectors", "Windows has scanned the file system",
		"The type of the file system is", "CHKDSK is verifying", "Examining basic file system structure",
		"file records processed", "KB total disk space", "allocation units on disk",
	}
)

// Sniff tells the kind of a text log from its first bytes (up to 64 KiB
// are looked at, in any encoding textdec reads). name, the file's name or
// path, is only a weak hint: it breaks ties between kinds the content
// supports equally, and picks the kind when the content shows no format
// at all (a fltmc or chkdsk capture with no tell-tale line).
//
// Sniff returns "" for content that is not a text log of this package:
// binary data (EVTX, CAB, ZIP, executables), event-log exports (Event
// Viewer text, XML; package evtx reads them), and CBS.log and dism.log
// (packages cbslog and dismlog read them). Any other text is Generic.
func Sniff(name string, head []byte) Kind {
	if len(head) > sniffHead {
		head = head[:sniffHead]
	}
	if len(head) > 0 && !source.Detect(head[:min(len(head), source.MagicSize)]).Textual() {
		return "" // binary: an event log, an archive, an ETW trace, an executable (source.Detect)
	}
	hint := nameHint(name)
	if len(head) == 0 {
		return orGeneric(hint)
	}
	if isJSON(head) {
		return "" // a JSON document (a case file, an exported report) is not a log
	}
	d := textdec.NewReader(bytes.NewReader(head), nil)
	var (
		score          = map[Kind]int{}
		cbs, dism      int
		bad, total     int
		evName, evID   bool
		fltHeader      bool
		fltRows, lines int
	)
	for d.Next() && lines < sniffLines {
		b := d.Line()
		total += len(b) + 1
		bad += countBinary(b)
		b = logline.Unquote(b)
		t := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\uFEFF")))
		if len(t) == 0 {
			continue
		}
		lines++
		switch {
		case bytes.HasPrefix(t, []byte("Log Name:")):
			evName = true
		case bytes.HasPrefix(t, []byte("Event ID:")):
			evID = true
		case bytes.HasPrefix(t, []byte("<Event ")), bytes.HasPrefix(t, []byte("<Events>")):
			return ""
		}
		switch {
		case reWU10.Match(t):
			score[WindowsUpdate] += 2
		case reWU7.Match(t):
			score[WindowsUpdateClassic] += 2
		case reReportHead.Match(t):
			score[ReportingEvents] += 2
		case reBurn.Match(t):
			score[Burn] += 2
		case reMSITime.Match(t), reMSIBanner.Match(t):
			score[MSI] += 2
		case bytes.HasPrefix(t, []byte("MpCmdRun:")):
			score[MpCmdRun] += 2
		case bytes.Contains(t, []byte("DeltaUpdateFailure")), bytes.Contains(t, []byte("BddUpdateFailure")),
			bytes.Contains(t, []byte("MpSigStub")), bytes.Contains(t, []byte("/MpWUStub")),
			bytes.HasPrefix(t, []byte("====")) && (bytes.Contains(t, []byte("ProductSearch")) || bytes.Contains(t, []byte("ValidateUpdate"))):
			score[MpSigStub] += 2
		case bytes.Contains(bytes.ToLower(t), []byte("update platform")):
			score[UpdatePlatform] += 2
		case reFltHeader.Match(t):
			fltHeader = true
		case reFltRow.Match(t):
			fltRows++
		}
		for _, w := range chkdskWords {
			if bytes.Contains(t, []byte(w)) {
				score[Chkdsk] += 2
				break
			}
		}
		l := logline.Parse(b, nil)
		if l.Kind != logline.Stamped && l.Kind != logline.Bare {
			continue
		}
		switch l.Component {
		case "CBS", "CSI", "DPX":
			cbs++
		case "DISM":
			dism++
		case "":
			if bytes.Contains(l.Msg, []byte("[ReAgentc.exe]")) || bytes.Contains(l.Msg, []byte("[WinREAgent")) {
				score[ReAgent] += 2
			}
		default:
			score[SetupAct]++
		}
	}
	if total > 0 && bad*20 > total {
		return "" // more than 5% control bytes: not text
	}
	if evName && evID {
		return ""
	}
	if fltHeader || (fltRows >= 2 && fltRows*2 >= lines) {
		score[Fltmc] += 2*fltRows + 1
	}
	panther := score[SetupAct] + score[ReAgent]
	if cbs+dism > 0 && panther*4 < cbs+dism {
		return "" // CBS.log or dism.log: cbslog and dismlog read them
	}
	best, bestScore, tie := Kind(""), 0, false
	for _, k := range Kinds {
		switch s := score[k]; {
		case s > bestScore:
			best, bestScore, tie = k, s, false
		case s == bestScore && s > 0:
			tie = true
		}
	}
	if bestScore == 0 {
		return orGeneric(hint)
	}
	if tie && hint != "" && score[hint] == bestScore {
		return hint
	}
	if best == SetupAct && hint == ReAgent {
		// Same grammar; WinREAgent's setupact.log is told by its folder.
		return ReAgent
	}
	return best
}

func orGeneric(k Kind) Kind {
	if k == "" {
		return Generic
	}
	return k
}

// countBinary counts the control characters (other than tab) and U+FFFD
// replacement characters in a decoded line.
func countBinary(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError {
			n++
		}
		i += size
	}
	return n
}

// nameHint maps well-known log file names to their kind.
func nameHint(name string) Kind {
	full := strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
	base := path.Base(full)
	switch {
	case strings.Contains(base, "reportingevents"):
		return ReportingEvents
	case strings.Contains(base, "windowsupdate"):
		return WindowsUpdate
	case strings.Contains(base, "reagent"), strings.Contains(full, "winreagent/"):
		return ReAgent
	case strings.HasPrefix(base, "setupact"), strings.HasPrefix(base, "setuperr"):
		return SetupAct
	case strings.Contains(base, "mpcmdrun"):
		return MpCmdRun
	case strings.Contains(base, "mpsigstub"):
		return MpSigStub
	case strings.Contains(base, "updateplatform"):
		return UpdatePlatform
	case strings.Contains(base, "fltmc"):
		return Fltmc
	case strings.Contains(base, "chkdsk"):
		return Chkdsk
	case strings.HasPrefix(base, "msi") && strings.Contains(base, ".log"), strings.Contains(base, ".msi.log"):
		return MSI
	case strings.Contains(base, "burn"), strings.Contains(base, "bundle"):
		return Burn
	}
	return ""
}

// isJSON reports whether head starts a JSON object or array: '{' or '['
// followed by a quote, a brace, a bracket or the end of the line.
func isJSON(head []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\uFEFF")), " \t\r\n")
	if len(t) < 2 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	u := bytes.TrimLeft(t[1:], " \t\r\n")
	return len(u) > 0 && (u[0] == '"' || u[0] == '{' || u[0] == '[' || u[0] == '}' || u[0] == ']')
}
