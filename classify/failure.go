package classify

import (
	"cmp"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/wudiag/wudiag/cbslog"
	"github.com/wudiag/wudiag/codes"
)

// A Failure is one failed installation found in the inputs.
type Failure struct {
	// Update names what failed: a KB ("KB5034441") when known, else the
	// package or product name.
	Update string
	Title  string // the update title or product name as logged
	// Code is the failure's main code; Codes lists every code its reports
	// give (mapped and unmapped result, handler code, exit code, status),
	// Code first.
	Code  codes.Code
	Codes []codes.Code
	// Stage is where it failed, when the logs say: "download", "install",
	// "commit", "rollback", "uninstall", "repair", "scan" or "check".
	Stage Stage
	Time  time.Time
	// Family groups updates whose failures share causes; "" when the
	// update is of none.
	Family Family
	// Resolved reports that a later success of the same update was found
	// (WindowsUpdateClient 19 with the same update GUID or KB, WinREAgent
	// 4501 after a WinRE failure, a later successful MSI install).
	Resolved   bool
	ResolvedBy *Evidence
	// Source is the evidence that reported the failure; Also lists other
	// reports of the same failure (the same update failing in the event
	// log, WindowsUpdate.log and CBS.log).
	Source *Evidence
	Also   []*Evidence
	guid   string
	// download marks a failed download read from WindowsUpdate.log.
	download bool
	// generic marks a failure named only by the component that reported
	// it ("Windows servicing (CBS)"): it folds into a named failure of
	// the same time when there is one.
	generic bool
	// named is a report merged into a generic failure that names its
	// package or product (CBS's package line beside its execution error).
	named *Failure
	// weak marks a failure read from a line a component also writes on
	// machines that end fine (a weak pattern): it is listed, but does not
	// by itself lift a finding above low.
	weak bool
}

// A Family groups updates whose failures share causes (families.yaml).
type Family string

// Families of updates.
const (
	FamilyWinRE    Family = "winre"    // the WinRE update (KB5034441 and its kind)
	FamilyDefender Family = "defender" // Defender platform and security intelligence
	FamilyMSI      Family = "msi"      // .NET, Office and other MSI products
	FamilyLCU      Family = "lcu"      // a cumulative (quality) update
	FamilySSU      Family = "ssu"      // a servicing stack update
)

// family classifies an update by its KB and title (families.yaml).
func family(kb, title string) Family {
	fams := stockFamilies()
	if kb == "" {
		kb = cbslog.FindKB(title)
	}
	for _, f := range fams {
		if kb != "" && contains(f.KBs, kb) {
			return f.Family
		}
	}
	t, lower := fold(title), strings.ToLower(title)
	for _, f := range fams {
		for i, p := range f.titles {
			// A phrase with punctuation (".net") is matched as written;
			// others on folded text, at word starts.
			raw := strings.ToLower(f.Titles[i])
			if strings.ContainsAny(raw, ".+#") {
				if strings.Contains(lower, raw) {
					return f.Family
				}
			} else if p.in(t) {
				return f.Family
			}
		}
	}
	return ""
}

// findFailures lists the failed installations in the evidence, merges
// reports of the same failure, and marks those a later success resolved.
func findFailures(ev []Evidence, pats []*FailurePattern) []*Failure {
	var fs []*Failure
	var successes []*Evidence
	for i := range ev {
		e := &ev[i]
		if f := asFailure(e); f != nil {
			if len(f.Codes) == 0 {
				f.Codes = failedCodes(e, f.Code)
			}
			if f.Update == "" {
				// An event exported as text has no data fields to name
				// the update: its message does.
				if g := patternFailure(e, pats); g != nil {
					f.Update, f.Title, f.Stage, f.generic = g.Update, g.Title, g.Stage, g.generic
					if f.Family == "" {
						f.Family = g.Family
					}
				}
			}
			fs = append(fs, f)
		} else if f := patternFailure(e, pats); f != nil {
			fs = append(fs, f)
		} else if isSuccess(e) {
			successes = append(successes, e)
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Time.Before(fs[j].Time) })
	attachDownloads(fs, ev)
	nameByGUID(fs, ev)
	nameByNeighbour(fs, ev)
	fs = mergeFailures(fs)
	fs = foldGeneric(fs)
	for _, f := range fs {
		if f.generic && f.named != nil {
			f.Update, f.Title, f.generic = f.named.Update, f.named.Title, false
			f.Family = cmp.Or(f.Family, f.named.Family)
		}
	}
	fs = foldInstallerFailures(fs)
	for _, f := range fs {
		for _, s := range successes {
			if resolves(s, f) {
				f.Resolved, f.ResolvedBy = true, s
				break
			}
		}
	}
	return fs
}

// patternFailure reads e with the failure patterns; the first that
// matches wins.
func patternFailure(e *Evidence, pats []*FailurePattern) *Failure {
	switch e.Signal {
	case "cbs.entry", "dism.failure", "textlog.record", "evtx.event":
	default:
		return nil
	}
	for _, p := range pats {
		if s, ok := p.read(e); ok {
			return failureFromStatement(e, s)
		}
	}
	return nil
}

// failedCodes lists main first, then every other failing code of e.
func failedCodes(e *Evidence, main codes.Code) []codes.Code {
	out := []codes.Code{main}
	for _, c := range e.Codes {
		if c.Failed() && !containsCode(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// nameByGUID names failures known only by an update ID after the title
// another line or event of the bundle gives for the same ID.
func nameByGUID(fs []*Failure, ev []Evidence) {
	for _, f := range fs {
		if f.guid == "" || strings.HasPrefix(f.Update, "KB") {
			continue
		}
		for i := range ev {
			e := &ev[i]
			g := normGUID(e.Value("updateGuid"))
			if g == "" {
				g = normGUID(e.Value("update_id"))
			}
			if g != f.guid {
				continue
			}
			title := e.Value("title")
			kb := e.Value("kb")
			if kb == "" {
				kb = cbslog.FindKB(title)
			}
			if title != "" && f.Title == "" {
				f.Title = title
			}
			if kb != "" {
				f.Update = kb
				if f.Family == "" {
					f.Family = family(kb, f.Title)
				}
				break
			}
			if title != "" && (f.Update == "" || strings.HasPrefix(f.Update, "{")) {
				f.Update = title
			}
		}
	}
}

// nameByNeighbour names a failure read from pasted text without a KB
// after an update title on the line just before or after it: Settings
// and its update history show the title on one line and the status on
// the next ("… (KB5034441)" / "Failed to install on 1/9/2024 -
// 0x80070643"), and people paste the error message above the list. The
// nearest line wins, the one before on a tie; only lines within three
// count (a wusa dialog's text, then the command naming the .msu). A failure of winget's installer takes the package winget
// said it found above it.
func nameByNeighbour(fs []*Failure, ev []Evidence) {
	type at struct {
		file string
		line int
	}
	var titles map[at]*Evidence
	for _, f := range fs {
		src := f.Source
		if src == nil || src.Kind != KindText || src.Line == 0 || strings.HasPrefix(f.Update, "KB") {
			continue
		}
		if titles == nil {
			titles = map[at]*Evidence{}
			for i := range ev {
				if e := &ev[i]; e.Kind == KindText && e.Line > 0 && (e.Value("kb") != "" || e.Value("package_id") != "") {
					titles[at{e.File, e.Line}] = e
				}
			}
		}
		for _, d := range []int{-1, 1, -2, 2, -3, 3} {
			t := titles[at{src.File, src.Line + d}]
			if t == nil || len(t.Text) > 300 || t.Value("kb") == "" {
				continue
			}
			kb := t.Value("kb")
			f.Update, f.Title = kb, strings.TrimSpace(t.Text)
			f.Family = cmp.Or(family(kb, f.Title), f.Family)
			break
		}
		if strings.HasPrefix(f.Update, "KB") || !f.generic && f.Update != "installer" {
			continue
		}
		// winget names the package it installs once, above the
		// installer's output: the nearest such line before the failure.
		for d := 1; d <= 60; d++ {
			if t := titles[at{src.File, src.Line - d}]; t != nil && t.Value("package_id") != "" {
				f.Update, f.Title = t.Value("product"), t.Value("product")
				break
			}
		}
	}
}

// foldGeneric folds a failure named only by its component into a named
// failure close to it in time (the same file first), keeping its codes.
func foldGeneric(fs []*Failure) []*Failure {
	var out []*Failure
	for _, f := range fs {
		// A failed repair (DISM /RestoreHealth) is an operation of its own,
		// not another report of the installation it tried to fix.
		if f.generic && f.Stage != StageRepair {
			var best *Failure
			for _, g := range fs {
				related := closeInTime(f.Time, g.Time, 30*time.Minute) ||
					f.Code == g.Code && f.Family != "" && f.Family == g.Family
				if g == f || g.generic || !related {
					continue
				}
				if best == nil || g.Source.File == f.Source.File && best.Source.File != f.Source.File {
					best = g
				}
			}
			if best != nil {
				best.Also = append(best.Also, f.Source)
				best.Codes = addCodes(best.Codes, f.Codes...)
				if best.Stage == "" {
					best.Stage = f.Stage
				}
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// asFailure reports e as a failure when it is one.
func asFailure(e *Evidence) *Failure {
	f := &Failure{Source: e, Time: e.Time}
	switch e.Signal {
	case "evtx.event":
		prov, id := e.Value("provider"), e.Value("event_id")
		switch {
		case prov == "Microsoft-Windows-WindowsUpdateClient" && (id == "20" || id == "31"):
			f.Title = e.Value("title")
			f.guid = normGUID(e.Value("updateGuid"))
			f.Code = firstFailedCode(e)
		case prov == "Microsoft-Windows-Servicing" && (id == "3" || id == "6"):
			f.Title = e.Value("PackageIdentifier")
			f.Code = firstFailedCode(e)
		case prov == "MsiInstaller" && (id == "1033" || id == "1035") && e.Value("status") != "" && e.Value("status") != "0" &&
			e.Value("status") != "3010" && e.Value("status") != "1641":
			f.Title = e.Value("product")
			f.Code = firstFailedCode(e)
		case prov == "MsiInstaller" && id == "11708":
			f.Title = msiProduct(cmp.Or(e.Value("data0"), e.Value("message")))
			f.Code = 0x80070643
		case prov == "MsiInstaller" && id == "1023":
			f.Title = e.Value("data0")
			f.Code = firstFailedCode(e)
		default:
			return nil
		}
	case "cbs.session":
		client := e.Value("client")
		if client != "WindowsUpdateAgent" && client != "UpdateAgentLCU" && client != "wusa" && !strings.HasPrefix(client, "UpdateAgent") {
			return nil
		}
		f.Title = firstLine(e.Value("packages"))
		f.Code = firstFailedCode(e)
	case "textlog.record":
		switch {
		case e.Value("result_mapped") != "":
			c, err := codes.Parse(e.Value("result_mapped"))
			if err != nil || !c.Failed() || notAFailure[c] {
				return nil
			}
			f.Code = c
			f.Title = e.Value("title")
			f.guid = normGUID(e.Value("update_id"))
		case e.Value("url") != "" && strings.Contains(strings.ToLower(e.Text), "failed to download"):
			// "Windows failed to download from <url> to local path = … with
			// error 0x80070070": the update is named by the download-started
			// event before it (see attachDownloads).
			f.Code = firstFailedCode(e)
			f.Title = path.Base(e.Value("url"))
			f.download = true
		case e.Value("status") == "Failure" && strings.Contains(e.Text, "Installation Failure"):
			f.Title = e.Value("title")
			f.Code = firstFailedCode(e)
		default:
			return nil
		}
	default:
		return nil
	}
	if f.Code == 0 {
		return nil
	}
	kb := kbOf(e.Value("kb"), f.Title)
	f.Update = kb
	if f.Update == "" {
		f.Update = f.Title
	}
	if f.Update == "" && f.guid != "" {
		// WindowsUpdate.log names some updates only by their ID.
		f.Update = "{" + f.guid + "}"
	}
	f.Family = family(kb, f.Title)
	if f.Family == "" && e.Value("provider") == "MsiInstaller" {
		f.Family = FamilyMSI
	}
	if f.Family == "" && e.Kind == KindBurn {
		f.Family = FamilyMSI
	}
	if f.Family == "" {
		for _, p := range strings.Split(e.Value("packages"), "\n") {
			if pk, ok := cbslog.ParsePackage(p); ok {
				switch pk.Kind {
				case "rollup":
					f.Family = FamilyLCU
				case "ssu":
					f.Family = FamilySSU
				}
			}
		}
	}
	return f
}

// notAFailure lists Windows Update results with the severity bit that do
// not mean the installation failed.
var notAFailure = map[codes.Code]bool{
	0x80242014: true, // WU_E_UH_POSTREBOOTSTILLPENDING: waiting for the restart
	0x80240017: true, // WU_E_NOT_APPLICABLE
}

func firstFailedCode(e *Evidence) codes.Code {
	for _, c := range e.Codes {
		if c.Failed() {
			return c
		}
	}
	return 0
}

// isSuccess reports evidence of a successful installation.
func isSuccess(e *Evidence) bool {
	if e.Signal != "evtx.event" {
		return false
	}
	prov, id := e.Value("provider"), e.Value("event_id")
	switch {
	case prov == "Microsoft-Windows-WindowsUpdateClient" && id == "19":
		return true
	case prov == "Microsoft-Windows-WinREAgent" && id == "4501":
		return true
	case prov == "Microsoft-Windows-Servicing" && id == "2":
		return firstFailedCode(e) == 0
	case prov == "MsiInstaller" && (id == "1033" || id == "11707") && (e.Value("status") == "0" || id == "11707"):
		return true
	}
	return false
}

// resolves reports whether success s, later than f, is the same update.
func resolves(s *Evidence, f *Failure) bool {
	if !s.Time.IsZero() && !f.Time.IsZero() && !s.Time.After(f.Time) {
		return false
	}
	switch s.Value("provider") {
	case "Microsoft-Windows-WinREAgent":
		return f.Family == FamilyWinRE
	case "Microsoft-Windows-WindowsUpdateClient":
		if f.guid != "" && normGUID(s.Value("updateGuid")) == f.guid {
			return true
		}
		kb := s.Value("kb")
		return kb != "" && kb == f.Update && f.Family != FamilyDefender // KB2267602 is reused for every definition version
	case "Microsoft-Windows-Servicing":
		return s.Value("kb") != "" && s.Value("kb") == f.Update
	case "MsiInstaller":
		p := s.Value("product")
		if p == "" {
			p = strings.TrimSuffix(strings.TrimPrefix(s.Value("data0"), "Product: "), " -- Installation completed successfully.")
		}
		return p != "" && p == f.Title
	}
	return false
}

// mergeFailures folds reports of the same failure (same update within 30
// minutes, or same update GUID) into one, keeping the event-log report
// as the source where there is one.
func mergeFailures(fs []*Failure) []*Failure {
	var out []*Failure
next:
	for _, f := range fs {
		for _, g := range out {
			same := f.guid != "" && f.guid == g.guid ||
				f.Update == g.Update && f.Update != "" && closeInTime(f.Time, g.Time, 30*time.Minute) ||
				// Retries of one update failing the same way are one
				// failure; its time is the latest attempt's.
				f.Update == g.Update && f.Update != "" && f.Code == g.Code ||
				// The same failure told by two components, one of which
				// does not know the KB (CBS names the package, the event
				// log the KB).
				f.Code == g.Code && (!isKB(f.Update) || !isKB(g.Update)) && closeInTime(f.Time, g.Time, 10*time.Minute)
			if !same {
				continue
			}
			if isKB(f.Update) && !isKB(g.Update) {
				g.Update, g.Family = f.Update, f.Family
				g.generic = false
			}
			if g.generic && !f.generic && g.named == nil {
				g.named = f // the name to give g if nothing better comes
			}
			later := f.Time.After(g.Time)
			if later {
				g.Time = f.Time
			}
			g.weak = g.weak && f.weak
			// The report shown is the strongest kind, and of those the
			// latest attempt, so its place and its time agree.
			if reportRank(f.Source) > reportRank(g.Source) || later && reportRank(f.Source) == reportRank(g.Source) {
				g.Also = append(g.Also, g.Source)
				g.Source, g.Code = f.Source, f.Code
				if f.Title != "" {
					g.Title = f.Title
				}
				if f.guid != "" {
					g.guid = f.guid
				}
				g.Codes = addCodes([]codes.Code{f.Code}, g.Codes...)
			} else {
				g.Also = append(g.Also, f.Source)
			}
			g.Codes = addCodes(g.Codes, f.Codes...)
			if g.Title == "" {
				g.Title = f.Title
			}
			if g.Stage == "" {
				g.Stage = f.Stage
			}
			if g.Family == "" {
				g.Family = f.Family
			}
			continue next
		}
		out = append(out, f)
	}
	return out
}

func isKB(s string) bool { return strings.HasPrefix(s, "KB") }

// msiProduct returns the product an MsiInstaller message names
// ("Product: X -- Installation failed.", "製品: X -- インストールに失敗しました。").
func msiProduct(msg string) string {
	msg = strings.TrimSpace(msg)
	for _, p := range []string{"Product:", "製品:", "製品："} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			msg = strings.TrimSpace(rest)
			break
		}
	}
	msg, _, _ = strings.Cut(msg, " -- ")
	return msg
}

// kbOf returns the first KB the texts name, else the KB of a payload they
// name (families.yaml payloads: a log that names only the downloaded
// file, as a URL or a cached file), else "".
func kbOf(texts ...string) string {
	for _, t := range texts {
		if kb := cbslog.FindKB(t); kb != "" {
			return kb
		}
	}
	for _, t := range texts {
		if kb := payloadKB(t); kb != "" {
			return kb
		}
	}
	return ""
}

// reportRank orders failure reports: event log first.
func reportRank(e *Evidence) int {
	switch e.Signal {
	case "evtx.event":
		return 3
	case "textlog.record":
		return 2
	}
	return 1
}

func closeInTime(a, b time.Time, d time.Duration) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	diff := a.Sub(b)
	return diff < d && diff > -d
}

// normGUID writes a GUID one way: upper case, no braces. Event logs write
// "{945A8954-…}", WindowsUpdate.log "945a8954-…".
func normGUID(s string) string {
	return strings.ToUpper(strings.Trim(strings.TrimSpace(s), "{}"))
}

// attachDownloads names failed downloads after the update whose download
// started last before them (WindowsUpdateClient 44, within an hour).
func attachDownloads(fs []*Failure, ev []Evidence) {
	for _, f := range fs {
		if !f.download || f.Time.IsZero() {
			continue
		}
		var best *Evidence
		for i := range ev {
			e := &ev[i]
			if e.Signal != "evtx.event" || e.Value("provider") != "Microsoft-Windows-WindowsUpdateClient" || e.Value("event_id") != "44" {
				continue
			}
			if d := f.Time.Sub(e.Time); d >= 0 && d <= time.Hour && (best == nil || e.Time.After(best.Time)) {
				best = e
			}
		}
		if best == nil {
			if strings.Contains(strings.ToLower(f.Title), "winreupdateinstaller") {
				f.Family = FamilyWinRE
			}
			continue
		}
		f.Title = best.Value("title")
		f.guid = normGUID(best.Value("updateGuid"))
		if kb := best.Value("kb"); kb != "" {
			f.Update = kb
		} else {
			f.Update = f.Title
		}
		f.Family = family(best.Value("kb"), f.Title)
	}
}

// foldInstallerFailures folds the failure an installer reports
// (MsiInstaller, a WiX bundle) into the Windows Update failure it caused,
// when one was logged within ten minutes.
func foldInstallerFailures(fs []*Failure) []*Failure {
	var out []*Failure
	for _, f := range fs {
		installer := f.Source.Value("provider") == "MsiInstaller" || f.Source.Kind == KindBurn || f.Source.Kind == KindMSI
		if installer {
			if g := nearestUpdateFailure(fs, f, 10*time.Minute); g != nil {
				g.Also = append(g.Also, f.Source)
				if g.Family == "" {
					g.Family = FamilyMSI
				}
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

func nearestUpdateFailure(fs []*Failure, f *Failure, within time.Duration) *Failure {
	var best *Failure
	for _, g := range fs {
		if g == f || !strings.HasPrefix(g.Update, "KB") || !closeInTime(f.Time, g.Time, within) {
			continue
		}
		if best == nil || absDur(g.Time.Sub(f.Time)) < absDur(best.Time.Sub(f.Time)) {
			best = g
		}
	}
	return best
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// failureEvidence turns each unresolved failure into evidence of signal
// "failure", so rules can read a failure's own codes in its context: the
// kind of input that reported it, its family, stage and product. A code
// means different things in different components (0x80070005 from an
// installer an antivirus filter blocks, or from Defender's own update),
// and a failure's own code outranks background noise.
func failureEvidence(fs []*Failure) []Evidence {
	var out []Evidence
	for _, f := range fs {
		if f.Resolved {
			continue
		}
		src := f.Source
		e := Evidence{Signal: "failure", Kind: src.Kind, File: src.File, Line: src.Line, Record: src.Record,
			Offset: src.Offset, Time: f.Time, Text: src.Text, Codes: f.Codes}
		if len(e.Codes) == 0 {
			e.Codes = []codes.Code{f.Code}
		}
		e.set("update", f.Update)
		e.set("title", f.Title)
		e.set("family", string(f.Family))
		e.set("stage", string(f.Stage))
		e.set("kb", cbslog.FindKB(f.Update))
		e.set("provider", src.Value("provider"))
		e.set("event_id", src.Value("event_id"))
		// The failure's other reports, for rules on their words.
		for _, a := range f.Also {
			if len(e.Text) < 2000 {
				e.Text += "\n" + a.Text
			}
		}
		out = append(out, e)
	}
	return out
}

// addCodes appends the codes dst does not hold yet.
func addCodes(dst []codes.Code, cs ...codes.Code) []codes.Code {
	for _, c := range cs {
		if !containsCode(dst, c) {
			dst = append(dst, c)
		}
	}
	return dst
}
