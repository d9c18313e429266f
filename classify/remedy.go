package classify

import (
	"slices"
)

// A Step is one step of a finding's remedy. Its ID names the step's text
// in the report package's catalog ("remedy." + ID); Values fill the
// text's placeholders from the evidence: kb, product, av, free, build,
// rh_code. Values is shared by the steps of a finding: read it, do not
// change it.
type Step struct {
	ID     string
	Values map[string]string
}

// stepRule is one step of a cause's playbook. A step may depend on what
// the logs show: when names a fact (remedyValues) that must be present for
// the step to be given, unless a fact whose presence skips it (a step the
// logs show was already tried).
type stepRule struct{ name, when, unless string }

// playbooks are the support playbook's steps per cause, in order.
var playbooks = map[string][]stepRule{
	CauseAVConflict: {
		{"elevation_held", "elevation", ""},
		{"pause_av", "", ""},
		{"remove_filters", "", ""},
		{"reset_cache", "", ""},
		{"catalog", "", ""},
	},
	CauseComponentCorruption: {
		{"repair_source", "rh_failed", ""},
		{"restorehealth", "", "rh_failed"},
		{"source_files", "", "rh_failed"},
		{"missing_manifest", "", ""},
		{"catalog_or_inplace", "", ""},
	},
	CauseRecoveryPartition: {
		{"reagentc_info", "", ""},
		{"free_space", "", ""},
		{"enlarge", "", ""},
		{"not_applicable", "", ""},
	},
	CauseDefenderPlatform: {
		{"platform_first", "", ""},
		{"reset_definitions", "", ""},
		{"mpam_fe", "", ""},
		{"passive_mode", "", ""},
	},
	CauseMSIDotNet: {
		{"msi_cache", "msi_cache", ""},
		{"dotnet_repair", "", "not_framework"},
		{"dotnet_core", "dotnet_core", ""},
		{"office_repair", "", "not_office"},
		{"vendor", "vendor", ""},
		{"msiserver", "", ""},
		{"verbose_log", "", "vendor"},
	},
	CauseDownloadCache: {
		{"http_forbidden", "http_forbidden", ""},
		{"tls", "tls", ""},
		{"reset_cache", "", ""},
		{"network_path", "", ""},
		{"restorehealth", "", ""},
		{"catalog", "", ""},
	},
	CauseDiskStorage: {
		{"chkdsk", "", ""},
		{"smart", "", ""},
		{"free_space", "", ""},
		{"retry", "", ""},
	},
	CauseServicingStack: {
		{"install_ssu", "", ""},
		{"combined_package", "", ""},
		{"offline_image", "", ""},
	},
}

// Steps returns the IDs of every remedy step wudiag may give for the
// cause, in the order they are given; a finding gets those its evidence
// selects.
func Steps(cause string) []string {
	var out []string
	for _, s := range playbooks[cause] {
		out = append(out, cause+"."+s.name)
	}
	return out
}

// remedy returns the cause's steps that vals select; vals becomes their
// shared Values.
func remedy(cause string, vals map[string]string) []Step {
	var out []Step
	for _, s := range playbooks[cause] {
		if s.when != "" && vals[s.when] == "" || s.unless != "" && vals[s.unless] != "" {
			continue
		}
		out = append(out, Step{ID: cause + "." + s.name, Values: vals})
	}
	return slices.Clip(out)
}
