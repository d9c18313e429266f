package corpus

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wudiag/wudiag/internal/synth"
)

// machineInfo is a Machine with everything derived from it.
type machineInfo struct {
	*Machine
	ja       bool
	display  int // 19045
	pkgBuild int // 19041: the build package versions carry
	ubr      int
	ssu      int
	offset   time.Duration
	product  string // "Windows 10 Version 22H2", as in update titles
}

func newMachineInfo(m *Machine) (*machineInfo, error) {
	mi := &machineInfo{Machine: m, ja: m.Locale == "ja"}
	switch m.Locale {
	case "en", "ja":
	default:
		return nil, fmt.Errorf("machine: locale %q: want en or ja", m.Locale)
	}
	b, r, ok := strings.Cut(m.Build, ".")
	var err1, err2 error
	mi.display, err1 = strconv.Atoi(b)
	mi.ubr, err2 = strconv.Atoi(r)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("machine: build %q: want 19045.3930", m.Build)
	}
	mi.pkgBuild = mi.display
	switch {
	case mi.display >= 19041 && mi.display <= 19045:
		mi.pkgBuild = 19041
	case mi.display == 22631:
		mi.pkgBuild = 22621
	}
	switch m.OS {
	case "win10":
		mi.product = "Windows 10 Version " + m.Version
	case "win11":
		mi.product = "Windows 11 Version " + m.Version
	case "server2022":
		mi.product = "Microsoft server operating system version 21H2"
	case "server2019":
		mi.product = "Windows Server 2019"
	default:
		return nil, fmt.Errorf("machine: os %q: want win10, win11, server2022 or server2019", m.OS)
	}
	mi.ssu = m.SSU
	if mi.ssu == 0 {
		mi.ssu = mi.ubr - mi.ubr%10
		if mi.ssu == mi.ubr {
			mi.ssu -= 10
		}
	}
	t, err := time.Parse("-07:00", m.TZ)
	if err != nil {
		return nil, fmt.Errorf("machine: tz %q: want +09:00", m.TZ)
	}
	_, off := t.Zone()
	mi.offset = time.Duration(off) * time.Second
	if m.Defender == "" {
		m.Defender = "4.18.24010.12"
	}
	if m.Computer == "" {
		m.Computer = "DESKTOP-" + strings.ToUpper(fmt.Sprintf("%07x", fnvHash(m.Build, m.OS, m.Locale)&0xfffffff))
	}
	return mi, nil
}

func (m *machineInfo) synth() synth.Machine {
	return synth.Machine{Build: m.pkgBuild, UBR: m.ssu, UTCOffset: m.offset}
}

// utc converts a local wall-clock time to UTC.
func (m *machineInfo) utc(local time.Time) time.Time { return local.Add(-m.offset).UTC() }

// oldDefenderNames reports a platform that logs "Signature" field names.
func (m *machineInfo) oldDefenderNames() bool {
	v := strings.Split(m.Defender, ".")
	if len(v) < 3 || v[0] != "4" || v[1] != "18" {
		return false
	}
	n, _ := strconv.Atoi(v[2])
	return n < 2104
}

// defenderProduct is the Product Name Defender events carry.
func (m *machineInfo) defenderProduct() string {
	switch {
	case m.oldDefenderNames():
		return "%%827"
	case m.ja:
		return "Microsoft Defender ウイルス対策"
	}
	return "Microsoft Defender Antivirus"
}

// title returns the Windows Update title of an update in the machine's
// language. kind is cu, security, ssu, dotnet, si, platform or msrt.
func (m *machineInfo) title(kind, kb, month, version string) (string, error) {
	if m.ja {
		switch kind {
		case "cu":
			return fmt.Sprintf("%s x64 ベース システム用 %s の累積更新プログラム (%s)", month, m.product, kb), nil
		case "security":
			return fmt.Sprintf("%s x64 ベース システム用 %s のセキュリティ更新プログラム (%s)", month, m.product, kb), nil
		case "ssu":
			return fmt.Sprintf("%s x64 ベース システム用 %s のサービス スタック更新プログラム (%s)", month, m.product, kb), nil
		case "dotnet":
			return fmt.Sprintf("%s x64 用 %s の .NET Framework 3.5、4.8 および 4.8.1 の累積的な更新プログラム (%s)", month, m.product, kb), nil
		case "si":
			return fmt.Sprintf("Microsoft Defender Antivirus のセキュリティ インテリジェンス更新プログラム - KB2267602 (バージョン %s)", version), nil
		case "platform":
			return fmt.Sprintf("Microsoft Defender Antivirus マルウェア対策プラットフォームの更新プログラム - KB4052623 (バージョン %s)", version), nil
		case "msrt":
			return fmt.Sprintf("Windows 悪意のあるソフトウェアの削除ツール x64 - %s (KB890830)", version), nil
		}
	} else {
		switch kind {
		case "cu":
			return fmt.Sprintf("%s Cumulative Update for %s for x64-based Systems (%s)", month, m.product, kb), nil
		case "security":
			return fmt.Sprintf("%s Security Update for %s for x64-based Systems (%s)", month, m.product, kb), nil
		case "ssu":
			return fmt.Sprintf("%s Servicing Stack Update for %s for x64-based Systems (%s)", month, m.product, kb), nil
		case "dotnet":
			return fmt.Sprintf("%s Cumulative Update for .NET Framework 3.5, 4.8 and 4.8.1 for %s for x64 (%s)", month, m.product, kb), nil
		case "si":
			return fmt.Sprintf("Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version %s)", version), nil
		case "platform":
			return fmt.Sprintf("Update for Microsoft Defender Antivirus antimalware platform - KB4052623 (Version %s)", version), nil
		case "msrt":
			return fmt.Sprintf("Windows Malicious Software Removal Tool x64 - %s (KB890830)", version), nil
		}
	}
	return "", fmt.Errorf("unknown update kind %q (cu, security, ssu, dotnet, si, platform, msrt; or give a title)", kind)
}

// fnvHash hashes its arguments, for deterministic identifiers.
func fnvHash(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// guid returns a deterministic upper-case braced GUID for the parts.
func guid(parts ...string) string {
	a := fnvHash(parts...)
	b := fnvHash(append(parts, "2")...)
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", uint32(a>>32), uint16(a>>16), uint16(a)&0x0fff|0x4000, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

// causeIDs are wudiag's cause IDs, as scenario labels use them. Corpus
// sits below the classifier and does not import it; TestCauseLabels (in
// corpus_test) checks that this list is classify.Causes().
var causeIDs = []string{"av_conflict", "component_corruption", "recovery_partition", "defender_platform",
	"msi_dotnet", "download_cache", "disk_storage", "servicing_stack"}

// validCause reports whether c is one of wudiag's cause IDs. A scenario's
// expected causes are labels written by hand; checking them catches a
// misspelt label before it turns into a "missed" scenario.
func validCause(c string) bool { return slices.Contains(causeIDs, c) }
