package evtx_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wudiag/wudiag/evtx"
)

// exampleLog is a System log with one WindowsUpdateClient 20 failure, as
// "wevtutil qe System /f:xml" prints it. A binary .evtx file is read the
// same way: the Reader tells the kind of file from its content.
const exampleLog = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
<System><Provider Name="Microsoft-Windows-WindowsUpdateClient" Guid="{945A8954-C147-4ACD-923F-40C45405A658}"/>
<EventID>20</EventID><Version>1</Version><Level>2</Level><Task>1</Task><Opcode>13</Opcode>
<Keywords>0x8000000000000028</Keywords><TimeCreated SystemTime="2024-01-10T10:23:45.0000000Z"/>
<EventRecordID>1</EventRecordID><Correlation/><Execution ProcessID="1012" ThreadID="1732"/>
<Channel>System</Channel><Computer>pc1</Computer><Security UserID="S-1-5-18"/></System>
<EventData><Data Name="errorCode">0x80070643</Data>
<Data Name="updateTitle">2024-01 Security Update for Windows 10 (KB5034441)</Data></EventData></Event>`

func ExampleReader() {
	r := evtx.NewReader(strings.NewReader(exampleLog), int64(len(exampleLog)), nil)
	for r.Next() {
		for _, w := range r.Warnings() {
			fmt.Println("warning:", w)
		}
		ev := r.Event()
		fmt.Println(ev.Time.Format(time.RFC3339), ev.Provider, ev.EventID, ev.Get("errorCode"), ev.Get("updateTitle"))
	}
	if err := r.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 2024-01-10T10:23:45Z Microsoft-Windows-WindowsUpdateClient 20 0x80070643 2024-01 Security Update for Windows 10 (KB5034441)
}

func ExampleEvents() {
	name := filepath.Join(os.TempDir(), "example-System.xml")
	os.WriteFile(name, []byte(exampleLog), 0o644)
	defer os.Remove(name)

	for ev, err := range evtx.Events(context.Background(), name, &evtx.Options{Recover: true}) {
		if err != nil {
			fmt.Println("warning:", err) // damage is reported per chunk or record
			continue
		}
		fmt.Println(ev.RecordID, ev.Channel, ev.EventID, ev.LevelName())
	}
	// Output:
	// 1 System 20 Error
}

func ExampleAliases() {
	for _, names := range evtx.Aliases() {
		if names[0] == "Current security intelligence Version" {
			fmt.Println(strings.Join(names, " = "))
		}
	}
	// Output:
	// Current security intelligence Version = Current Signature Version
}
