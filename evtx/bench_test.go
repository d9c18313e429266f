package evtx_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	gevtx "github.com/0xrawsec/golang-evtx/evtx"
	"github.com/wudiag/wudiag/evtx"
	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// benchSize is the size of the generated benchmark log (at least 200 MB).
const benchSize = 210 << 20

var (
	benchOnce sync.Once
	benchFile string
	benchDir  string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchLog generates, once per test binary, a log of about benchSize bytes
// with the event shapes of a System/Application/Setup/Defender mix
// (including empty Data values, as real logs have). Set EVTX_BENCH_FILE to
// keep it at that path (to time other tools, such as evtxexport, on it).
func benchLog(b *testing.B) string {
	benchOnce.Do(func() {
		benchFile = os.Getenv("EVTX_BENCH_FILE")
		if benchFile == "" {
			benchDir, benchErr = os.MkdirTemp("", "evtxbench")
			if benchErr != nil {
				return
			}
			benchFile = filepath.Join(benchDir, "bench.evtx")
		} else if fi, err := os.Stat(benchFile); err == nil && fi.Size() >= benchSize {
			return
		}
		benchErr = writeBenchLog(benchFile, benchSize)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFile
}

func writeBenchLog(name string, size int64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	w := evtxwrite.New(f, &evtxwrite.Options{Dirty: true, StaleChunkCount: 3})
	t := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	sid := "S-1-5-18"
	for i := 0; ; i++ {
		if i%1000 == 0 {
			if fi, err := f.Stat(); err == nil && fi.Size() >= size {
				break
			}
		}
		t = t.Add(1234567 * time.Microsecond)
		kb := fmt.Sprintf("KB%07d", 5000000+i%40000)
		var ev evtxwrite.Event
		switch i % 8 {
		case 0, 1:
			ev = evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}",
				EventID: 19, Version: 1, Level: 4, Task: 1, Opcode: 13, Keywords: 0x8000000000000018, Computer: "DESKTOP-2KGM189", UserID: sid,
				Data: []evtxwrite.Field{{Name: "updateTitle", Value: "2024-01 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (" + kb + ")"},
					{Name: "updateGuid", Value: evtxwrite.GUID("{25ACAE93-40D4-4E62-814C-EFB2F29F1BCA}")}, {Name: "updateRevisionNumber", Value: uint32(i % 300)},
					{Name: "serviceGuid", Value: evtxwrite.GUID("{9482F4B4-E343-43B6-B170-9A65BC822C77}")}}}
		case 2:
			ev = evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-WindowsUpdateClient", ProviderGUID: "{945A8954-C147-4ACD-923F-40C45405A658}",
				EventID: 20, Version: 1, Level: 2, Task: 1, Opcode: 13, Keywords: 0x8000000000000028, Computer: "DESKTOP-2KGM189", UserID: sid,
				Data: []evtxwrite.Field{{Name: "errorCode", Value: evtxwrite.HexInt32(0x80070643)},
					{Name: "updateTitle", Value: "Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.403." + fmt.Sprint(i%999) + ".0)"},
					{Name: "updateGuid", Value: evtxwrite.GUID("{326EE4D6-68B2-4400-9671-2AE695B0C383}")}, {Name: "updateRevisionNumber", Value: uint32(200)},
					{Name: "serviceGuid", Value: evtxwrite.GUID("{9482F4B4-E343-43B6-B170-9A65BC822C77}")}}}
		case 3:
			ev = evtxwrite.Event{Channel: "System", Provider: "Service Control Manager", ProviderGUID: "{555908D1-A6D7-4695-8E1E-26931D2012F4}",
				EventSourceName: "Service Control Manager", EventID: 7036, HasQualifiers: true, Qualifiers: 16384, Level: 4, Keywords: 0x8080000000000000,
				Computer: "DESKTOP-2KGM189", Data: []evtxwrite.Field{{Name: "param1", Value: "Windows Modules Installer"}, {Name: "param2", Value: "running"}},
				Binary: []byte("T\x00r\x00u\x00s\x00t\x00e\x00d\x00I\x00n\x00s\x00t\x00a\x00l\x00l\x00e\x00r\x00/\x004\x00")}
		case 4:
			ev = evtxwrite.Event{Channel: "Setup", Provider: "Microsoft-Windows-Servicing", ProviderGUID: "{BD12F3B8-FC40-4A61-A307-B7A013A069C1}",
				EventID: 2, Task: 1, Keywords: 0x8000000000000000, Computer: "DESKTOP-2KGM189", UserID: sid,
				UserData: "CbsPackageChangeState", UserDataNS: "http://manifests.microsoft.com/win/2004/08/windows/setup_provider",
				Data: []evtxwrite.Field{{Name: "PackageIdentifier", Value: kb}, {Name: "IntendedPackageState", Value: "5112"},
					{Name: "IntendedPackageStateTextized", Value: "Installed"}, {Name: "ErrorCode", Value: "0x0"}, {Name: "Client", Value: "UpdateAgentLCU"}}}
		case 5:
			ev = evtxwrite.Event{Channel: "Application", Provider: "MsiInstaller", EventID: 1033, HasQualifiers: true, Level: 4, Keywords: 0x80000000000000,
				Computer: "DESKTOP-2KGM189", UserID: sid, Unnamed: true,
				Data: []evtxwrite.Field{{Value: "Microsoft .NET Host - 8.0.1 (x64)"}, {Value: "64.4.31126"}, {Value: "1033"}, {Value: "1603"},
					{Value: "Microsoft Corporation"}, {Value: "(NULL)"}, {Value: ""}},
				Binary: []byte("{9C1A3B7A-1C62-4F2F-8E5C-7D7F6A7C2C1F}")}
		case 6:
			ev = evtxwrite.Event{Channel: "Microsoft-Windows-Windows Defender/Operational", Provider: "Microsoft-Windows-Windows Defender",
				ProviderGUID: "{11CD958A-C507-4EF3-B3F2-5FD9DFBD2C78}", EventID: 2001, Level: 2, Keywords: 0x8000000000000000,
				Computer: "DESKTOP-2KGM189", UserID: sid,
				Data: []evtxwrite.Field{{Name: "Product Name", Value: "Microsoft Defender Antivirus"}, {Name: "Product Version", Value: "4.18.2104.10"},
					{Name: "Current security intelligence Version", Value: "1.321.70.0"}, {Name: "Previous security intelligence Version", Value: "1.321.69.0"},
					{Name: "Update Source Index", Value: "7"}, {Name: "Update Source", Value: "Microsoft Update Server"}, {Name: "Unused", Value: ""},
					{Name: "Domain", Value: "NT AUTHORITY"}, {Name: "User", Value: "SYSTEM"}, {Name: "SID", Value: sid},
					{Name: "Security intelligence Type Index", Value: "1"}, {Name: "Security intelligence Type", Value: "AntiVirus"},
					{Name: "Update Type Index", Value: "1"}, {Name: "Update Type", Value: "Full"}, {Name: "Current Engine Version", Value: "1.1.17400.5"},
					{Name: "Previous Engine Version", Value: "1.1.17300.4"}, {Name: "Error Code", Value: "0x80070643"},
					{Name: "Error Description", Value: "Fatal error during installation. "}, {Name: "Update State Index", Value: "3"},
					{Name: "Update State", Value: "Install"}, {Name: "Source Path", Value: "https://fe2cr.update.microsoft.com/v6/"}}}
		default:
			ev = evtxwrite.Event{Channel: "System", Provider: "Microsoft-Windows-Kernel-General", ProviderGUID: "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}",
				EventID: 16, Version: 1, Level: 4, Keywords: 0x8000000000000000, Computer: "DESKTOP-2KGM189", UserID: sid,
				Data: []evtxwrite.Field{{Name: "HiveNameLength", Value: uint32(31)}, {Name: "HiveName", Value: `\??\C:\Windows\AppCompat\Programs\Amcache.hve`},
					{Name: "KeysUpdated", Value: uint32(i % 97)}, {Name: "DirtyPages", Value: uint32(i % 31)}}}
		}
		ev.Time = t
		ev.ProcessID, ev.ThreadID = 1000+uint32(i%50), 2000+uint32(i%777)
		if err := w.Add(ev); err != nil {
			return err
		}
	}
	return w.Close()
}

func benchRead(b *testing.B, opts *evtx.Options) {
	name := benchLog(b)
	fi, _ := os.Stat(name)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	records := 0
	for i := 0; i < b.N; i++ {
		records = readOnce(b, name, opts)
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	reportCPU(b, fi.Size()*int64(b.N), cpuTime()-cpu0)
}

// readOnce reads every event of the named log and returns their number.
func readOnce(b *testing.B, name string, opts *evtx.Options) int {
	r, err := evtx.Open(name, opts)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for r.Next() {
		n++
	}
	if r.Err() != nil || len(r.Warnings()) > 0 {
		b.Fatal(r.Err(), r.Warnings())
	}
	r.Close()
	return n
}

// reportCPU reports MB per second of CPU time (user and system), which
// other jobs on a shared machine disturb far less than wall time.
func reportCPU(b *testing.B, bytes int64, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(bytes)/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}

// BenchmarkReader decodes the generated log into Events on one goroutine.
func BenchmarkReader(b *testing.B) { benchRead(b, nil) }

// BenchmarkReaderParallel decodes with one goroutine per CPU.
func BenchmarkReaderParallel(b *testing.B) {
	benchRead(b, &evtx.Options{Parallel: runtime.GOMAXPROCS(0)})
}

// BenchmarkGolangEvtx reads the same log with golang-evtx on one goroutine
// (FetchChunk, ParseEvent, GoEvtxMap: its own per-chunk API, the loop
// the baseline calls "own loop").
func BenchmarkGolangEvtx(b *testing.B) {
	name := benchLog(b)
	fi, _ := os.Stat(name)
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	log.SetOutput(io.Discard)
	defer log.SetOutput(os.Stderr)
	b.ResetTimer()
	cpu0 := cpuTime()
	records := 0
	for i := 0; i < b.N; i++ {
		records = golangEvtxOnce(b, name, fi.Size())
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	reportCPU(b, fi.Size()*int64(b.N), cpuTime()-cpu0)
}

func golangEvtxOnce(b *testing.B, name string, size int64) int {
	fh, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	f, err := gevtx.New(fh)
	if err != nil {
		b.Fatal(err)
	}
	records := 0
	for off := int64(4096); off < size; off += 65536 {
		func() {
			defer func() { recover() }()
			c, err := f.FetchChunk(off)
			if err != nil {
				return
			}
			for _, eo := range c.EventOffsets {
				if m, err := c.ParseEvent(int64(eo)).GoEvtxMap(&c); err == nil && m != nil {
					records++
				}
			}
		}()
	}
	return records
}

// BenchmarkVsGolangEvtx reads the log with this reader and with
// golang-evtx alternately (reader, golang-evtx, reader, ...: the machine
// may be shared) and reports both speeds and how many times faster the
// reader is: the median of the per-pair ratios of CPU time, or of wall
// time where CPU time is not measured. Run it with -benchtime 3x (three
// pairs; golang-evtx takes about 15 s per pass) and GOMAXPROCS=1.
func BenchmarkVsGolangEvtx(b *testing.B) {
	name := benchLog(b)
	fi, _ := os.Stat(name)
	log.SetOutput(io.Discard)
	defer log.SetOutput(os.Stderr)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	var ratios, ours, theirs []float64
	measure := func(f func()) time.Duration {
		c, w := cpuTime(), time.Now()
		f()
		if d := cpuTime() - c; d > 0 {
			return d
		}
		return time.Since(w)
	}
	mb := float64(fi.Size()) / 1e6
	for i := 0; i < b.N; i++ {
		var n1, n2 int
		a := measure(func() { n1 = readOnce(b, name, nil) })
		g := measure(func() { n2 = golangEvtxOnce(b, name, fi.Size()) })
		if n1 != n2 {
			b.Fatalf("reader read %d records, golang-evtx %d", n1, n2)
		}
		ours, theirs = append(ours, mb/a.Seconds()), append(theirs, mb/g.Seconds())
		ratios = append(ratios, g.Seconds()/a.Seconds())
	}
	b.ReportMetric(median(ours), "reader-MB/s")
	b.ReportMetric(median(theirs), "golang-evtx-MB/s")
	b.ReportMetric(median(ratios), "x-golang-evtx")
	b.Logf("reader MB/s %.0f, golang-evtx MB/s %.1f, ratios %.1f", ours, theirs, ratios)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
