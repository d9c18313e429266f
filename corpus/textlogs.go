package corpus

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wudiag/wudiag/codes"
)

// wuLine formats a line of Get-WindowsUpdateLog output.
func wuLine(t time.Time, pid, tid int, comp, msg string) string {
	return fmt.Sprintf("%s.%07d %-5d %-5d %-15s %s\n", t.Format("2006/01/02 15:04:05"), int(fnvHash(msg, t.String())%10000000), pid, tid, comp, msg)
}

// wuLogInstall writes the WindowsUpdate.log lines of an installation's
// outcome: the history record with the mapped and unmapped results, then
// the COM API summary.
func (b *builder) wuLogInstall(at time.Time, u *wuUpdate, code uint32, unmapped string) {
	pid, tid := 1000+b.rnd.IntN(20000), 1000+b.rnd.IntN(20000)
	if unmapped == "" {
		unmapped = fmt.Sprintf("%08X", code)
	}
	failed := 0
	if code != 0 {
		failed = 1
	}
	text := wuLine(at, pid, tid, "Agent", fmt.Sprintf("LogHistory called.   idUpdate=%s.%d, resultMapped=%08X,   resultUnMapped=%s", u.guid, u.rev, code, unmapped))
	text += wuLine(at.Add(20*time.Millisecond), 1000+b.rnd.IntN(20000), 1000+b.rnd.IntN(20000), "ComApi",
		fmt.Sprintf("Install call complete   (succeeded = %d, succeeded with errors = 0, failed = %d, cancelled = 0,   unaccounted = 0)", 1-failed, failed))
	b.textAt(pathWULog, at, text)
}

type wuLogArgs struct {
	Line string `yaml:"line"` // download_failure
	URL  string `yaml:"url"`
	Path string `yaml:"path"`
	Code string `yaml:"code"`
}

// wuLog writes a WindowsUpdate.log passage.
func (b *builder) wuLog(at time.Time, n *yaml.Node) error {
	var a wuLogArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	c, err := parseCode(a.Code, 0x80070070)
	if err != nil {
		return err
	}
	switch a.Line {
	case "download_failure":
		b.textAt(pathWULog, at, wuLine(at, 1000+b.rnd.IntN(20000), 1000+b.rnd.IntN(20000), "DownloadManager",
			fmt.Sprintf("Windows failed to download from %s to local path = %s with error %s", a.URL, a.Path, codes.Code(c))))
	default:
		return fmt.Errorf("line %q: want download_failure", a.Line)
	}
	return nil
}

type mpCmdRunArgs struct {
	Command string `yaml:"command"`
	HR      string `yaml:"hr"` // "" for success
}

// ctimeLRM formats a time the way MpCmdRun does on an English system:
// a ctime-like date with U+200E marks before the parts.
func ctimeLRM(t time.Time) string {
	return "\u200e" + t.Format("Mon") + " \u200e" + t.Format("Jan") + " \u200e" + t.Format("02") + " \u200e" + t.Format("2006 15:04:05")
}

// mpCmdRun writes one MpCmdRun.log run (UTF-16LE).
func (b *builder) mpCmdRun(at time.Time, n *yaml.Node) error {
	var a mpCmdRunArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	if b.m.ja {
		return fmt.Errorf("MpCmdRun's Japanese date format is not known; not written on ja machines")
	}
	if a.Command == "" {
		a.Command = "SignatureUpdate -ScheduleJob -RestrictPrivileges"
	}
	sep := strings.Repeat("-", 85)
	s := sep + "\n" +
		"MpCmdRun: Command Line: \"C:\\Program Files\\Windows Defender\\MpCmdRun.exe\" " + a.Command + "\n" +
		" Start Time: " + ctimeLRM(at) + "\n\n"
	end := at
	if a.HR != "" {
		c, err := parseCode(a.HR, 0)
		if err != nil {
			return err
		}
		end = at.Add(34 * time.Second)
		s += fmt.Sprintf("Update failed with hr: %s\n", codes.Code(c))
	} else {
		s += "Run as Network Service\n"
	}
	s += "MpCmdRun: End Time: " + ctimeLRM(end) + "\n" + sep + "\n\n\n"
	f := b.textAt(pathMpCmdRun, at, s)
	f.utf16 = true
	return nil
}

type burnArgs struct {
	Bundle   string   `yaml:"bundle"`   // WixBundleName
	Log      string   `yaml:"log"`      // file name under Windows/Temp
	Packages []string `yaml:"packages"` // MSI packages planned
	Result   string   `yaml:"result"`
}

// burn writes a WiX Burn bundle log: the planned packages, the failing
// MSI package and the apply result.
func (b *builder) burn(at time.Time, n *yaml.Node) error {
	var a burnArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	c, err := parseCode(a.Result, 0x80070643)
	if err != nil {
		return err
	}
	pid, tid := 0x1000+b.rnd.IntN(0x8000), 0x1000+b.rnd.IntN(0x8000)
	ts := func(t time.Time, msg string) string {
		return fmt.Sprintf("[%04X:%04X][%s]%s\n", pid, tid, t.Format("2006-01-02T15:04:05"), msg)
	}
	start := at.Add(-8 * time.Second)
	var s strings.Builder
	s.WriteString(ts(start, fmt.Sprintf("i000: Setting string variable 'WixBundleName' to value '%s'", a.Bundle)))
	for _, p := range a.Packages {
		s.WriteString(ts(start, fmt.Sprintf("i201: Planned package: %s, state: Absent, default requested: Present, ba requested: Present, execute: Install, rollback: Uninstall, cache: Yes, uncache: No, dependency: Register", p)))
	}
	if codes.Code(c).Failed() && len(a.Packages) > 0 {
		s.WriteString(ts(at.Add(-time.Second), fmt.Sprintf("e000: Error %s: Failed to install MSI package.", codes.Code(c))))
	}
	s.WriteString(ts(at, fmt.Sprintf("i399: Apply complete, result: %s, restart: None, ba requested restart:  No", codes.Code(c))))
	name := a.Log
	if name == "" {
		name = "dd_bundle.log"
	}
	b.textAt("Windows/Temp/"+name, at, s.String())
	return nil
}

type avArgs struct {
	Products []string `yaml:"products"` // "Name|Path"
}

// setupActAV writes the "Antivirus software information:" block that
// setup writes into Panther\setupact.log, one line per product.
func (b *builder) setupActAV(at time.Time, n *yaml.Node) error {
	var a avArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	var s strings.Builder
	s.WriteString(at.Format("2006-01-02 15:04:05") + ", Info                  SP     Antivirus software information:\n")
	for _, p := range a.Products {
		name, path, _ := strings.Cut(p, "|")
		fmt.Fprintf(&s, "%35sName: %s, Path: %s, Timestamp: %s, State: %d\n", "", name, path, at.Add(-40*24*time.Hour).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), avState(name))
	}
	s.WriteString("\n")
	b.textAt(pathSetupAct, at, s.String()).bom = true
	return nil
}

type fltmcArgs struct {
	Filters []string `yaml:"filters"` // "name instances altitude"
}

// fltmc writes the output of `fltmc filters` saved by the collector.
func (b *builder) fltmc(at time.Time, n *yaml.Node) error {
	var a fltmcArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	var s strings.Builder
	s.WriteString("\nFilter Name                     Num Instances    Altitude    Frame\n" +
		"------------------------------  -------------  ------------  -----\n")
	for _, f := range a.Filters {
		p := strings.Fields(f)
		if len(p) != 3 {
			return fmt.Errorf("filter %q: want \"name instances altitude\"", f)
		}
		fmt.Fprintf(&s, "%-30s  %13s  %12s  %5s\n", p[0], p[1], p[2], "0")
	}
	b.textAt(pathFltmc, at, s.String())
	return nil
}

// avState is the product state setup logs: Defender's value from the
// real sample, and an enabled, up-to-date third-party product.
func avState(name string) int {
	if strings.Contains(name, "Defender") {
		return 397568
	}
	return 266240
}
