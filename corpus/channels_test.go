package corpus

import (
	"slices"
	"testing"

	"github.com/wudiag/wudiag/internal/collect"
)

// TestEventsGoToTheirChannels checks that every scenario writes each
// event to an event log of collect.Channels, and an event of a provider
// the analyzer reads to a channel that lists that provider: the generated
// bundles then have the shape the collector produces and the analyzer
// expects.
func TestEventsGoToTheirChannels(t *testing.T) {
	all, err := Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{} // providers the analyzer reads, in any channel
	for _, c := range collect.Channels {
		for _, p := range c.Providers {
			read[p] = true
		}
	}
	checked := 0
	for _, s := range all {
		b, err := s.build(Options{})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for file, evs := range b.events {
			c, ok := collect.ChannelByFile(file)
			if !ok {
				t.Errorf("%s: events written to %s, which is not a channel of collect.Channels", s.Name, file)
				continue
			}
			for _, ev := range evs {
				if ev.Channel != c.Name {
					t.Errorf("%s: %s event %d in %s says channel %q", s.Name, ev.Provider, ev.EventID, file, ev.Channel)
				}
				if read[ev.Provider] {
					checked++
					if !slices.Contains(c.Providers, ev.Provider) {
						t.Errorf("%s: %s event %d written to %s, a channel collect.Channels does not list it in", s.Name, ev.Provider, ev.EventID, c.Name)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no scenario wrote an event of a provider the analyzer reads")
	}
	t.Logf("%d events of the analyzer's providers checked", checked)
}
