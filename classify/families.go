package classify

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The update families, as data. See families.yaml for the format.
//
//go:embed families.yaml
var stockFamiliesYAML []byte

// An updateFamily groups updates whose failures share causes.
type updateFamily struct {
	Family string   `yaml:"family"`
	Cause  string   `yaml:"cause"`
	KBs    []string `yaml:"kbs"`
	Titles []string `yaml:"titles"`
	titles []phrase
}

var stockFamilies = sync.OnceValue(func() []updateFamily {
	fams, err := parseFamilies(stockFamiliesYAML)
	if err != nil {
		panic("classify: families.yaml: " + err.Error()) // a test keeps this from shipping
	}
	return fams
})

func parseFamilies(data []byte) ([]updateFamily, error) {
	var fams []updateFamily
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&fams); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRule, err)
	}
	for i := range fams {
		f := &fams[i]
		if !contains(knownFamilies, f.Family) {
			return nil, fmt.Errorf("%w: unknown family %q", ErrRule, f.Family)
		}
		if f.Cause != "" && !isCause(f.Cause) {
			return nil, fmt.Errorf("%w: family %s: unknown cause %q", ErrRule, f.Family, f.Cause)
		}
		for _, t := range f.Titles {
			f.titles = append(f.titles, newPhrase(t))
		}
	}
	return fams, nil
}

// causeOfFamily maps a failed update's family to the cause it suggests.
var causeOfFamily = func() map[string]string {
	m := map[string]string{}
	for _, f := range stockFamilies() {
		if f.Cause != "" {
			m[f.Family] = f.Cause
		}
	}
	return m
}()
