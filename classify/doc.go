// Package classify tells why a Windows update or installer failed: it
// reads the logs of a bundle, finds the failed installations, gathers the
// evidence around them and ranks the causes.
//
// AnalyzePaths (files, folders, archives) and AnalyzeFS (any fs.FS) are
// the entry every front end uses:
//
//	d, err := classify.AnalyzePaths(ctx, []string{"wudiag-logs.zip"}, nil)
//
// The pipeline, in the order they run it:
//
//   - Intake: folders are walked and archives (zip, cab, gzip, nested)
//     read in place within Options.Limits; the kind of each file is told
//     from its first bytes (CBS.log, dism.log, an event log or its XML,
//     text or CSV export, other text, an ETW trace, other binaries), never
//     from its name. What is skipped — a duplicate, a damaged archive, an
//     unsafe entry name, a zip bomb, a limit reached, a binary ETW trace —
//     is listed in Diagnosis.Inputs with its Reason.
//   - Read: each input is streamed through the reader of its kind (the
//     secondary text logs are told apart by their reader); nothing is
//     read into memory whole. Analyze starts here, for inputs at hand.
//   - Evidence: extractors keep the lines, entries and events that can
//     matter, as Evidence. Which text lines matter comes from the loaded
//     rules and failure patterns (a prefilter built from their phrases),
//     so a rule can never be dead because its lines were dropped; repeated
//     routine lines are capped per shape.
//   - Failures: failure patterns (failures.yaml) read each component's own
//     sentence for a failed installation, download, commit or repair, on
//     any kind of input, so pasted excerpts without headers or timestamps
//     still yield failures; reports of one failure merge, and a later
//     success resolves it.
//   - Rules: rules (rules.yaml) tie evidence to one of the eight causes.
//     Each unresolved failure is itself evidence of signal "failure", so
//     rules read a failure's own codes in context.
//   - Rank: findings per cause, scored and graded High, Medium or Low
//     with the Grounds of the grade, the supporting evidence and the
//     remedy Steps the evidence selects.
//
// Results are data, not words: cause IDs, grades, step IDs with their
// values. The report package words them in English or Japanese and
// writes the JSON contract.
//
// Both data files are embedded and documented in their headers; Options
// replace or extend them (ParseRules, MergeRules, CheckRules,
// ParseFailurePatterns). A mistake in a rule file is refused with its
// line.
//
// The cause IDs are stable: av_conflict, component_corruption,
// recovery_partition, defender_platform, msi_dotnet, download_cache,
// disk_storage, servicing_stack.
package classify
