package corpus

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"go.yaml.in/yaml/v3"

	"github.com/wudiag/wudiag/internal/collect"
	"github.com/wudiag/wudiag/internal/evtxwrite"
	"github.com/wudiag/wudiag/internal/synth"
)

// Paths of the files in a bundle, laid out as the folders of the machine
// they were copied from (the shape of a support collection).
const (
	pathCBS      = "Windows/Logs/CBS/CBS.log"
	pathDISM     = "Windows/Logs/DISM/dism.log"
	pathWULog    = "WindowsUpdate.log" // Get-WindowsUpdateLog writes it where it is run
	pathMpCmdRun = "Windows/Temp/MpCmdRun.log"
	pathSetupAct = "Windows/Panther/setupact.log"
	pathFltmc    = "fltmc.txt" // `fltmc filters` output saved by the collector
)

// The event logs are collect's channels (the list the collector exports
// and the analyzer reads), each at its file.
var (
	pathSystem      = channelFile("System")
	pathApplication = channelFile("Application")
	pathSetup       = channelFile("Setup")
	pathDefenderOp  = channelFile("Microsoft-Windows-Windows Defender/Operational")
	pathWUOp        = channelFile("Microsoft-Windows-WindowsUpdateClient/Operational")
)

func channelFile(name string) string {
	c, ok := collect.ChannelByName(name)
	if !ok {
		panic("corpus: collect.Channels does not list " + name)
	}
	return c.File
}

// Options adjust Materialize.
type Options struct {
	// Seed replaces the scenario's seed when not 0.
	Seed uint64
	// Scale, when > 0, is about how many bytes of CBS.log and event-log
	// noise to write around the scenario's signal (for benchmarks). The
	// noise is streamed: memory does not grow with Scale.
	Scale int64
}

// defaultCBSNoise is the CBS.log volume of a scenario without Scale: a
// few days of routine servicing.
const defaultCBSNoise = 384 << 10

// Materialize writes the scenario's bundle into dir (created if needed)
// and returns the paths it wrote, relative to dir, with slashes.
func (s *Scenario) Materialize(dir string, opts *Options) ([]string, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	b, err := s.build(o)
	if err != nil {
		return nil, err
	}
	return b.write(dir)
}

// builder collects what one scenario writes, then writes it file by file.
type builder struct {
	s      *Scenario
	m      *machineInfo
	o      Options
	seed   uint64
	rnd    *rand.Rand
	events map[string][]evtxwrite.Event
	cbs    []passage
	dism   []passage
	text   map[string]*textFile
	seq    int
}

// A passage is lines of CBS.log or dism.log written at a time.
type passage struct {
	t     time.Time
	seq   int
	write func(g *synth.CBSWriter)
}

type textFile struct {
	utf16   bool // UTF-16LE with BOM (MpCmdRun.log)
	bom     bool // UTF-8 BOM
	entries []textEntry
}

type textEntry struct {
	t    time.Time
	seq  int
	text string // lines separated by \n; written with CRLF
}

func (s *Scenario) build(o Options) (*builder, error) {
	m, err := newMachineInfo(&s.Machine)
	if err != nil {
		return nil, err
	}
	seed := s.Seed
	if o.Seed != 0 {
		seed = o.Seed
	}
	b := &builder{s: s, m: m, o: o, seed: seed,
		rnd:    rand.New(rand.NewPCG(seed, fnvHash(s.Name))),
		events: map[string][]evtxwrite.Event{},
		text:   map[string]*textFile{},
	}
	for i := range s.Timeline {
		st := &s.Timeline[i]
		if err := blocks[st.Block](b, s.base.Add(st.At), &st.args); err != nil {
			return nil, fmt.Errorf("%s: step %d (%s): %w", s.Name, i+1, st.Block, err)
		}
	}
	b.background()
	return b, nil
}

func (b *builder) next() int { b.seq++; return b.seq }

// event queues an event at a local time in the file's channel.
func (b *builder) event(file string, local time.Time, ev evtxwrite.Event) {
	c, ok := collect.ChannelByFile(file)
	if !ok {
		panic("corpus: an event for " + file + ", which is not an event log of collect.Channels")
	}
	ev.Channel = c.Name
	ev.Computer = b.m.Computer
	ev.Time = b.m.utc(local).Add(time.Duration(b.rnd.IntN(1000000)) * 100)
	if ev.ProcessID == 0 {
		ev.ProcessID = uint32(fnvHash(ev.Provider, b.m.Computer)%9000+400) &^ 3
		ev.ThreadID = uint32(b.rnd.IntN(12000)+100) &^ 3
	}
	b.events[file] = append(b.events[file], ev)
}

func (b *builder) cbsAt(t time.Time, w func(g *synth.CBSWriter)) {
	b.cbs = append(b.cbs, passage{t, b.next(), w})
}

func (b *builder) dismAt(t time.Time, w func(g *synth.CBSWriter)) {
	b.dism = append(b.dism, passage{t, b.next(), w})
}

// textAt queues lines of a secondary text log.
func (b *builder) textAt(file string, t time.Time, text string) *textFile {
	f := b.text[file]
	if f == nil {
		f = &textFile{}
		b.text[file] = f
	}
	f.entries = append(f.entries, textEntry{t, b.next(), text})
	return f
}

func sortPassages(ps []passage) {
	sort.SliceStable(ps, func(i, j int) bool {
		if !ps[i].t.Equal(ps[j].t) {
			return ps[i].t.Before(ps[j].t)
		}
		return ps[i].seq < ps[j].seq
	})
}

// write writes every file of the bundle under dir.
func (b *builder) write(dir string) ([]string, error) {
	var paths []string
	create := func(rel string) (*os.File, error) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		paths = append(paths, rel)
		return os.Create(p)
	}
	if err := b.writeCBS(create); err != nil {
		return nil, err
	}
	if len(b.dism) > 0 {
		if err := b.writeDISM(create); err != nil {
			return nil, err
		}
	}
	files := make([]string, 0, len(b.events))
	for f := range b.events {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, rel := range files {
		f, err := create(rel)
		if err != nil {
			return nil, err
		}
		err = b.writeEvents(f, rel)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
	}
	names := make([]string, 0, len(b.text))
	for n := range b.text {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, rel := range names {
		f, err := create(rel)
		if err != nil {
			return nil, err
		}
		err = b.text[rel].write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(paths)
	return paths, nil
}

// writeCBS writes CBS.log: TrustedInstaller starts and routine sessions
// across the days before the signal, the scenario's passages at their
// times, and a little routine servicing after them.
func (b *builder) writeCBS(create func(string) (*os.File, error)) error {
	f, err := create(pathCBS)
	if err != nil {
		return err
	}
	defer f.Close()
	sortPassages(b.cbs)
	first := b.s.base.Add(-36 * time.Hour)
	if len(b.cbs) > 0 && b.cbs[0].t.Before(first.Add(2*time.Hour)) {
		first = b.cbs[0].t.Add(-6 * time.Hour)
	}
	noise := int64(defaultCBSNoise)
	if b.o.Scale > 0 {
		noise = b.o.Scale * 3 / 5
		// The noise's clock advances about a quarter second a line (170
		// bytes): start early enough for it to fit before the passages.
		if need := time.Duration(noise/500) * time.Second; b.s.base.Add(-need).Before(first) {
			first = b.s.base.Add(-need)
		}
	}
	g := synth.NewCBSWriter(f, b.seed, first, b.m.synth())
	r := g.Rand()
	g.Raw("\xEF\xBB\xBF")
	g.TrustedInstallerStart()
	// Share the noise between the gaps before each passage and after
	// the last, and spread each share over the gap's time.
	gaps := len(b.cbs) + 1
	for i := range gaps {
		target := noise * int64(i+1) / int64(gaps+1)
		if i == gaps-1 {
			target = noise
		}
		var until time.Time
		if i < len(b.cbs) {
			until = b.cbs[i].t.Add(-5 * time.Minute)
		} else {
			// After the last passage: long enough for what is left to write.
			until = g.Now().Add(max(6*time.Hour, time.Duration((target-g.Written())/500)*time.Second))
		}
		for g.Written() < target && g.Now().Before(until) {
			left := until.Sub(g.Now())
			sessions := max((target-g.Written())/(40<<10), 1)
			step := left / time.Duration(sessions+1)
			if step > 8*time.Hour && r.IntN(3) == 0 {
				g.SetNow(g.Now().Add(step / 2))
				g.TrustedInstallerStart()
			}
			g.Session()
			if step > 3*time.Minute {
				g.SetNow(g.Now().Add(time.Duration(r.Int64N(int64(step)))))
			}
		}
		if i < len(b.cbs) {
			p := b.cbs[i]
			if g.Now().Before(p.t) {
				g.SetNow(p.t)
			}
			p.write(g)
		}
	}
	return g.Flush()
}

// writeDISM writes dism.log: each passage is one DISM run.
func (b *builder) writeDISM(create func(string) (*os.File, error)) error {
	f, err := create(pathDISM)
	if err != nil {
		return err
	}
	defer f.Close()
	sortPassages(b.dism)
	g := synth.NewCBSWriter(f, b.seed+1, b.dism[0].t, b.m.synth())
	g.Raw("\xEF\xBB\xBF")
	for _, p := range b.dism {
		if g.Now().Before(p.t) {
			g.SetNow(p.t)
		}
		p.write(g)
	}
	return g.Flush()
}

// writeEvents writes one event log: the queued events merged in time
// order with the background noise of Options.Scale.
func (b *builder) writeEvents(f *os.File, rel string) error {
	evs := b.events[rel]
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	w := evtxwrite.New(f, &evtxwrite.Options{FirstRecordID: 1 + fnvHash(rel, b.m.Computer)%5000})
	var noise *noiseGen
	if b.o.Scale > 0 && (rel == pathSystem || rel == pathApplication) {
		share := b.o.Scale / 5 // System and Application get 2/5 of Scale between them
		noise = newNoiseGen(b, rel, share, evs)
	}
	for _, ev := range evs {
		for noise != nil && noise.before(ev.Time) {
			if err := w.Add(noise.next()); err != nil {
				return err
			}
		}
		if err := w.Add(ev); err != nil {
			return err
		}
	}
	for noise != nil && noise.before(time.Time{}) {
		if err := w.Add(noise.next()); err != nil {
			return err
		}
	}
	return w.Close()
}

func (tf *textFile) write(w io.Writer) error {
	sort.SliceStable(tf.entries, func(i, j int) bool {
		if !tf.entries[i].t.Equal(tf.entries[j].t) {
			return tf.entries[i].t.Before(tf.entries[j].t)
		}
		return tf.entries[i].seq < tf.entries[j].seq
	})
	var sb strings.Builder
	for _, e := range tf.entries {
		sb.WriteString(strings.ReplaceAll(e.text, "\n", "\r\n"))
	}
	bw := bufio.NewWriter(w)
	switch {
	case tf.utf16:
		bw.Write([]byte{0xff, 0xfe})
		for _, u := range utf16.Encode([]rune(sb.String())) {
			bw.Write([]byte{byte(u), byte(u >> 8)})
		}
	case tf.bom:
		bw.WriteString("\xEF\xBB\xBF" + sb.String())
	default:
		bw.WriteString(sb.String())
	}
	return bw.Flush()
}

// WriteZip writes the files under dir into a zip archive, in lexical
// order with fixed times, so that the same bundle gives the same bytes.
func WriteZip(w io.Writer, dir string) error {
	zw := zip.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		hdr := &zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		zf, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(zf, f)
		return err
	})
	if err != nil {
		return err
	}
	return zw.Close()
}

// decode reads a block's arguments strictly: unknown keys are errors.
func decode(n *yaml.Node, v any) error {
	if n.Kind == 0 || n.Tag == "!!null" {
		return nil
	}
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	return dec.Decode(v)
}
