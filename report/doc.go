// Package report words a classify.Diagnosis for people and programs.
//
// classify returns data: cause IDs, confidence grades with their
// Grounds, remedy Steps with the values the evidence gave (the failing
// KB, the antivirus, the repair build). This package turns them into
// English or Japanese from one catalog, messages.tsv, which also holds
// the headings of wudiag's reports and the labels of its web pages:
//
//	d, _ := classify.AnalyzePaths(ctx, []string{"logs.zip"}, nil)
//	for _, f := range d.Findings {
//		fmt.Println(report.Summary(f, language.Japanese))
//		for _, step := range report.Remedy(f, language.Japanese) {
//			fmt.Println(" -", step)
//		}
//	}
//
// JSON writes the diagnosis in the JSON contract (SchemaVersion 1) that
// "wudiag analyze -format json" and the service's API give:
//
//	{
//	  "schema_version": 1,
//	  "machine": "PC-042",            // omitted when no event log names it
//	  "utc_offset": "+09:00",         // when the logs tell it; times stay UTC
//	  "since": "…", "until": "…",     // the time window, when one was set
//	  "failures": [{"update", "title", "code", "time", "resolved",
//	                "family", "source": {"file", "line", "record",
//	                "recovered", "inferred"}, "resolved_by"}],
//	  "findings": [{"cause", "name", "score", "confidence", "summary",
//	                "reason", "evidence": [{"rule", "signal", "file",
//	                "line", "record", "time", "text", "weight"}],
//	                "evidence_total", "remedy": ["…"]}],
//	  "inputs":   [{"file", "kind", "entries", "errors", "skipped",
//	                "reason", "omitted"}],
//	  "explain":  [{"rule", "cause", "matched", "outcome", "why"}]
//	}
//
// Fields may be added to the contract; none is renamed or removed
// without a new schema version. Lists are [] when empty, never null;
// findings list at most 20 pieces of evidence each (evidence_total
// counts them all).
package report
