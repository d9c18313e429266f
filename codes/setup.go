package codes

import (
	"fmt"
	"regexp"
	"strconv"
)

// A SetupCode is a feature-update setup result as SetupDiag and the
// setup logs write it: a result code and an extend code, e.g.
// 0xC1900101-0x20017 or 0x8007001F-0x3000D. The extend code's high bits
// name the setup phase and its low 16 bits the operation that failed.
type SetupCode struct {
	Result    Code
	Extend    uint32
	Phase     int
	Operation int
}

var setupRE = regexp.MustCompile(`(?i)^\s*(0x[0-9a-f]{8})\s*-\s*(0x[0-9a-f]{1,8})\s*$`)

// ParseSetup reads a result-extend pair such as "0xC1900101-0x20017".
func ParseSetup(s string) (SetupCode, bool) {
	m := setupRE.FindStringSubmatch(s)
	if m == nil {
		return SetupCode{}, false
	}
	r, err1 := strconv.ParseUint(m[1][2:], 16, 32)
	e, err2 := strconv.ParseUint(m[2][2:], 16, 32)
	if err1 != nil || err2 != nil {
		return SetupCode{}, false
	}
	return SetupCode{Result: Code(r), Extend: uint32(e), Phase: int(e >> 16), Operation: int(e & 0xFFFF)}, true
}

// setupPhases names the phases of the extend code (SetupDiag's split).
var setupPhases = map[int][2]string{
	0: {"unknown phase", "不明な段階"},
	1: {"down-level (running on the old OS)", "ダウンレベル (旧 OS で実行中)"},
	2: {"SafeOS (Windows PE, before the first restart into the new OS)", "SafeOS (Windows PE、新 OS への最初の再起動前)"},
	3: {"first boot (drivers and devices of the new OS)", "初回起動 (新 OS のドライバーとデバイス)"},
	4: {"OOBE (out-of-box experience)", "OOBE (初回セットアップ画面)"},
	5: {"uninstall or rollback", "アンインストールまたはロールバック"},
}

// PhaseName names the phase in English or, with ja, Japanese.
func (s SetupCode) PhaseName(ja bool) string {
	p, ok := setupPhases[s.Phase]
	if !ok {
		p = [2]string{fmt.Sprintf("phase %d", s.Phase), fmt.Sprintf("段階 %d", s.Phase)}
	}
	if ja {
		return p[1]
	}
	return p[0]
}

// IsSetupFamily reports whether c belongs to the feature-update setup
// families: 0xC19001xx (MOSETUP) results.
func IsSetupFamily(c Code) bool {
	return c&0xFFFFFF00 == 0xC1900100 || c&0xFFFFFF00 == 0xC1900200 || c&0xFFFFFF00 == 0xC1900400
}
