package render

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/language"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/codes"
)

// Actionable reports whether d has something to act on: an unresolved
// failure, or a finding of medium or high confidence. A failure resolved
// later and low findings alone are nothing to act on (exit status 0).
func Actionable(d *classify.Diagnosis) bool {
	for _, f := range d.Failures {
		if !f.Resolved {
			return true
		}
	}
	for _, f := range d.Findings {
		if !isLow(f.Confidence) {
			return true
		}
	}
	return false
}

func isLow(confidence string) bool { return confidence == "" || confidence == "low" }

// checks say, per cause, how to confirm a low finding before repairing
// anything: a low finding shows the check, not the repair.
var checks = map[string][2]string{
	"av_conflict": {"Check whether a non-Microsoft antivirus or filter driver is installed (fltmc filters) and whether it logged a block at the failure's time.",
		"Microsoft 以外のウイルス対策ソフトやフィルター ドライバーが入っているか (fltmc filters)、失敗の時刻にブロックを記録していないかを確認します。"},
	"component_corruption": {"Run DISM /Online /Cleanup-Image /ScanHealth (read only) and check whether it reports the component store as repairable.",
		"DISM /Online /Cleanup-Image /ScanHealth (読み取りのみ) を実行し、コンポーネント ストアが修復可能と報告されるかを確認します。"},
	"recovery_partition": {"Run reagentc /info and check the size and free space of the recovery partition.",
		"reagentc /info を実行し、回復パーティションのサイズと空き容量を確認します。"},
	"defender_platform": {"Check the Defender platform and engine versions (Get-MpComputerStatus) against the update that failed.",
		"Defender のプラットフォームとエンジンのバージョン (Get-MpComputerStatus) を失敗した更新と照らし合わせて確認します。"},
	"msi_dotnet": {"Check the MSI log of the failed product for the first \"Return value 3\" and the action before it.",
		"失敗した製品の MSI ログで最初の「Return value 3」とその直前のアクションを確認します。"},
	"download_cache": {"Check WindowsUpdate.log for download or hash errors of the failed update before clearing anything.",
		"何かを削除する前に、WindowsUpdate.log で失敗した更新のダウンロード エラーやハッシュ エラーを確認します。"},
	"disk_storage": {"Check the free space of the system drive and the System event log for disk errors (Disk, Ntfs, volmgr).",
		"システム ドライブの空き容量と、システム イベント ログのディスク エラー (Disk、Ntfs、volmgr) を確認します。"},
	"servicing_stack": {"Check the installed servicing stack version against the one the failed update requires.",
		"インストール済みのサービス スタックのバージョンが、失敗した更新が必要とするものかを確認します。"},
}

func (v *view) check(cause string) string {
	c, ok := checks[cause]
	if !ok {
		c = [2]string{"Check the evidence below against the failure's time before repairing anything.",
			"修復を行う前に、下の根拠を失敗の時刻と照らし合わせて確認します。"}
	}
	if v.ja {
		return c[1]
	}
	return c[0]
}

// codeMeaning is a code's meaning in the report's language.
func codeMeaning(c codes.Code, lang language.Tag) string {
	info, ok := codes.Lookup(c)
	if !ok {
		return ""
	}
	if lang == language.Japanese {
		if m := codes.MeaningJa(c); m != "" {
			return m
		}
	}
	return info.Meaning
}

// CSVCell defuses a cell that a spreadsheet would take for a formula
// (starting with = + - @, or a tab or carriage return): a leading '
// makes it text. It is the rule of the service's case export
// (internal/server), for every CSV wudiag writes.
func CSVCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// CSVRow is a row with every cell defused by CSVCell.
func CSVRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = CSVCell(c)
	}
	return cells
}

// writeCSV writes one row per failure and per finding, for spreadsheets.
// Cells come from the logs (titles, machine names): they are defused.
func writeCSV(w io.Writer, v *view) error {
	c := csv.NewWriter(w)
	c.Write([]string{"record", "machine", "update", "code", "code_name", "time", "resolved", "cause", "confidence", "score", "summary", "source"})
	for _, f := range v.Failures {
		c.Write(CSVRow("failure", v.Machine, f.Update, f.Code, f.CodeName, f.Time, fmt.Sprint(f.Resolved), "", "", "", f.Title, f.Where))
	}
	for _, f := range v.Findings {
		where := ""
		if len(f.Evidence) > 0 {
			where = f.Evidence[0].Where
		}
		c.Write(CSVRow("finding", v.Machine, "", "", "", "", "", f.Cause, f.ConfidenceRaw, f.Score, f.Summary, where))
	}
	c.Flush()
	return c.Error()
}

// writeTicket writes a short plain-text summary to paste into a ticket:
// the machine, the failed update and its code, the top cause with its
// confidence and the first three steps.
func writeTicket(w io.Writer, v *view) error {
	b := bufio.NewWriter(w)
	machine := v.Machine
	if machine == "" {
		machine = "-"
	}
	fmt.Fprintf(b, "%s: %s\n", v.L["machine"], machine)
	var failed *failureView
	for i := range v.Failures {
		if !v.Failures[i].Resolved {
			failed = &v.Failures[i]
			break
		}
	}
	if failed == nil && len(v.Failures) > 0 {
		failed = &v.Failures[0]
	}
	if failed == nil {
		fmt.Fprintf(b, "%s: %s\n", v.L["update"], v.L["none"])
	} else {
		fmt.Fprintf(b, "%s: %s %s %s", v.L["update"], failed.Update, failed.Code, failed.CodeName)
		if failed.Resolved {
			fmt.Fprintf(b, " (%s)", v.L["resolved"])
		}
		fmt.Fprintln(b)
		if failed.Meaning != "" {
			fmt.Fprintf(b, "  %s\n", failed.Meaning)
		}
		fmt.Fprintf(b, "%s: %s\n", v.L["time"], failed.Time)
	}
	if len(v.Findings) == 0 {
		fmt.Fprintf(b, "%s: -\n", v.L["cause"])
	} else {
		f := v.Findings[0]
		fmt.Fprintf(b, "%s: %s (%s %s)\n", v.L["cause"], f.Name, v.L["confidence"], f.Confidence)
		if f.Low {
			fmt.Fprintf(b, "%s:\n  1. %s\n", v.L["check"], f.Check)
		} else {
			fmt.Fprintf(b, "%s:\n", v.L["remedy"])
			for j, s := range f.Remedy {
				if j == 3 {
					break
				}
				fmt.Fprintf(b, "  %d. %s\n", j+1, s)
			}
		}
	}
	fmt.Fprintf(b, "%s\n", v.Window)
	return b.Flush()
}

// confidenceWord is the confidence in the report's language; a low one
// reads "possible, not confirmed".
func (v *view) confidenceWord(c string) string {
	if v.ja {
		switch c {
		case "high":
			return "高"
		case "medium":
			return "中"
		case "low", "":
			return "可能性あり (未確認)"
		}
		return c
	}
	if isLow(c) {
		return "possible, not confirmed"
	}
	return c
}

func init() {
	for k, t := range map[string][2]string{
		"check":    {"To confirm", "確認方法"},
		"window":   {"Window", "対象期間"},
		"all":      {"all times in the logs", "ログ全体"},
		"skipped":  {"skipped", "スキップ"},
		"decisive": {"Decisive fact", "決め手"},
	} {
		headings[k] = t
	}
}

// reasons word each classify.Reason, in English and Japanese.
var reasons = map[classify.Reason][2]string{
	classify.ReasonNotLog:      {"not a log wudiag reads", "wudiag が読むログではありません"},
	classify.ReasonETL:         {"binary ETW trace: on the machine, run Get-WindowsUpdateLog and send WindowsUpdate.log", "バイナリ ETW トレース: 対象のコンピューターで Get-WindowsUpdateLog を実行し、WindowsUpdate.log を送ってください"},
	classify.ReasonDuplicate:   {"same content as a file read", "読み取ったファイルと同じ内容"},
	classify.ReasonDamaged:     {"damaged archive", "破損したアーカイブ"},
	classify.ReasonUnsafeName:  {"unsafe name in the archive", "アーカイブ内の安全でない名前"},
	classify.ReasonBomb:        {"compression ratio too high (possible zip bomb)", "圧縮率が高すぎます (zip 爆弾の可能性)"},
	classify.ReasonLimit:       {"limit reached", "上限に達しました"},
	classify.ReasonUnsupported: {"not supported", "未対応の形式"},
	classify.ReasonUnreadable:  {"could not be read", "読み取れません"},
}

// ReasonText words why an input was skipped or not read, in lang
// (English or Japanese); "" for the zero Reason, the code itself for one
// it does not know.
func ReasonText(r classify.Reason, lang language.Tag) string {
	t, ok := reasons[r]
	switch {
	case r == "":
		return ""
	case !ok:
		return string(r)
	case lang == language.Japanese:
		return t[1]
	}
	return t[0]
}

// skipReason says in the report language why an input was not read: its
// Reason, then the reader's own words.
func (v *view) skipReason(in classify.InputReport) string {
	lang := language.English
	if v.ja {
		lang = language.Japanese
	}
	r := in.Reason
	if r == "" && strings.HasSuffix(strings.ToLower(in.File), ".etl") {
		r = classify.ReasonETL // an InputReport built by hand
	}
	why := ReasonText(r, lang)
	switch {
	case why != "" && len(in.Errors) > 0 && r != classify.ReasonETL && r != classify.ReasonNotLog:
		return why + ": " + strings.Join(in.Errors, "; ")
	case why != "":
		return why
	case len(in.Errors) > 0:
		return strings.Join(in.Errors, "; ")
	}
	return v.L["notread"]
}
