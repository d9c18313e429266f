package classify

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wudiag/wudiag/codes"
)

// Cause IDs: stable, used in JSON, rules and tests. The classifier owns
// them; package codes only names and explains codes.
const (
	CauseAVConflict          = "av_conflict"
	CauseComponentCorruption = "component_corruption"
	CauseRecoveryPartition   = "recovery_partition"
	CauseDefenderPlatform    = "defender_platform"
	CauseMSIDotNet           = "msi_dotnet"
	CauseDownloadCache       = "download_cache"
	CauseDiskStorage         = "disk_storage"
	CauseServicingStack      = "servicing_stack"
)

var causeIDs = []string{
	CauseAVConflict, CauseComponentCorruption, CauseRecoveryPartition, CauseDefenderPlatform,
	CauseMSIDotNet, CauseDownloadCache, CauseDiskStorage, CauseServicingStack,
}

// Causes returns every cause ID, in a fixed order. The slice is a copy.
func Causes() []string { return slices.Clone(causeIDs) }

func isCause(s string) bool { return slices.Contains(causeIDs, s) }

// codecauses.tsv tags error codes with the causes they suggest.
//
//go:embed codecauses.tsv
var codeCausesTSV string

var codeCauses = sync.OnceValue(func() map[codes.Code][]string {
	m := map[codes.Code][]string{}
	for _, line := range strings.Split(codeCausesTSV, "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		n, err := strconv.ParseUint(f[0], 16, 32)
		if err != nil {
			continue // caught by TestCodeCauses
		}
		m[codes.Code(n)] = strings.Split(f[1], ",")
	}
	return m
})

// CodeCauses returns the causes an error code suggests on its own, most
// likely first, or nil when it suggests none (0x80070643 itself, E_FAIL).
// It is a hint for people reading a code; the diagnosis weighs codes in
// their context through the rules.
func CodeCauses(c codes.Code) []string {
	if cs, ok := codeCauses()[c]; ok {
		return slices.Clone(cs)
	}
	// Other forms of a listed code (HRESULT_FROM_NT, NTSTATUS_FROM_WIN32)
	// share its name.
	if in, ok := codes.Lookup(c); ok {
		if base, ok := codes.ByName(in.Name); ok {
			if cs, ok := codeCauses()[base]; ok {
				return slices.Clone(cs)
			}
		}
	}
	if c.Failed() && c.Facility() == 0x50 {
		return []string{CauseDefenderPlatform}
	}
	return nil
}
