package dismlog_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/wudiag/wudiag/dismlog"
)

func ExampleReader() {
	const excerpt = "2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed finalizing changes. - CDISMPackageManager::Internal_Finalize(hr:0x800f081f)\r\n" +
		"[3252.2868] [0x8007007b] FIOReadFileIntoBuffer:(1456): The filename, directory name, or volume label syntax is incorrect.\r\n"
	r := dismlog.NewReader(strings.NewReader(excerpt))
	for r.Scan() {
		e := r.Entry()
		fmt.Printf("%q pid=%d %s hr=%v wimgapi=%v\n", e.Subsystem, e.PID, e.Method, e.HR, e.WIMGAPI)
	}
	if err := r.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// "DISM Package Manager" pid=5372 CDISMPackageManager::Internal_Finalize hr=0x800f081f wimgapi=false
	// "" pid=3252 FIOReadFileIntoBuffer hr=0x8007007b wimgapi=true
}

func ExampleSummarize() {
	const excerpt = "2023-05-17 12:05:00, Info                  DISM   DISM.EXE: <----- Starting Dism.exe session ----->\n" +
		"2023-05-17 12:05:00, Info                  DISM   DISM.EXE: Executing command line: DISM  /Online /Cleanup-Image /RestoreHealth\n" +
		"2023-05-17 12:06:13, Error                 DISM   DISM Package Manager: PID=5372 TID=12244 Failed to restore the image health. - CPackageManagerCLIHandler::ProcessCmdLine_CleanupImage(hr:0x800f081f)\n" +
		"2023-05-17 12:06:14, Info                  DISM   DISM.EXE: <----- Ending Dism.exe session ----->\n"
	s, err := dismlog.Summarize(strings.NewReader(excerpt))
	if err != nil {
		log.Fatal(err)
	}
	for _, ss := range s.Sessions {
		fmt.Printf("%s → %v\n", ss.Command, ss.Result)
	}
	// Output:
	// DISM  /Online /Cleanup-Image /RestoreHealth → 0x800f081f
}
