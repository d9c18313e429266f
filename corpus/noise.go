package corpus

import (
	"fmt"
	"time"
	"unicode/utf16"

	"github.com/wudiag/wudiag/internal/evtxwrite"
)

// background adds what every machine logs around the scenario's events:
// definition updates every few hours (WindowsUpdateClient 44/43/19,
// Defender 2000, Operational 26/41), Windows Defender registered as ON
// in Security Center, the NTFS health event at boot, and services
// starting and stopping.
func (b *builder) background() {
	start := b.s.base.Add(-36 * time.Hour)
	end := b.s.base.Add(3 * time.Hour)
	until, _ := parseOffset(b.m.RoutineUpdatesUntil)
	siEnd := end
	if b.m.RoutineUpdatesUntil != "" {
		siEnd = b.s.base.Add(until)
	}
	b.securityCenterEvent(start.Add(2*time.Minute), "Windows Defender", "SECURITY_PRODUCT_STATE_ON")
	b.event(pathSystem, start.Add(time.Minute), evtxwrite.Event{Provider: "Microsoft-Windows-Ntfs", EventID: 98, Level: 4, Keywords: 0x8000000000000000,
		UserID: "S-1-5-18", Data: []evtxwrite.Field{{Name: "DriveName", Value: "C:"}, {Name: "DeviceName", Value: "\\Device\\HarddiskVolume3"}, {Name: "CorruptionActionState", Value: uint32(0)}}})
	build := 100 + int(fnvHash(b.s.Name)%700)
	prev := fmt.Sprintf("1.403.%d.0", build)
	for t := start.Add(time.Duration(b.rnd.IntN(180)) * time.Minute); t.Before(siEnd); t = t.Add(7*time.Hour + time.Duration(b.rnd.IntN(120))*time.Minute) {
		build += 1 + b.rnd.IntN(6)
		v := fmt.Sprintf("1.403.%d.0", build)
		u, _ := b.newUpdate(&wuArgs{KB: "KB2267602", Version: v})
		b.wuOpEvent(t.Add(-9*time.Minute), 26, evtxwrite.Field{Name: "updateCount", Value: uint32(1)}, evtxwrite.Field{Name: "serviceGuid", Value: evtxwrite.GUID(serviceWU)})
		b.wuEvent(t.Add(-6*time.Minute), 44, u, 0)
		b.wuOpEvent(t.Add(-2*time.Minute), 41, evtxwrite.Field{Name: "updateTitle", Value: u.title},
			evtxwrite.Field{Name: "updateGuid", Value: evtxwrite.GUID(u.guid)}, evtxwrite.Field{Name: "updateRevisionNumber", Value: u.rev})
		b.wuEvent(t.Add(-time.Minute), 43, u, 0)
		b.defenderEvent(t.Add(-30*time.Second), &defenderArgs{ID: 2000, Version: v, Previous: prev})
		b.wuEvent(t, 19, u, 0)
		prev = v
	}
	for t := start.Add(5 * time.Minute); t.Before(end); t = t.Add(time.Duration(20+b.rnd.IntN(200)) * time.Minute) {
		b.event(pathSystem, t, b.serviceEvent(b.rnd.IntN(len(services)), true))
		b.event(pathSystem, t.Add(time.Duration(2+b.rnd.IntN(10))*time.Minute), b.serviceEvent(b.rnd.IntN(len(services)), false))
	}
}

var services = []struct{ name, en, ja string }{
	{"TrustedInstaller", "Windows Modules Installer", "Windows Modules Installer"},
	{"wuauserv", "Windows Update", "Windows Update"},
	{"BITS", "Background Intelligent Transfer Service", "バックグラウンド インテリジェント転送サービス"},
	{"UsoSvc", "Update Orchestrator Service", "Update Orchestrator Service"},
}

// serviceEvent returns a Service Control Manager 7036 (state change),
// with the service and state names in the machine's language and the
// "<service>/<state>" binary.
func (b *builder) serviceEvent(i int, running bool) evtxwrite.Event {
	s := services[i]
	name, state, code := s.en, "running", 4
	if b.m.ja {
		name, state = s.ja, "実行中"
	}
	if !running {
		state, code = "stopped", 1
		if b.m.ja {
			state = "停止"
		}
	}
	var bin []byte
	for _, u := range utf16.Encode([]rune(fmt.Sprintf("%s/%d", s.name, code))) {
		bin = append(bin, byte(u), byte(u>>8))
	}
	return evtxwrite.Event{Provider: provSCM, ProviderGUID: guidSCM, EventSourceName: provSCM, EventID: 7036, HasQualifiers: true,
		Qualifiers: 16384, Level: 4, Keywords: 0x8080000000000000, Computer: b.m.Computer, Channel: "System",
		Data: []evtxwrite.Field{{Name: "param1", Value: name}, {Name: "param2", Value: state}}, Binary: bin}
}

// noiseEventBytes is about what one noise event takes in an EVTX file.
const noiseEventBytes = 420

// A noiseGen streams background events for Options.Scale, evenly spread
// over the 30 days before the scenario.
type noiseGen struct {
	b        *builder
	app      bool
	n, total int
	start    time.Time
	step     time.Duration
	nextT    time.Time
}

func newNoiseGen(b *builder, rel string, share int64, _ []evtxwrite.Event) *noiseGen {
	total := max(int(share/noiseEventBytes), 1)
	start := b.m.utc(b.s.base.Add(-30 * 24 * time.Hour))
	g := &noiseGen{b: b, app: rel == pathApplication, total: total, start: start, step: 30 * 24 * time.Hour / time.Duration(total)}
	g.nextT = start
	return g
}

// before reports whether the next noise event comes before t (any
// remaining event when t is zero).
func (g *noiseGen) before(t time.Time) bool {
	return g.n < g.total && (t.IsZero() || g.nextT.Before(t))
}

func (g *noiseGen) next() evtxwrite.Event {
	var ev evtxwrite.Event
	if g.app {
		// Windows Installer transactions: begin (1040) and end (1042).
		id := uint16(1040 + 2*(g.n%2))
		ev = evtxwrite.Event{Provider: "MsiInstaller", EventID: id, HasQualifiers: true, Level: 4, Keywords: 0x0080000000000000,
			UserID: "S-1-5-18", Unnamed: true, Channel: "Application", Computer: g.b.m.Computer,
			Data: []evtxwrite.Field{{Value: fmt.Sprintf("C:\\Windows\\Installer\\%x.msi", fnvHash(fmt.Sprint(g.n/2))&0xffffff)}, {Value: fmt.Sprint(4000 + g.n%3000)}, {Value: "(NULL)"}, {Value: "(NULL)"}, {Value: "(NULL)"}, {Value: "(NULL)"}, {Value: ""}}}
	} else {
		ev = g.b.serviceEvent(g.n%len(services), g.n%2 == 0)
	}
	ev.Time = g.nextT
	ev.ProcessID, ev.ThreadID = 700, uint32(1000+4*(g.n%500))
	g.n++
	g.nextT = g.start.Add(time.Duration(g.n) * g.step)
	return ev
}
