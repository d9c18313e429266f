package evtx_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// exampleLog is a System log with one WindowsUpdateClient 20 failure.
func exampleLog() []byte {
	var buf bytes.Buffer
	w := evtxwrite.New(&buf, &evtxwrite.Options{Dirty: true})
	w.Add(evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", EventID: 20, Level: 2,
		Time: time.Date(2024, 1, 10, 10, 23, 45, 0, time.UTC),
		Data: []evtxwrite.Field{{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)},
			{Name: "updateTitle", Value: "2024-01 Security Update for Windows 10 (KB5034441)"}}})
	w.Close()
	return buf.Bytes()
}

func ExampleReader() {
	data := exampleLog()
	r := evtx.NewReader(bytes.NewReader(data), int64(len(data)), nil)
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
	name := filepath.Join(os.TempDir(), "example-System.evtx")
	os.WriteFile(name, exampleLog(), 0o644)
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
