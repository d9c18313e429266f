// Package textlogs reads the secondary text logs of a support bundle —
// WindowsUpdate.log, ReportingEvents.log, setupact.log, ReAgent.log, the
// Defender logs, WiX Burn and MSI logs, fltmc and chkdsk output — as
// streams of normalized Records, so that the classifier can match the
// same declarative rules on all of them. CBS.log and dism.log have their
// own readers (cbslog, dismlog); event logs and their rendered text
// belong to evtx.
//
// Every kind is decoded by internal/textdec (BOM, UTF-16 with or without
// BOM, legacy code pages, CR/LF/CRLF); setupact.log and ReAgent.log are
// assembled by internal/logline. Codes are found by codes.Find and KB
// numbers by cbslog.FindKB. Reading streams: memory is bounded by the
// 1 MiB line limit of textdec and a 1 MiB cap on one record (a longer
// record is returned in pieces that start where the cut falls).
//
//	f, _ := os.Open(path)
//	head := make([]byte, 64<<10)
//	n, _ := io.ReadFull(f, head)
//	kind := textlogs.Sniff(path, head[:n])
//	f.Seek(0, io.SeekStart)
//	for rec, err := range textlogs.Records(f, kind) { ... }
//
// # Records
//
// Record.Time is the time the log writes, in the UTC location: the
// instant when the log says it is UTC (MpSigStub's "Z") or gives its zone
// (ReportingEvents.log), else the wall-clock time. Record.Codes holds
// every code of Text plus the codes of the fields marked (code) below,
// deduplicated. Codes in fields are normalized "0x" and 8 lower-case hex
// digits (codes.Code.String).
//
// # Fields
//
// Field names are part of the contract. A field is absent when the line
// does not give it.
//
// WindowsUpdate (Get-WindowsUpdateLog output, "2021/07/13 10:23:06.3460256
// 3696  8172  Misc  …") and WindowsUpdateClassic (WUA's own log,
// "2021-08-28<TAB>03:07:48:216<TAB> 648<TAB>13bc<TAB>Report<TAB>…",
// tabs possibly turned into spaces). Component is the WU component.
// A line without a timestamp continues the record above; a line that
// follows a physical line of exactly 80 characters (79 when the 80th was
// a space) is a console wrap and is joined without a newline, so the
// wrapped copies of LegacyUpdate/LegacyUpdate#115 read as one line.
// A trailing " |" left by a pasted table is dropped.
//
//	pid, tid         process and thread ID as written (classic TIDs are hex)
//	hr               (code) "*FAILED* [8024000C] …", "[80240013] …"
//	update_id        idUpdate={…}, UpdateId = …, "failure for update {…}": upper-case GUID, no braces
//	result_mapped    (code) resultMapped=80070643
//	result_unmapped  (code) resultUnMapped=FFFE; fewer than 8 digits are the
//	                 installer's own exit code, kept as its value (0x0000fffe)
//	title            "Title = …" lines; the title in a REPORT EVENT message
//	kb               KB number of the title, else of the text
//	msi_result       (code) "MSI: 0x80070643, Handler: 0x8024200b"; "MSI result = …"
//	handler_result   (code) the Handler value of the same lines; "transaction error = …"
//	msi_action       "MSI action = StartCache"
//	url, path        on lines that say fail or error: the first http(s) URL, and
//	                 the "local path = …" target (the WinRE winreupdateinstaller
//	                 download failing with 0x80070070 is OS-disk space)
//
// A classic REPORT EVENT line, and each line of ReportingEvents.log, has
// the layout "{event GUID} <time><zone> 1 182 [EVENT_NAME] 101 {update
// GUID} <revision> <hr> <client> <Success|Failure> <operation>
// <message>":
//
//	event_id         "182" (copies that lost the separator show "182101")
//	event_name       "AGENT_INSTALLING_FAILED" (ReportingEvents.log only)
//	update_id        the update GUID
//	revision         the update revision
//	result           (code) the hr column
//	client           "AutomaticUpdates", "UpdateOrchestrator", …
//	status           "Success" or "Failure"
//	operation        "Content Install", "Content Download", …
//	title, kb        from "…the following update [with error 0x…]: <title>."
//
// SetupAct (setupact.log, setuperr.log) and ReAgent (ReAgent.log,
// WinREAgent's setupact.log): Level and Component are the Panther
// columns; an empty component followed by a "[Tool.exe]" tag gives
//
//	tool             "ReAgentc.exe", "SetupHost.exe" (the tag is removed from Text)
//
// SetupAct: an "Antivirus software information:" block becomes one
// record per product line listed under it, Text being the header and
// that line:
//
//	av_name, av_path, av_timestamp, av_state
//
// ReAgent (and tagged setupact lines): bitlocker from "BitlockerEnabled:";
// in records that mention MeetPartitionRequirements, a partition, WinRE
// or free space, decimal byte counts after loose labels (no public log
// shows the exact wording): winre_size, required_free, partition_free,
// partition_size. The documented failure strings ("Failed to get WinRE
// partition info", …) stay in Text for the rules.
//
// MpCmdRun: one record per run, the lines between two dashed separators
// (U+200E marks removed from Text):
//
//	command          "MpCmdRun: Command Line: …"
//	start, end       "Start Time:", "End Time:" as 2006-01-02T15:04:05 (wall clock);
//	                 localized dates are read tolerantly (English month names
//	                 or "5月"-style numbers); when that fails,
//	start_raw, end_raw  keep the text
//	hr               (code) "ERROR: <function> failed with hr=<hex>", "Update failed with hr: 0x…"
//	function         the <function> of that line
//
// MpSigStub: one record per section ("==== ProductSearch ====") and one
// for each run's preamble (Start time, Process, Command, Version):
//
//	section          "ProductSearch", "ValidateUpdate", …; absent in a preamble
//	command          the run's "Command:" line
//	start, end       "Start time:" / "End time:" (UTC, RFC 3339); end only on the record holding it
//	hr, error        (code) "ERROR 0x<hr> : <text>", and the text
//	hresult          (code) Watson Report table, as are
//	failed_function, operation, source_component_version, product_version, product_name
//	delta_update_failure, bdd_update_failure   "DeltaUpdateFailure set to 0", "BddUpdateFailure set to 0"
//
// UpdatePlatform: one record per line;
//
//	hr, error, path  "ERROR 0x80501005 : Failed to update platform from <path>"
//
// Burn ("[2D50:1074][2020-10-07T04:11:44]i399: Apply complete, result:
// 0x80070643, …"): Component is the message ID ("i399", "e000"), Level
// its letter (Info, Warning, Error, Debug); lines without the prefix
// continue the record above.
//
//	pid, tid         hex, as written
//	result           (code) "result: 0x…"
//	hr               (code) "Error 0x80070643: Failed to install MSI package."
//	package          "package: <id>" (Planned package, Applying execute package, …)
//	bundle           the WixBundleName variable, once the log has set it
//
// MSI (verbose Windows Installer logs): only lines with a signal become
// records — a return value other than 0 or 1, MainEngineThread, Product:,
// "Error NNNN." and custom-action results, and lines holding a code.
// Component is "MSI (s)" / "MSI (c)"; Time needs the "Logging started"
// date.
//
//	return_value     "Return value 3"
//	action           the action of "Action ended <time>: <Action>. Return value 3."
//	                 or of "CustomAction <Action> returned actual error code N"
//	ca_error         that custom action's exit code
//	msi_error        (code) "MainEngineThread is returning 1603" (a Win32 error)
//	msi_message      the message number of "Error 1722." lines (not a Win32 code)
//	product          "Product: <name> -- …"
//	pid, tid         from the "MSI (s) (A0:B4)" prefix
//
// Fltmc (`fltmc filters`): one record per filter row; which filters are
// third-party is the classifier's business.
//
//	filter, instances   always
//	altitude, frame     when the row has all three number columns
//
// Chkdsk: one record per line except progress counters.
//
//	bad_sectors_kb   "N KB in bad sectors." (digits only)
//	no_problems      "true" for "Windows has scanned the file system and found no problems."
//	corrupt          "true" on lines that say corrupt
//
// Generic: one record per line that holds a code, a KB number, or the
// words "fail" or "error" (any case); other lines are skipped. Low-weight
// evidence.
//
//	kb               the KB number
package textlogs
