package classify

import (
	"fmt"
	"strconv"
	"strings"
)

// remedyValues collects the values remedies refer to.
//
// Besides names (kb, product, av, free, build), it sets facts that choose
// remedy steps: rh_failed (DISM /RestoreHealth already failed, rh_code its
// code), msi_cache (Windows Installer's cache of a product is missing),
// dotnet_core and not_framework, not_office, vendor (a product that is not
// Microsoft's), http_forbidden, tls, elevation.
func remedyValues(f *Finding, failures []*Failure, ev []Evidence) map[string]string {
	vals := map[string]string{}
	for _, fl := range unresolved(failures) {
		if vals["kb"] == "" && strings.HasPrefix(fl.Update, "KB") && (causeOfFamily[fl.Family] == f.Cause || causeOfFamily[fl.Family] == "") {
			vals["kb"] = fl.Update
		}
		if vals["product"] == "" && fl.Family == FamilyMSI && fl.Title != "" && !strings.HasPrefix(fl.Update, "KB") {
			vals["product"] = fl.Title
		}
		if fl.Stage == StageRepair && vals["rh_failed"] == "" {
			vals["rh_failed"], vals["rh_code"] = "true", fl.Code.String()
		}
		for _, c := range fl.Codes {
			switch c {
			case 0x80190193, 0x80244018, 0x80d02002:
				vals["http_forbidden"] = "true"
			case 0x80072f8f:
				vals["tls"] = "true"
			case 0x800700e8, 0x800700e9, 0x8007006d:
				vals["elevation"] = "true"
			}
		}
	}
	subject := vals["product"]
	for _, fl := range unresolved(failures) {
		if subject == "" && fl.Family == FamilyMSI {
			subject = fl.Title + " " + fl.Update
		}
	}
	if p := strings.ToLower(subject); strings.TrimSpace(p) != "" {
		dotnet := strings.Contains(p, ".net") || strings.Contains(p, "dotnet") || strings.Contains(p, "aspnetcore") ||
			strings.Contains(p, "windowsdesktop-runtime")
		core := dotnet && !strings.Contains(p, "framework")
		if core {
			vals["dotnet_core"] = "true"
		}
		if core || !dotnet {
			vals["not_framework"] = "true"
		}
		if !strings.Contains(p, "office") {
			vals["not_office"] = "true"
		}
		microsoft := strings.Contains(p, "microsoft") || dotnet || strings.Contains(p, "visual c++") || strings.Contains(p, "kb") ||
			strings.Contains(p, "office") || strings.Contains(p, "windows") || strings.Contains(p, "sql server")
		if !microsoft && !strings.Contains(p, "bundle") && !strings.Contains(p, "installer") {
			vals["vendor"] = "true"
		}
	}
	for i := range ev {
		if ev[i].Signal == "cbs.stack_loaded" && vals["build"] == "" {
			// "10.0.22621.1626" names the build the repair source must match.
			if v := ev[i].Value("version"); strings.Count(v, ".") >= 2 {
				parts := strings.SplitN(v, ".", 4)
				vals["build"] = strings.Join(parts[:3], ".")
			}
		}
	}
	for _, s := range f.Support {
		e := s.Evidence
		if s.Rule.ID == "msi-cached-package-missing" {
			vals["msi_cache"] = "true"
		}
		if s.Rule.ID == "failure-elevation-pipe" {
			vals["elevation"] = "true"
		}
		if vals["av"] == "" {
			if v := e.Value("av_name"); v != "" {
				vals["av"] = v
			} else if e.Value("provider") == "SecurityCenter" {
				name, _, _ := strings.Cut(e.Value("data0"), ",")
				vals["av"] = strings.TrimSpace(name)
			}
		}
		if vals["free"] == "" && e.Value("partition_free") != "" {
			if n, err := strconv.ParseInt(e.Value("partition_free"), 10, 64); err == nil {
				vals["free"] = fmt.Sprintf("%d MB", n>>20)
			}
		}
	}
	return vals
}
