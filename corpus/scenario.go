package corpus

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A Scenario is one labelled machine: what it is, what it logged, and
// what an analysis of its logs should conclude.
type Scenario struct {
	// Name is the file name without ".yaml".
	Name        string   `yaml:"-"`
	Description string   `yaml:"description"`
	Traps       []string `yaml:"traps"` // the look-alikes it holds, for reports
	Machine     Machine  `yaml:"machine"`
	// Base is the local wall-clock time the timeline is relative to
	// ("2024-01-10 14:05:00").
	Base string `yaml:"base"`
	// Seed makes the noise deterministic; Options.Seed overrides it.
	Seed     uint64 `yaml:"seed"`
	Timeline []Step `yaml:"timeline"`
	Expect   Expect `yaml:"expect"`

	base time.Time
}

// A Machine describes the computer the logs come from.
type Machine struct {
	// OS is win10, win11, server2022 or server2019.
	OS string `yaml:"os"`
	// Version is the marketing version in titles: 22H2, 23H2, 24H2, 21H2.
	Version string `yaml:"version"`
	// Build is the OS build and revision, "19045.3930".
	Build string `yaml:"build"`
	// SSU is the revision of the installed servicing stack (default:
	// a little below the build's revision).
	SSU int `yaml:"ssu"`
	// Locale is en or ja: it picks update titles, Defender product names
	// and SCM values.
	Locale string `yaml:"locale"`
	// TZ is the offset of local time from UTC, "+09:00".
	TZ       string `yaml:"tz"`
	Computer string `yaml:"computer"`
	// Defender is the Defender platform version ("4.18.24010.12");
	// versions before 4.18.2104 log the old "Signature" field names.
	Defender string `yaml:"defender"`
	// RoutineUpdatesUntil stops the daily successful definition updates
	// that fill the background this long after Base ("-2d"): on machines
	// where definition updates fail, they stop succeeding.
	RoutineUpdatesUntil string `yaml:"routine_updates_until"`
}

// Expect is the outcome an analysis should reach.
type Expect struct {
	// Failures are the updates that failed and were not later resolved
	// (KB numbers, or product names for MSI products).
	Failures []string `yaml:"failures"`
	// Causes are the cause IDs in rank order; empty when the bundle shows
	// no failure or a failure with none of the known causes.
	Causes []string `yaml:"causes"`
}

// A Step is one timeline entry: a building block placed at a time
// relative to Base.
type Step struct {
	At    time.Duration
	Block string
	args  yaml.Node
}

// UnmarshalYAML reads a step: a mapping with "at" and exactly one block.
func (st *Step) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a step is a mapping with at: and one block", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if k == "at" {
			d, err := parseOffset(v.Value)
			if err != nil {
				return fmt.Errorf("line %d: %v", v.Line, err)
			}
			st.At = d
			continue
		}
		if st.Block != "" {
			return fmt.Errorf("line %d: two blocks in one step (%s, %s)", v.Line, st.Block, k)
		}
		if _, ok := blocks[k]; !ok {
			return fmt.Errorf("line %d: unknown block %q (known: %s)", n.Content[i].Line, k, strings.Join(blockNames(), ", "))
		}
		st.Block, st.args = k, *v
	}
	if st.Block == "" {
		return fmt.Errorf("line %d: step without a block", n.Line)
	}
	return nil
}

// parseOffset reads a time offset: "0", "-2h30m", "+10m", "-3d", "90s".
func parseOffset(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	t := strings.TrimLeft(s, "+-")
	var d time.Duration
	if i := strings.Index(t, "d"); i > 0 {
		n, err := strconv.Atoi(t[:i])
		if err != nil {
			return 0, fmt.Errorf("bad offset %q", s)
		}
		d = time.Duration(n) * 24 * time.Hour
		t = t[i+1:]
	}
	if t != "" {
		x, err := time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("bad offset %q", s)
		}
		d += x
	}
	if neg {
		d = -d
	}
	return d, nil
}

// parse reads a scenario file.
func parse(name string, data []byte) (*Scenario, error) {
	var s Scenario
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s.Name = name
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

func (s *Scenario) check() error {
	t, err := time.Parse("2006-01-02 15:04:05", s.Base)
	if err != nil {
		return fmt.Errorf("base: %v", err)
	}
	s.base = t
	if _, err := newMachineInfo(&s.Machine); err != nil {
		return err
	}
	for _, c := range s.Expect.Causes {
		if !validCause(c) {
			return fmt.Errorf("expect: unknown cause %q", c)
		}
	}
	if _, err := parseOffset(s.Machine.RoutineUpdatesUntil); err != nil {
		return err
	}
	return nil
}

//go:embed scenarios/*.yaml
var scenarioFS embed.FS

// Scenarios returns the scenarios of corpus/scenarios, sorted by name.
func Scenarios() ([]*Scenario, error) { return load(scenarioFS, "scenarios") }

// load reads every *.yaml file of dir in fsys.
func load(fsys fs.FS, dir string) ([]*Scenario, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Scenario
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		s, err := parse(strings.TrimSuffix(path.Base(n), ".yaml"), b)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Lookup returns the named scenario of corpus/scenarios.
func Lookup(name string) (*Scenario, error) {
	all, err := Scenarios()
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("corpus: no scenario %q", name)
}
