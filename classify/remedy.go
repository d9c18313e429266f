package classify

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// text is one message in English and Japanese. Placeholders in braces
// ({kb}, {av}, {product}) are filled from the evidence; a step whose
// placeholder has no value uses the alternative after "|" in the braces
// ({kb|the update}).
//
// A remedy step may depend on what the logs show: when names a fact
// (remedyValues) that must be present for the step to be given, unless a
// fact whose presence skips it (a step the logs show was already tried).
type text struct{ en, ja, when, unless string }

var causeNames = map[string]text{
	CauseAVConflict:          {"Third-party antivirus interference", "サードパーティ製ウイルス対策ソフトの干渉", "", ""},
	CauseComponentCorruption: {"Component store corruption", "コンポーネント ストアの破損", "", ""},
	CauseRecoveryPartition:   {"Recovery partition too small for the WinRE update", "回復パーティションの空き不足 (WinRE 更新)", "", ""},
	CauseDefenderPlatform:    {"Microsoft Defender platform or definition update failure", "Microsoft Defender のプラットフォーム／定義更新の失敗", "", ""},
	CauseMSIDotNet:           {".NET Framework, Office or MSI installer failure", ".NET Framework／Office／MSI インストーラーの失敗", "", ""},
	CauseDownloadCache:       {"Download failure or damaged update cache", "ダウンロードの失敗または更新キャッシュの破損", "", ""},
	CauseDiskStorage:         {"Disk full or disk errors", "ディスク容量不足またはディスク エラー", "", ""},
	CauseServicingStack:      {"Servicing stack update required first", "サービス スタック更新プログラムが先に必要", "", ""},
}

// remedies are the support playbook's steps per cause, in order.
var remedies = map[string][]text{
	CauseDownloadCache: {
		{"The download server refused the request (HTTP 403 through Delivery Optimization or a proxy): check the proxy and firewall allow list for the download host, or fetch the installer directly and install it offline.",
			"ダウンロード サーバーが要求を拒否しました (Delivery Optimization またはプロキシ経由の HTTP 403)。プロキシとファイアウォールの許可リストにダウンロード先ホストがあるかを確認するか、インストーラーを直接入手してオフラインでインストールします。", "http_forbidden", ""},
		{"The secure connection to the update service failed (0x80072F8F): check the clock and time zone, that TLS 1.2 is enabled, and that the root certificates are current; a TLS-inspecting proxy must trust Microsoft's update hosts.",
			"更新サービスへの安全な接続に失敗しました (0x80072F8F)。時刻とタイム ゾーン、TLS 1.2 が有効か、ルート証明書が最新かを確認します。TLS を検査するプロキシは Microsoft の更新ホストを信頼する必要があります。", "tls", ""},
		{"Retry {kb|the update}. If it fails again, reset the Windows Update cache: stop the wuauserv, cryptSvc, bits and msiserver services, rename C:\\Windows\\SoftwareDistribution and C:\\Windows\\System32\\catroot2, then start the services again.",
			"{kb|更新プログラム} を再試行します。再び失敗する場合は Windows Update のキャッシュをリセットします: wuauserv、cryptSvc、bits、msiserver サービスを停止し、C:\\Windows\\SoftwareDistribution と C:\\Windows\\System32\\catroot2 の名前を変更してから、サービスを再開します。", "", ""},
		{"Check the path to Windows Update or WSUS: proxy settings, DNS and TLS inspection (codes such as 0x8024402C mean the server could not be reached).",
			"Windows Update／WSUS への経路 (プロキシ設定、DNS、TLS 検査) を確認します。0x8024402C などのコードはサーバーに到達できなかったことを示します。", "", ""},
		{"Run DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow.",
			"DISM /Online /Cleanup-Image /RestoreHealth を実行し、続けて sfc /scannow を実行します。", "", ""},
		{"Install {kb|the update} manually from the standalone package in the Microsoft Update Catalog.",
			"Microsoft Update カタログからスタンドアロン パッケージを入手し、{kb|更新プログラム} を手動でインストールします。", "", ""},
	},
	CauseComponentCorruption: {
		{"DISM /RestoreHealth already failed on this machine ({rh_code}): go straight to a repair source, installation media or a mounted ISO of the same build and edition{build| }: DISM /Online /Cleanup-Image /RestoreHealth /Source:WIM:X:\\sources\\install.wim:1 /LimitAccess, then sfc /scannow, and retry {kb|the update}.",
			"この端末では DISM /RestoreHealth がすでに失敗しています ({rh_code})。同じビルド・エディション{build| }のインストール メディアまたはマウントした ISO を修復ソースにして、DISM /Online /Cleanup-Image /RestoreHealth /Source:WIM:X:\\sources\\install.wim:1 /LimitAccess を実行し、続けて sfc /scannow を実行してから {kb|更新プログラム} を再試行します。", "rh_failed", ""},
		{"Run DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow, and retry {kb|the update}.",
			"DISM /Online /Cleanup-Image /RestoreHealth を実行し、続けて sfc /scannow を実行してから {kb|更新プログラム} を再試行します。", "", "rh_failed"},
		{"If DISM cannot find source files (0x800f081f), repair from installation media of the same build and edition{build| }: DISM /Online /Cleanup-Image /RestoreHealth /Source:WIM:X:\\sources\\install.wim:1 /LimitAccess.",
			"DISM がソース ファイルを見つけられない場合 (0x800f081f) は、同じビルド・エディション{build| }のインストール メディアから修復します: DISM /Online /Cleanup-Image /RestoreHealth /Source:WIM:X:\\sources\\install.wim:1 /LimitAccess", "", "rh_failed"},
		{"If the manifest of an earlier update is missing (0x800f0831), install that update from the Microsoft Update Catalog first.",
			"以前の更新プログラムのマニフェストが欠落している場合 (0x800f0831) は、先にその更新プログラムを Microsoft Update カタログからインストールします。", "", ""},
		{"Install {kb|the update} from the Microsoft Update Catalog; if the store still cannot be repaired, do an in-place upgrade (repair install) that keeps files and apps.",
			"Microsoft Update カタログから {kb|更新プログラム} をインストールします。それでもストアを修復できない場合は、ファイルとアプリを保持したまま上書きインストール (修復インストール) を行います。", "", ""},
	},
	CauseRecoveryPartition: {
		{"Run reagentc /info to see whether WinRE is enabled and which disk and partition hold it.",
			"reagentc /info を実行し、WinRE が有効か、どのディスク・パーティションにあるかを確認します。", "", ""},
		{"Check the free space on the recovery partition{free| }: the WinRE update needs at least 250 MB free.",
			"回復パーティションの空き容量{free| }を確認します。WinRE 更新プログラムには 250 MB 以上の空きが必要です。", "", ""},
		{"Back up, then enlarge the recovery partition as described in KB5028997 (reagentc /disable; shrink the OS partition by 250 MB; delete and recreate the recovery partition; reagentc /enable), and retry {kb|the update}.",
			"バックアップを取ったうえで、KB5028997 の手順で回復パーティションを拡張し (reagentc /disable、OS パーティションを 250 MB 縮小、回復パーティションを削除して再作成、reagentc /enable)、{kb|更新プログラム} を再試行します。", "", ""},
		{"If the device has no recovery partition or WinRE is disabled, Microsoft states that the update does not apply and the error can be ignored.",
			"回復パーティションがない、または WinRE が無効な場合、この更新プログラムは適用対象外であり、エラーは無視できると Microsoft は案内しています。", "", ""},
	},
	CauseDefenderPlatform: {
		{"Update the Microsoft Defender antimalware platform (KB4052623) first, then the security intelligence (KB2267602): new definitions need a current platform.",
			"先に Microsoft Defender マルウェア対策プラットフォーム (KB4052623) を更新し、その後にセキュリティ インテリジェンス (KB2267602) を更新します。新しい定義には最新のプラットフォームが必要です。", "", ""},
		{"Run \"%ProgramFiles%\\Windows Defender\\MpCmdRun.exe\" -RemoveDefinitions -DynamicSignatures, then MpCmdRun.exe -SignatureUpdate (or -SignatureUpdate -MMPC).",
			"\"%ProgramFiles%\\Windows Defender\\MpCmdRun.exe\" -RemoveDefinitions -DynamicSignatures を実行し、続けて MpCmdRun.exe -SignatureUpdate (または -SignatureUpdate -MMPC) を実行します。", "", ""},
		{"If Windows Update still fails, install the definitions manually with the mpam-fe.exe package from Microsoft's security intelligence download page.",
			"それでも Windows Update で失敗する場合は、Microsoft のセキュリティ インテリジェンス ダウンロード ページから mpam-fe.exe を入手し、定義を手動でインストールします。", "", ""},
		{"If another antivirus product is active, Defender runs in passive mode and its updates may not install: check the antivirus registered in Windows Security.",
			"他社製ウイルス対策ソフトが有効な場合、Defender はパッシブ モードで動作し、更新をインストールできないことがあります。Windows セキュリティに登録されているウイルス対策ソフトを確認します。", "", ""},
	},
	CauseMSIDotNet: {
		{"Windows Installer's cached copy of {product|the installed product} is missing (C:\\Windows\\Installer): restore it before anything else — run Microsoft's Program Install and Uninstall troubleshooter, or give Windows Installer the original .msi of the installed version (KB2667628), then retry.",
			"{product|インストール済み製品} の Windows インストーラー キャッシュ (C:\\Windows\\Installer) が失われています。まずこれを復元します。Microsoft の「プログラムのインストールとアンインストールのトラブルシューティング ツール」を実行するか、インストール済みバージョンの元の .msi を Windows インストーラーに指定して (KB2667628)、再試行します。", "msi_cache", ""},
		{"For .NET Framework, run the Microsoft .NET Framework Repair Tool, then retry {kb|the update}.",
			".NET Framework の場合は Microsoft .NET Framework 修復ツールを実行してから、{kb|更新プログラム} を再試行します。", "", "not_framework"},
		{"{product|The .NET runtime or SDK} is .NET (Core), not .NET Framework: remove the broken version with the .NET uninstall tool, then install it again from dotnet.microsoft.com or the Microsoft Update Catalog.",
			"{product|.NET ランタイム／SDK} は .NET Framework ではなく .NET (Core) です。.NET アンインストール ツールで壊れたバージョンを削除し、dotnet.microsoft.com または Microsoft Update カタログから入れ直します。", "dotnet_core", ""},
		{"For Office, run Quick Repair, then Online Repair, from Installed apps.",
			"Office の場合は、インストールされているアプリから「クイック修復」、次に「オンライン修復」を実行します。", "", "not_office"},
		{"{product|This product} is not a Microsoft update: it is not in the Microsoft Update Catalog. Repair or reinstall it with the vendor's installer of the same version (or ask the vendor), then retry.",
			"{product|この製品} は Microsoft の更新プログラムではなく、Microsoft Update カタログにはありません。同じバージョンのベンダーのインストーラーで修復または再インストールし (またはベンダーに問い合わせ)、再試行します。", "vendor", ""},
		{"Make sure the Windows Installer service (msiserver) is not disabled and that no other installation is running (MSI error 1618).",
			"Windows Installer サービス (msiserver) が無効になっていないこと、ほかのインストールが実行中でないこと (MSI エラー 1618) を確認します。", "", ""},
		{"If it still fails, capture a verbose MSI log (msiexec /l*v) and look at the action before \"Return value 3\"; install {product|the package} from the Microsoft Update Catalog.",
			"それでも失敗する場合は詳細 MSI ログ (msiexec /l*v) を取得し、\"Return value 3\" の直前のアクションを確認します。{product|パッケージ} は Microsoft Update カタログからインストールします。", "", "vendor"},
	},
	CauseDiskStorage: {
		{"Run chkdsk C: /scan, and chkdsk C: /f at the next restart if it reports errors.",
			"chkdsk C: /scan を実行し、エラーが報告された場合は次回の再起動時に chkdsk C: /f を実行します。", "", ""},
		{"Check the disk's SMART health with the vendor's tool; replace a failing disk before retrying.",
			"メーカーのツールでディスクの SMART 状態を確認し、故障の兆候があれば再試行の前に交換します。", "", ""},
		{"Free space on the system drive (Disk Cleanup, including system files): updates need several GB free.",
			"システム ドライブの空き容量を確保します (ディスク クリーンアップ、システム ファイルのクリーンアップを含む)。更新には数 GB の空きが必要です。", "", ""},
		{"Retry {kb|the update}; if files were damaged, run DISM /Online /Cleanup-Image /RestoreHealth and sfc /scannow first.",
			"{kb|更新プログラム} を再試行します。ファイルが破損していた場合は、先に DISM /Online /Cleanup-Image /RestoreHealth と sfc /scannow を実行します。", "", ""},
	},
	CauseServicingStack: {
		{"Install the latest servicing stack update (SSU) for this Windows version, restart, then install {kb|the update}.",
			"この Windows バージョン用の最新のサービス スタック更新プログラム (SSU) をインストールして再起動し、その後 {kb|更新プログラム} をインストールします。", "", ""},
		{"On Windows 10 21H2 and later the SSU ships inside the cumulative update: install the combined package from the Microsoft Update Catalog.",
			"Windows 10 21H2 以降では SSU は累積更新プログラムに含まれています。Microsoft Update カタログから統合パッケージをインストールします。", "", ""},
		{"When servicing an offline image with DISM (0x800f0823), add the SSU to the image before the package.",
			"DISM でオフライン イメージを処理する場合 (0x800f0823) は、パッケージより先に SSU をイメージに追加します。", "", ""},
	},
	CauseAVConflict: {
		{"The installer's elevated process was held by a security product: exclude the installer and %ProgramData%\\Package Cache from real-time scanning (or pause the antivirus), then run the installer again.",
			"インストーラーの昇格プロセスがセキュリティ製品に保留されました。インストーラーと %ProgramData%\\Package Cache をリアルタイム スキャンの対象から除外する (またはウイルス対策ソフトを一時停止する) か、インストーラーを再実行します。", "elevation", ""},
		{"Pause or temporarily disable {av|the third-party antivirus} for the duration of the update, then retry {kb|the update}.",
			"更新の間だけ {av|サードパーティ製ウイルス対策ソフト} を一時停止または無効にしてから、{kb|更新プログラム} を再試行します。", "", ""},
		{"If the product was uninstalled, remove its leftover filter drivers with the vendor's removal tool (fltmc filters lists them).",
			"製品をアンインストール済みの場合は、メーカーの削除ツールで残ったフィルター ドライバーを削除します (fltmc filters で確認できます)。", "", ""},
		{"Reset the Windows Update cache (SoftwareDistribution and catroot2) and retry.",
			"Windows Update のキャッシュ (SoftwareDistribution と catroot2) をリセットして再試行します。", "", ""},
		{"Install {kb|the update} from its standalone package in the Microsoft Update Catalog.",
			"Microsoft Update カタログのスタンドアロン パッケージから {kb|更新プログラム} をインストールします。", "", ""},
	},
}

// reasons are the pieces of a finding's reason line (printf formats).
var reasons = map[string]text{
	"reason.rules":     {"%d rule(s) matched", "%d 件のルールが一致", "", ""},
	"reason.near":      {", %d piece(s) of evidence within a day of the failure", "、失敗の前後 1 日以内の根拠 %d 件", "", ""},
	"reason.family":    {", and the failed update is %s", "、失敗した更新は%s", "", ""},
	"family.winre":     {"a WinRE update", " WinRE (回復環境) の更新", "", ""},
	"family.defender":  {"a Microsoft Defender update", " Microsoft Defender の更新", "", ""},
	"family.msi":       {"a Windows Installer (MSI) package", " Windows インストーラー (MSI) のパッケージ", "", ""},
	"family.lcu":       {"a cumulative update", "累積更新プログラム", "", ""},
	"family.ssu":       {"a servicing stack update", "サービス スタック更新プログラム", "", ""},
	"where.line":       {"%s line %s", "%s の %s 行目", "", ""},
	"where.record":     {"%s record %s", "%s のレコード %s", "", ""},
	"reason.resolved":  {"; the failure was later resolved", "。失敗は後で解決済み", "", ""},
	"reason.nofailure": {"; no failed installation was found in the inputs", "。入力に失敗したインストールは見つからない", "", ""},
	"reason.weakonly":  {"; the only failures found are error lines the component also writes on runs that end well", "。見つかった失敗は、正常に終わる実行でもコンポーネントが書くエラー行だけ", "", ""},
	"summary.more":     {" and %d more signal(s)", " ほか %d 件のシグナル", "", ""},
}

// messages is the catalog of every text, keyed "cause.<id>" and
// "remedy.<id>.<n>", in English and Japanese.
var messages = func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	set := func(key string, t text) {
		// Texts are not format strings: escape the % of %ProgramFiles%.
		b.SetString(language.English, key, strings.ReplaceAll(t.en, "%", "%%"))
		b.SetString(language.Japanese, key, strings.ReplaceAll(t.ja, "%", "%%"))
	}
	for id, t := range causeNames {
		set("cause."+id, t)
	}
	for id, t := range reasons {
		b.SetString(language.English, id, t.en)
		b.SetString(language.Japanese, id, t.ja)
	}
	for id, steps := range remedies {
		for i, t := range steps {
			set(remedyKey(id, i), t)
		}
	}
	return b
}()

func remedyKey(cause string, i int) string { return "remedy." + cause + "." + strconv.Itoa(i+1) }

var languages = []language.Tag{language.English, language.Japanese}

// Languages returns the report languages wudiag has messages for. The
// slice is a copy.
func Languages() []language.Tag { return slices.Clone(languages) }

// ParseLanguage picks the report language from a name such as "ja",
// "ja_JP.UTF-8" or "en-US"; unknown or empty names give English.
func ParseLanguage(name string) language.Tag {
	name = strings.TrimSpace(name)
	if i := strings.IndexAny(name, ".@"); i >= 0 {
		name = name[:i]
	}
	name = strings.ReplaceAll(name, "_", "-")
	if name == "" || name == "C" || name == "POSIX" {
		return language.English
	}
	tag, err := language.Parse(name)
	if err != nil {
		return language.English
	}
	m := language.NewMatcher(languages)
	_, i, conf := m.Match(tag)
	if conf == language.No {
		return language.English
	}
	return languages[i]
}

// LanguageFromEnv reads LC_ALL, LC_MESSAGES and LANG, in that order.
func LanguageFromEnv() language.Tag {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			return ParseLanguage(s)
		}
	}
	return language.English
}

// CauseName returns the cause's name in the language.
func CauseName(cause string, lang language.Tag) string {
	return message.NewPrinter(lang, message.Catalog(messages)).Sprintf("cause." + cause)
}

// remedySteps returns the cause's playbook in the language, with the
// placeholders filled from vals.
func remedySteps(cause string, lang language.Tag, vals map[string]string) []string {
	p := message.NewPrinter(lang, message.Catalog(messages))
	var out []string
	for i, t := range remedies[cause] {
		if t.when != "" && vals[t.when] == "" || t.unless != "" && vals[t.unless] != "" {
			continue
		}
		out = append(out, fill(p.Sprintf(remedyKey(cause, i)), vals))
	}
	return out
}

// fill replaces {name} and {name|alternative} placeholders.
func fill(s string, vals map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name, alt, _ := strings.Cut(s[i+1:i+j], "|")
		if v := vals[name]; v != "" {
			if name == "free" || name == "build" {
				v = " (" + v + ")"
			}
			b.WriteString(v)
		} else {
			b.WriteString(strings.TrimSpace(alt))
		}
		s = s[i+j+1:]
	}
}

// reasonLine writes a finding's reason in the language.
func reasonLine(g grounds, lang language.Tag) string {
	p := message.NewPrinter(lang, message.Catalog(messages))
	s := p.Sprintf("reason.rules", g.rules)
	if g.near > 0 {
		s += p.Sprintf("reason.near", g.near)
	}
	if g.family != "" {
		fam := g.family
		if _, ok := reasons["family."+fam]; ok {
			fam = p.Sprintf("family." + fam)
		}
		s += p.Sprintf("reason.family", fam)
	}
	if g.resolved {
		s += p.Sprintf("reason.resolved")
	}
	if g.noFailure {
		s += p.Sprintf("reason.nofailure")
	}
	if g.weakOnly {
		s += p.Sprintf("reason.weakonly")
	}
	return s
}
