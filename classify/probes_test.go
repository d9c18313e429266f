package classify

import (
	"context"
	"strings"
	"testing"
)

// TestPastedMessages runs the engine on what people paste from the
// screens and logs of a failing machine, written from the components'
// documented messages (not from the sample cases): the Settings page and
// its update history, Event Viewer copies, the output of sfc and dism,
// decoded and classic WindowsUpdate.log lines. Each names the cause a
// support engineer would give first ("" when the paste alone proves
// none) and the update the failure must be named by ("" when the paste
// names none).
func TestPastedMessages(t *testing.T) {
	for _, tt := range []struct {
		name, file, text string
		cause            string
		update           string
	}{
		{"settings history, title above status", "history.txt",
			"Update history\nQuality Updates\n2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)\n" +
				"Failed to install on \u200e1/\u200e9/\u200e2024 - 0x80070643\n2024-01 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5034122)\n" +
				"Successfully installed on \u200e1/\u200e9/\u200e2024\n",
			CauseRecoveryPartition, "KB5034441"},
		{"windows 10 history wording", "paste.txt",
			"2023-10 Cumulative Update for .NET Framework 3.5, 4.8 and 4.8.1 for Windows 10 Version 22H2 for x64 (KB5031539)\n" +
				"Last failed install attempt on 10/12/2023 - 0x80070643\n",
			CauseMSIDotNet, "KB5031539"},
		{"settings message above the list", "paste.txt",
			"Tried again this morning:\nThere were problems installing some updates, but we'll try again later. If you keep seeing this and want to " +
				"search the web or contact support for information, this may help: (0x80070643)\n" +
				"2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)\n",
			CauseRecoveryPartition, "KB5034441"},
		{"settings message, Japanese", "paste.txt",
			"一部の更新プログラムをインストールする際に問題が発生しましたが、後で再試行されます。このメッセージが引き続き表示され、Web を検索したり" +
				"サポートに問い合わせたりして情報を得る場合は、次の情報が役立つ可能性があります: (0x80070643)\n" +
				"2024-01 x64 ベース システム用 Windows 10 Version 22H2 のセキュリティ更新プログラム (KB5034441)\n",
			CauseRecoveryPartition, "KB5034441"},
		{"sfc output wrapped by sfc", "sfc.txt",
			"Beginning verification phase of system scan.\nVerification 100% complete.\n\n" +
				"Windows Resource Protection found corrupt files but was unable to fix some\nof them. For online repairs, details are included in the CBS log file located at\n" +
				"windir\\Logs\\CBS\\CBS.log. For example C:\\Windows\\Logs\\CBS\\CBS.log. For offline\nrepairs, details are included in the log file provided by the /OFFLOGFILE flag.\n",
			CauseComponentCorruption, ""},
		{"disk events copied without their header", "system.txt",
			"Error\t2/3/2024 8:14:21 PM\tdisk\t7\tNone\tThe device, \\Device\\Harddisk0\\DR0, has a bad block.\n" +
				"Error\t2/3/2024 8:40:11 PM\tMicrosoft-Windows-WindowsUpdateClient\t20\tWindows Update Agent\tInstallation Failure: Windows failed to install " +
				"the following update with error 0x80070643: 2024-01 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5034122).\n",
			CauseDiskStorage, "KB5034122"},
		{"winget names the package above its installer's exit", "winget.txt",
			"Found Microsoft .NET Windows Desktop Runtime 6.0 [Microsoft.DotNet.DesktopRuntime.6] Version 6.0.26\n" +
				"This application is licensed to you by its owner.\nSuccessfully verified installer hash\nStarting package install...\n" +
				"Installer failed with exit code: 1603\n",
			CauseMSIDotNet, "Microsoft .NET Windows Desktop Runtime 6.0"},
		{"a paste that starts like Event Viewer's text and holds no event", "event.txt",
			"Log Name:      System\r\nDescription:\r\nInstallation Failure: Windows failed to install the following update with error 0x80070643: " +
				"2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441).\r\n",
			CauseRecoveryPartition, "KB5034441"},
		{"wusa's dialog, the command naming the .msu below it", "paste.txt",
			"Windows Update Standalone Installer\nInstaller encountered an error: 0x80070643\nFatal error during installation.\n\n" +
				"C:\\Users\\me\\Downloads>wusa windows10.0-kb5034441-x64_a1b2c3.msu /quiet\n",
			CauseRecoveryPartition, "KB5034441"},
		{"Windows 10 Settings, the update's own message", "paste.txt",
			"2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)\n" +
				"We couldn't install this update, but you can try again (0x80070643).\n",
			CauseRecoveryPartition, "KB5034441"},
		{"Windows 7 control panel, the code on its own line", "paste.txt",
			"Windows could not search for new updates\nAn error occurred while checking for new updates for your computer.\n" +
				"Error(s) found:\nCode 80072EFE Windows Update encountered an unknown error.\n",
			CauseDownloadCache, ""},
		{"decoded WindowsUpdate.log, CBS handler", "WindowsUpdate.log",
			"2024/02/14 10:25:02.1234567 1188  9012  Handler         CBS called Error with 0x800f081f, \n",
			CauseComponentCorruption, ""},
		{"classic WindowsUpdate.log, AU", "WindowsUpdate.log",
			"2016-10-19 14:24:01:406 1532 1930 AU   # WARNING: Install failed, error = 0x80070643 / 0x800736B3\n",
			CauseComponentCorruption, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Analyze(context.Background(), []Input{bytesInput(tt.file, tt.text)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			top := ""
			if len(d.Findings) > 0 && d.Findings[0].Confidence != Low {
				top = d.Findings[0].Cause
			}
			if top != tt.cause {
				t.Errorf("top cause %q, want %q (findings %s)", top, tt.cause, strings.TrimSpace(digest(d)))
			}
			if tt.update == "" {
				return
			}
			if len(d.Failures) == 0 {
				t.Fatalf("no failure found")
			}
			if d.Failures[0].Update != tt.update {
				t.Errorf("failure named %q, want %q", d.Failures[0].Update, tt.update)
			}
		})
	}
}
