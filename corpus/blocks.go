package corpus

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/wudiag/wudiag/codes"
	"github.com/wudiag/wudiag/internal/evtxwrite"
	"github.com/wudiag/wudiag/internal/synth"
)

// A blockFunc writes one building block of a timeline at local time at.
type blockFunc func(b *builder, at time.Time, args *yaml.Node) error

// blocks is the vocabulary of scenario files. Each block writes what
// Windows writes for one happening, in every file that records it.
var blocks map[string]blockFunc

func init() {
	blocks = map[string]blockFunc{
		"wu_success":     func(b *builder, at time.Time, n *yaml.Node) error { return b.wu(at, n, false) },
		"wu_failure":     func(b *builder, at time.Time, n *yaml.Node) error { return b.wu(at, n, true) },
		"winreagent":     (*builder).winreAgent,
		"defender":       (*builder).defender,
		"securitycenter": (*builder).securityCenter,
		"scm":            (*builder).scm,
		"msi":            (*builder).msi,
		"disk":           (*builder).disk,
		"cbs":            (*builder).cbsBlock,
		"dism":           (*builder).dismBlock,
		"windowsupdate":  (*builder).wuLog,
		"mpcmdrun":       (*builder).mpCmdRun,
		"burn":           (*builder).burn,
		"setupact_av":    (*builder).setupActAV,
		"fltmc":          (*builder).fltmc,
	}
}

// blockNames lists the building blocks scenario files can use.
func blockNames() []string {
	var ns []string
	for n := range blocks {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

const (
	provWU        = "Microsoft-Windows-WindowsUpdateClient"
	guidWU        = "{945A8954-C147-4ACD-923F-40C45405A658}"
	provServicing = "Microsoft-Windows-Servicing"
	guidServicing = "{BD12F3B8-FC40-4A61-A307-B7A013A069C1}"
	nsSetup       = "http://manifests.microsoft.com/win/2004/08/windows/setup_provider"
	provDefender  = "Microsoft-Windows-Windows Defender"
	guidDefender  = "{11CD958A-C507-4EF3-B3F2-5FD9DFBD2C78}"
	provWinRE     = "Microsoft-Windows-WinREAgent"
	guidWinRE     = "{1F7A6C55-5532-573B-35B7-2107E43A6EF5}"
	provSCM       = "Service Control Manager"
	guidSCM       = "{555908d1-a6d7-4695-8e1e-26931d2012f4}"

	serviceWU   = "{9482F4B4-E343-43B6-B170-9A65BC822C77}"
	serviceMU   = "{7971F918-A847-4430-9279-4A52D1EFE18D}"
	serviceWSUS = "{3DA21691-E39D-4DA6-8A4B-B43877BCB1B7}"
)

// parseCode reads a code in any spelling, or returns def for "".
func parseCode(s string, def uint32) (uint32, error) {
	if s == "" {
		return def, nil
	}
	c, err := codes.Parse(s)
	return uint32(c), err
}

// hr renders the CBS "[HRESULT = 0x… - NAME]" suffix.
func hr(c uint32) string {
	if info, ok := codes.Lookup(codes.Code(c)); ok && info.Name != "" {
		return fmt.Sprintf("[HRESULT = %s - %s]", codes.Code(c), info.Name)
	}
	if c>>16 == 0x8024 {
		return fmt.Sprintf("[HRESULT = %s - Unknown Error]", codes.Code(c))
	}
	return fmt.Sprintf("[HRESULT = %s]", codes.Code(c))
}

// A wuUpdate is one Windows Update offering.
type wuUpdate struct {
	kind, kb, title, guid string
	rev                   uint32
	service               string
	pkg                   string // CBS package identity, "" for non-CBS updates
}

type wuArgs struct {
	Kind     string `yaml:"kind"`     // cu, security, ssu, dotnet, si, platform, msrt, winre, other
	KB       string `yaml:"kb"`       // KB5034441
	Month    string `yaml:"month"`    // 2024-01
	Version  string `yaml:"version"`  // si/platform/msrt version
	Title    string `yaml:"title"`    // overrides the built title
	Code     string `yaml:"code"`     // event 20 errorCode (default 0x80070643, or the CBS code)
	Service  string `yaml:"service"`  // wu (default), mu, wsus
	Revision int    `yaml:"revision"` // new build revision of a cu/ssu package
	// CBS names the failure passage inside the CBS session (see cbsFailures);
	// CBSCode is the session's result (default: the passage's own code).
	CBS     string `yaml:"cbs"`
	CBSCode string `yaml:"cbs_code"`
	File    string `yaml:"file"`     // file named by the CBS passage
	WULog   bool   `yaml:"wulog"`    // also write WindowsUpdate.log lines
	Unmap   string `yaml:"unmapped"` // resultUnMapped in WindowsUpdate.log
	Reboot  bool   `yaml:"reboot"`   // success that needs a restart (Servicing 4)
	NoCBS   bool   `yaml:"no_cbs"`   // the update left no CBS session
	Stage   string `yaml:"stage"`    // "download": the download failed (44 only)
	Attempt int    `yaml:"attempt"`  // nth try of the same update (same GUID)
}

func (b *builder) newUpdate(a *wuArgs) (*wuUpdate, error) {
	u := &wuUpdate{kind: a.Kind, kb: a.KB, title: a.Title, service: serviceWU}
	switch a.Service {
	case "", "wu":
	case "mu":
		u.service = serviceMU
	case "wsus":
		u.service = serviceWSUS
	default:
		return nil, fmt.Errorf("service %q: want wu, mu or wsus", a.Service)
	}
	switch a.KB {
	case "KB2267602":
		u.kind = "si"
	case "KB4052623":
		u.kind = "platform"
	case "KB890830":
		u.kind = "msrt"
	case "KB5034441", "KB5034440", "KB5034439", "KB5057589", "KB5057588":
		u.kind = "winre"
	}
	if u.title == "" {
		kind := u.kind
		if kind == "winre" {
			kind = "security"
		}
		t, err := b.m.title(kind, a.KB, a.Month, a.Version)
		if err != nil {
			return nil, err
		}
		u.title = t
	}
	u.guid = guid(b.s.Name, u.title)
	u.rev = uint32(1 + fnvHash(u.title)%300)
	rev := a.Revision
	if rev == 0 {
		rev = b.m.ubr + 40 + int(fnvHash(a.KB)%60)
	}
	switch u.kind {
	case "cu":
		u.pkg = fmt.Sprintf("Package_for_RollupFix~31bf3856ad364e35~amd64~~%d.%d.1.%d", b.m.pkgBuild, rev, 1+fnvHash(a.KB)%12)
	case "ssu":
		u.pkg = fmt.Sprintf("Package_for_ServicingStack_%d~31bf3856ad364e35~amd64~~%d.%d.1.1", rev, b.m.pkgBuild, rev)
	case "dotnet":
		u.pkg = fmt.Sprintf("Package_for_DotNetRollup_481~31bf3856ad364e35~amd64~~10.0.%d.1", 9200+fnvHash(a.KB)%60)
	case "security":
		u.pkg = fmt.Sprintf("Package_for_%s~31bf3856ad364e35~amd64~~10.0.1.%d", a.KB, 1+fnvHash(a.KB)%8)
	}
	if a.NoCBS {
		u.pkg = ""
	}
	return u, nil
}

func (b *builder) wuEvent(t time.Time, id uint16, u *wuUpdate, code uint32) {
	ev := evtxwrite.Event{Provider: provWU, ProviderGUID: guidWU, EventID: id, Version: 1, Level: 4, Task: 1, Opcode: 13,
		Keywords: 0x8000000000000018, UserID: "S-1-5-18"}
	var data []evtxwrite.Field
	if id == 20 {
		ev.Level, ev.Keywords = 2, 0x8000000000000028
		data = append(data, evtxwrite.Field{Name: "errorCode", Value: evtxwrite.HexInt32(code)})
	}
	data = append(data,
		evtxwrite.Field{Name: "updateTitle", Value: u.title},
		evtxwrite.Field{Name: "updateGuid", Value: evtxwrite.GUID(u.guid)},
		evtxwrite.Field{Name: "updateRevisionNumber", Value: u.rev})
	if id == 19 || id == 20 {
		data = append(data, evtxwrite.Field{Name: "serviceGuid", Value: evtxwrite.GUID(u.service)})
	}
	ev.Data = data
	b.event(pathSystem, t, ev)
}

func (b *builder) wuOpEvent(t time.Time, id uint16, data ...evtxwrite.Field) {
	b.event(pathWUOp, t, evtxwrite.Event{Provider: provWU, ProviderGUID: guidWU, EventID: id, Version: 1, Level: 4, Task: 1,
		Opcode: 12, Keywords: 0x4000000000000022, UserID: "S-1-5-18", Data: data})
}

// servicingEvent writes Microsoft-Windows-Servicing 1 (initiate), 2
// (changed), 3 (failed) or 4 (reboot needed) in the new schema.
func (b *builder) servicingEvent(t time.Time, id uint16, kb, client string, code uint32) {
	ev := evtxwrite.Event{Provider: provServicing, ProviderGUID: guidServicing, EventID: id, Keywords: 0x8000000000000000,
		Task: 1, UserID: "S-1-5-18", UserDataNS: nsSetup}
	if id == 1 {
		ev.UserData = "CbsPackageInitiateChanges"
		ev.Data = []evtxwrite.Field{{Name: "PackageIdentifier", Value: kb}, {Name: "InitialPackageState", Value: uint32(5000)},
			{Name: "InitialPackageStateTextized", Value: "Absent"}, {Name: "IntendedPackageState", Value: uint32(5112)},
			{Name: "IntendedPackageStateTextized", Value: "Installed"}, {Name: "Client", Value: client}}
	} else {
		ev.UserData = "CbsPackageChangeState"
		ev.Data = []evtxwrite.Field{{Name: "PackageIdentifier", Value: kb}, {Name: "IntendedPackageState", Value: uint32(5112)},
			{Name: "IntendedPackageStateTextized", Value: "Installed"}, {Name: "ErrorCode", Value: evtxwrite.HexInt32(code)},
			{Name: "Client", Value: client}}
	}
	b.event(pathSetup, t, ev)
}

// wu writes one Windows Update installation: download (44, Operational
// 41), start (43), the CBS session and Servicing events for CBS packages,
// and the outcome (19, or 20 with the error code).
func (b *builder) wu(at time.Time, n *yaml.Node, failed bool) error {
	var a wuArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	u, err := b.newUpdate(&a)
	if err != nil {
		return err
	}
	var fail *cbsFailure
	if a.CBS != "" {
		f, ok := cbsFailures[a.CBS]
		if !ok {
			return fmt.Errorf("cbs: unknown failure passage %q (known: %s)", a.CBS, strings.Join(cbsFailureNames(), ", "))
		}
		fail = &f
	}
	var cbsCode uint32
	if failed {
		def := uint32(0x80070643)
		if fail != nil {
			def = fail.code
		}
		cbsCode, err = parseCode(a.CBSCode, def)
		if err != nil {
			return err
		}
	}
	code := uint32(0)
	if failed {
		def := cbsCode
		if u.pkg == "" || a.CBSCode == "" && fail == nil {
			def = 0x80070643
		}
		if code, err = parseCode(a.Code, def); err != nil {
			return err
		}
	}
	if a.Stage == "download" {
		b.wuEvent(at.Add(-3*time.Minute), 44, u, 0)
		return nil
	}
	if a.Attempt <= 1 {
		b.wuEvent(at.Add(-14*time.Minute), 44, u, 0)
		b.wuOpEvent(at.Add(-6*time.Minute), 41, evtxwrite.Field{Name: "updateTitle", Value: u.title},
			evtxwrite.Field{Name: "updateGuid", Value: evtxwrite.GUID(u.guid)}, evtxwrite.Field{Name: "updateRevisionNumber", Value: u.rev})
	}
	b.wuEvent(at.Add(-4*time.Minute), 43, u, 0)
	if u.pkg != "" {
		kb := u.kb
		start := at.Add(-3 * time.Minute)
		b.servicingEvent(start, 1, kb, "WindowsUpdateAgent", 0)
		switch {
		case failed:
			b.servicingEvent(at.Add(-8*time.Second), 3, kb, "WindowsUpdateAgent", cbsCode)
		case a.Reboot:
			b.servicingEvent(at.Add(-8*time.Second), 4, kb, "WindowsUpdateAgent", 0)
		default:
			b.servicingEvent(at.Add(-8*time.Second), 2, kb, "WindowsUpdateAgent", 0)
		}
		b.cbsAt(start, func(g *synth.CBSWriter) { b.cbsInstall(g, u, fail, &a, cbsCode, a.Reboot) })
	}
	if failed {
		b.wuEvent(at, 20, u, code)
	} else {
		b.wuEvent(at, 19, u, 0)
	}
	if a.WULog {
		b.wuLogInstall(at, u, code, a.Unmap)
	}
	return nil
}

// cbsInstall writes the CBS session of a Windows Update installation.
func (b *builder) cbsInstall(g *synth.CBSWriter, u *wuUpdate, fail *cbsFailure, a *wuArgs, code uint32, reboot bool) {
	id := g.SessionID()
	g.Line("Info", "CBS", "Session: %s initialized by client WindowsUpdateAgent, external staging directory: (null), external registry directory: (null)", id)
	for i := 0; i < 6+g.Rand().IntN(10); i++ {
		g.Line("Info", "CBS", "Appl: Evaluating package applicability for package %s, applicable state: Installed", u.pkg)
	}
	g.Line("Info", "CBS", "Exec: Processing started.  Client: WindowsUpdateAgent, Session: %s, Package: %s, Identifier: %s", id, u.pkg, u.kb)
	g.Line("Info", "CBS", "Exec: Installing Package: %s, Update: %s-%d_neutral_PACKAGE, InstallDeployment: %s", u.pkg, strings.TrimPrefix(u.kb, "KB"), 1000+fnvHash(u.kb)%3000, b.deployment("microsoft-windows-s..cingstack-inetsrv"))
	if fail == nil && code == 0 {
		for i := 0; i < 20+g.Rand().IntN(30); i++ {
			g.CSI("Info", "Warning: Overlap: Duplicate ownership for directory \\??\\C:\\Windows\\System32\\%s in component %s, version %s, arch amd64, nonSxS, pkt {l:8 b:31bf3856ad364e35}",
				[]string{"drivers", "wbem", "en-US", "Tasks"}[g.Rand().IntN(4)], []string{"Microsoft-Windows-Foundation", "Microsoft-Windows-WMI-Core", "Microsoft-Windows-TaskScheduler-Service"}[g.Rand().IntN(3)], g.Version(b.m.ubr))
		}
		g.CSI("Info", "CSIPERF:TXCOMMIT;%d", 20000+g.Rand().IntN(80000))
		g.Line("Info", "CBS", "Exec: Processing complete.  Session: %s, Package: %s, Identifier: %s %s", id, u.pkg, u.kb, hr(0))
		r := "no"
		if reboot {
			r = "yes"
		}
		g.Line("Info", "CBS", "Session: %s finalized. Reboot required: %s %s", id, r, hr(0))
		return
	}
	source := "Execute"
	if fail != nil {
		source = fail.write(b, g, u, a)
	}
	g.Line("Error", "CBS", "Failed to process single phase execution. %s", hr(code))
	g.Line("Info", "CBS", "WER: Generating failure report for package: %s, status: %s, failure source: %s, start state: Staged, target state: Installed, client id: WindowsUpdateAgent", u.pkg, codes.Code(code), source)
	g.Line("Info", "CBS", "Reporting package change completion for package: %s, current: Staged, original: Staged, target: Installed, status: %s, failure source: %s, failure details: \"(null)\", client id: WindowsUpdateAgent, initiated offline: False, execution sequence: %d, first merged sequence: %d, reboot required: False", u.pkg, codes.Code(code), source, 1900+fnvHash(u.kb)%200, 1900+fnvHash(u.kb)%200)
	g.Line("Info", "CBS", "Exec: Processing complete.  Session: %s, Package: %s, Identifier: %s %s", id, u.pkg, u.kb, hr(code))
	g.Line("Info", "CBS", "Session: %s finalized. Reboot required: no %s", id, hr(code))
}

// deployment returns a WinSxS directory name for a component.
func (b *builder) deployment(comp string) string {
	return fmt.Sprintf("amd64_%s_31bf3856ad364e35_10.0.%d.%d_none_%016x", comp, b.m.pkgBuild, b.m.ubr, fnvHash(comp, b.m.Build))
}

type winreArgs struct {
	ID      uint16 `yaml:"id"`      // 4500, 4501, 4502
	Phase   uint32 `yaml:"phase"`   // ErrorPhase of 4502
	Code    string `yaml:"code"`    // Errorcode of 4502
	Version string `yaml:"version"` // Version of 4501
}

// winreAgent writes a Microsoft-Windows-WinREAgent event in System; 4501
// and 4502 are preceded by 4500 (servicing started) a minute earlier.
func (b *builder) winreAgent(at time.Time, n *yaml.Node) error {
	var a winreArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	ev := evtxwrite.Event{Provider: provWinRE, ProviderGUID: guidWinRE, EventID: a.ID, Level: 4, Keywords: 0x8000000000000000, UserID: "S-1-5-18"}
	switch a.ID {
	case 4500:
	case 4501:
		v := a.Version
		if v == "" {
			v = fmt.Sprintf("10.0.%d.%d", b.m.display, b.m.ubr+40)
		}
		ev.Data = []evtxwrite.Field{{Name: "Version", Value: v}}
	case 4502:
		c, err := parseCode(a.Code, 0x800f0828)
		if err != nil {
			return err
		}
		ev.Level = 2
		ev.Data = []evtxwrite.Field{{Name: "ErrorPhase", Value: a.Phase}, {Name: "Errorcode", Value: int32(c)}}
	default:
		return fmt.Errorf("id %d: want 4500, 4501 or 4502", a.ID)
	}
	if a.ID != 4500 {
		b.event(pathSystem, at.Add(-time.Minute), evtxwrite.Event{Provider: provWinRE, ProviderGUID: guidWinRE, EventID: 4500, Level: 4, Keywords: 0x8000000000000000, UserID: "S-1-5-18"})
	}
	b.event(pathSystem, at, ev)
	return nil
}

type defenderArgs struct {
	ID          uint16 `yaml:"id"`          // 2000, 2001, 5001, 5007, 1150
	Version     string `yaml:"version"`     // new security intelligence version
	Previous    string `yaml:"previous"`    // previous version
	Engine      string `yaml:"engine"`      // engine version
	Error       string `yaml:"error"`       // 2001 Error Code
	Description string `yaml:"description"` // 2001 Error Description
	Source      string `yaml:"source"`      // Update Source: "Microsoft Update Server" (default), "User initiated", "File share"
	Old         string `yaml:"old"`
	New         string `yaml:"new"`
}

// defender writes an event of the Defender Operational log with the
// field names of the machine's platform era.
func (b *builder) defender(at time.Time, n *yaml.Node) error {
	var a defenderArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	b.defenderEvent(at, &a)
	return nil
}

func (b *builder) defenderEvent(at time.Time, a *defenderArgs) {
	si, sit := "security intelligence", "Security intelligence"
	if b.m.oldDefenderNames() {
		si, sit = "Signature", "Signature"
	}
	if a.Engine == "" {
		a.Engine = "1.1.24010.10"
	}
	if a.Source == "" {
		a.Source = "Microsoft Update Server"
	}
	ev := evtxwrite.Event{Provider: provDefender, ProviderGUID: guidDefender, EventID: a.ID, Level: 4, Keywords: 0x8000000000000000, UserID: "S-1-5-18"}
	prod := evtxwrite.Field{Name: "Product Name", Value: b.m.defenderProduct()}
	ver := evtxwrite.Field{Name: "Product Version", Value: b.m.Defender}
	f := func(name string, v any) evtxwrite.Field { return evtxwrite.Field{Name: name, Value: v} }
	user := []evtxwrite.Field{f("Domain", "NT AUTHORITY"), f("User", "SYSTEM"), f("SID", "S-1-5-18"),
		f(sit+" Type Index", "1"), f(sit+" Type", "AntiVirus"), f("Update Type Index", "1"), f("Update Type", "Full")}
	switch a.ID {
	case 2000:
		ev.Data = append([]evtxwrite.Field{prod, ver, f("Current "+si+" Version", a.Version), f("Previous "+si+" Version", a.Previous),
			f("Unused", ""), f("Unused2", ""), f("Unused3", "")}, append(user, f("Current Engine Version", a.Engine), f("Previous Engine Version", a.Engine))...)
	case 2001:
		ev.Level = 2
		c, _ := parseCode(a.Error, 0x80070643)
		desc := a.Description
		if desc == "" {
			desc = "Fatal error during installation. "
		}
		ev.Data = append([]evtxwrite.Field{prod, ver, f("Current "+si+" Version", a.Version), f("Previous "+si+" Version", a.Previous),
			f("Update Source Index", "7"), f("Update Source", a.Source), f("Unused", "")},
			append(user, f("Current Engine Version", ""), f("Previous Engine Version", a.Engine),
				f("Error Code", codes.Code(c).String()), f("Error Description", desc),
				f("Update State Index", "3"), f("Update State", "Install"), f("Source Path", "https://fe2cr.update.microsoft.com/v6/"))...)
	case 5001:
		ev.Level = 3
		ev.Data = []evtxwrite.Field{prod, ver}
	case 5007:
		ev.Data = []evtxwrite.Field{prod, ver, f("Old Value", a.Old), f("New Value", a.New)}
	case 1150:
		ev.Data = []evtxwrite.Field{prod, f("Platform version", b.m.Defender), f("Unused", ""), f("Engine version", a.Engine),
			f("Security intelligence version", a.Version)}
	}
	b.event(pathDefenderOp, at, ev)
}

type productArgs struct {
	Product string `yaml:"product"`
	State   string `yaml:"state"`
}

// securityCenter writes SecurityCenter 15 (Application): a security
// product's state was updated.
func (b *builder) securityCenter(at time.Time, n *yaml.Node) error {
	var a productArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	if a.State == "" {
		a.State = "SECURITY_PRODUCT_STATE_ON"
	}
	b.securityCenterEvent(at, a.Product, a.State)
	return nil
}

func (b *builder) securityCenterEvent(at time.Time, product, state string) {
	b.event(pathApplication, at, evtxwrite.Event{Provider: "SecurityCenter", EventID: 15, HasQualifiers: true, Level: 4,
		Keywords: 0x0080000000000000, Unnamed: true, Data: []evtxwrite.Field{{Value: product}, {Value: state}}})
}

type scmArgs struct {
	ID      uint16 `yaml:"id"` // 7045, 7000, 7023, 7036
	Name    string `yaml:"name"`
	Image   string `yaml:"image"`
	Type    string `yaml:"type"`  // kernel (default) or user
	Start   string `yaml:"start"` // boot, system, auto, demand
	Account string `yaml:"account"`
	Param2  string `yaml:"param2"` // 7000/7023 error insert, 7036 state
}

// scm writes a Service Control Manager event (System) with the values
// in the machine's language.
func (b *builder) scm(at time.Time, n *yaml.Node) error {
	var a scmArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	ev := evtxwrite.Event{Provider: provSCM, ProviderGUID: guidSCM, EventSourceName: provSCM, EventID: a.ID, HasQualifiers: true,
		Qualifiers: 16384, Level: 4, Keywords: 0x8080000000000000, UserID: "S-1-5-18"}
	f := func(name string, v any) evtxwrite.Field { return evtxwrite.Field{Name: name, Value: v} }
	switch a.ID {
	case 7045:
		typ := map[string][2]string{"": {"kernel mode driver", "カーネル モード ドライバー"}, "kernel": {"kernel mode driver", "カーネル モード ドライバー"},
			"filesystem": {"file system driver", "ファイル システム ドライバー"}, "user": {"user mode service", "ユーザー モード サービス"}}[a.Type]
		start := map[string][2]string{"": {"boot start", "ブート開始"}, "boot": {"boot start", "ブート開始"}, "system": {"system start", "システム開始"},
			"auto": {"auto start", "自動開始"}, "demand": {"demand start", "要求による開始"}}[a.Start]
		l := 0
		if b.m.ja {
			l = 1
		}
		ev.Data = []evtxwrite.Field{f("ServiceName", a.Name), f("ImagePath", a.Image), f("ServiceType", typ[l]), f("StartType", start[l]), f("AccountName", a.Account)}
	case 7000, 7023:
		ev.Qualifiers, ev.Level = 49152, 2
		ev.Data = []evtxwrite.Field{f("param1", a.Name), f("param2", a.Param2)}
	case 7036:
		ev.Data = []evtxwrite.Field{f("param1", a.Name), f("param2", a.Param2)}
	default:
		return fmt.Errorf("id %d: want 7045, 7000, 7023 or 7036", a.ID)
	}
	b.event(pathSystem, at, ev)
	return nil
}

type msiArgs struct {
	Product      string `yaml:"product"`
	Version      string `yaml:"version"`
	Manufacturer string `yaml:"manufacturer"`
	Status       int    `yaml:"status"` // 0, 1603, 1618, 1638
	Reconfigure  bool   `yaml:"reconfigure"`
	User         string `yaml:"user"` // SID; default S-1-5-18
}

// msi writes MsiInstaller events (Application, classic, positional
// data): 1033 (or 1035 for a reconfiguration) with the status, then
// 11707/11708 (11728/11729).
func (b *builder) msi(at time.Time, n *yaml.Node) error {
	var a msiArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	if a.User == "" {
		a.User = "S-1-5-18"
	}
	if a.Manufacturer == "" {
		a.Manufacturer = "Microsoft Corporation"
	}
	pc := guid("msi", a.Product)
	tail := fmt.Sprintf("%016x%016x%08x", fnvHash(a.Product, "a"), fnvHash(a.Product, "b"), uint32(fnvHash(a.Product, "c")))
	bin := []byte(pc + tail)
	id, done := uint16(1033), uint16(11707)
	word := "Installation"
	if a.Reconfigure {
		id, done, word = 1035, 11728, "Configuration"
	}
	lcid := "1033"
	if b.m.ja {
		lcid = "1041"
	}
	msiEv := func(id uint16, data []string, bin []byte) evtxwrite.Event {
		ev := evtxwrite.Event{Provider: "MsiInstaller", EventID: id, HasQualifiers: true, Level: 4, Keywords: 0x0080000000000000,
			UserID: a.User, Unnamed: true, Binary: bin}
		for _, d := range data {
			ev.Data = append(ev.Data, evtxwrite.Field{Value: d})
		}
		return ev
	}
	b.event(pathApplication, at, msiEv(id, []string{a.Product, a.Version, lcid, fmt.Sprint(a.Status), a.Manufacturer, "(NULL)", ""}, bin))
	msg := fmt.Sprintf("Product: %s -- %s completed successfully.", a.Product, word)
	if a.Status != 0 && a.Status != 3010 && a.Status != 1641 {
		done++
		msg = fmt.Sprintf("Product: %s -- %s failed.", a.Product, word)
	}
	b.event(pathApplication, at, msiEv(done, []string{msg, "(NULL)", "(NULL)", "(NULL)", "(NULL)", "(NULL)", ""}, []byte(pc)))
	return nil
}

type diskArgs struct {
	ID   uint16 `yaml:"id"` // 7, 51, 153
	Disk int    `yaml:"disk"`
	LBA  string `yaml:"lba"`
}

// disk writes a disk driver event (System, classic source).
func (b *builder) disk(at time.Time, n *yaml.Node) error {
	var a diskArgs
	if err := decode(n, &a); err != nil {
		return err
	}
	dev := fmt.Sprintf("\\Device\\Harddisk%d\\DR%d", a.Disk, a.Disk)
	ev := evtxwrite.Event{Provider: "disk", EventID: a.ID, HasQualifiers: true, Keywords: 0x0080000000000000, Unnamed: true}
	switch a.ID {
	case 7:
		ev.Qualifiers, ev.Level = 49156, 2
		ev.Data = []evtxwrite.Field{{Value: dev}}
	case 51:
		ev.Provider, ev.Qualifiers, ev.Level = "Disk", 32772, 3
		ev.Data = []evtxwrite.Field{{Value: dev}}
	case 153:
		lba := a.LBA
		if lba == "" {
			lba = fmt.Sprintf("0x%x", 0x400000+b.rnd.IntN(0x3fffff))
		}
		ev.Qualifiers, ev.Level = 32772, 3
		ev.Data = []evtxwrite.Field{{Value: dev}, {Value: lba}, {Value: fmt.Sprint(a.Disk)}, {Value: "\\Device\\00000024"}}
	default:
		return fmt.Errorf("id %d: want 7, 51 or 153", a.ID)
	}
	b.event(pathSystem, at, ev)
	return nil
}
