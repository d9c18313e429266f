package textlogs_test

import (
	"fmt"
	"strings"

	"github.com/wudiag/wudiag/internal/textlogs"
)

// A Get-WindowsUpdateLog line that records an install failure: WUA mapped
// the installer's exit code FFFE to 0x80070643.
func ExampleRecords() {
	log := "2019/06/05 11:07:50.0950566 21136   9740  Agent           LogHistory called.   idUpdate={E0F87EBF-B414-4AC7-A225-8FE802CF8618}.1, resultMapped=80070643,   resultUnMapped=FFFE\r\n"
	for rec, err := range textlogs.Records(strings.NewReader(log), textlogs.WindowsUpdate) {
		if err != nil {
			panic(err)
		}
		fmt.Println(rec.Component, rec.Fields["update_id"], rec.Fields["result_mapped"], rec.Fields["result_unmapped"])
	}
	// Output:
	// Agent E0F87EBF-B414-4AC7-A225-8FE802CF8618 0x80070643 0x0000fffe
}

func ExampleSniff() {
	head := []byte("[2D50:1074][2020-10-07T04:11:44]i399: Apply complete, result: 0x80070643, restart: None\n")
	fmt.Println(textlogs.Sniff("Microsoft_.NET_Core_SDK.log", head))
	fmt.Printf("%q\n", textlogs.Sniff("CBS.log", []byte("2015-02-23 21:47:28, Info                  CBS    Loaded Servicing Stack v6.3.9600.17246\r\n")))
	// Output:
	// burn
	// ""
}

// The Windows Update download of the WinRE installer fails on a full OS
// disk: the url and path fields tell it from a full recovery partition.
func ExampleReader() {
	log := "Windows failed to download from http://au.download.windowsupdate.com/c/msdownload/update/software/secu/2024/01/winreupdateinstaller_2401b_amd64_db08130ebf8845056f4677e8ef6d85ec048bf7b4.exe\n" +
		"to local path = C:\\Windows\\SoftwareDistribution\\Download\\f8c37f82eee991ffa34047ca3710154c\\db08130ebf8845056f4677e8ef6d85ec048bf7b4 with error 0x80070070\n"
	r := textlogs.NewReader(strings.NewReader(log), textlogs.WindowsUpdate)
	for r.Scan() {
		rec := r.Record()
		fmt.Println(rec.Line, rec.Codes, strings.Contains(rec.Fields["url"], "winreupdateinstaller"), rec.Fields["path"][:31])
	}
	if err := r.Err(); err != nil {
		panic(err)
	}
	// Output:
	// 1 [0x80070070] true C:\Windows\SoftwareDistribution
}

// An MpCmdRun.log run with a localized start time: the U+200E marks are
// dropped and the date is read without knowing the language.
func ExampleRecords_mpCmdRun() {
	log := "------------------------------------------------------------\r\n" +
		"MpCmdRun: Command Line: \"C:\\Program Files\\Windows Defender\\MpCmdRun.exe\" SignatureUpdate\r\n" +
		" Start Time: \u200e周日 \u200e5月 \u200e30 \u200e2021 13:43:24\r\n" +
		"Update failed with hr: 0x80070643\r\n"
	for rec := range textlogs.Records(strings.NewReader(log), textlogs.MpCmdRun) {
		fmt.Println(rec.Fields["start"], rec.Fields["hr"])
	}
	// Output:
	// 2021-05-30T13:43:24 0x80070643
}
