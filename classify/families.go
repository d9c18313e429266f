package classify

import (
	"cmp"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/wudiag/wudiag/cbslog"

	"go.yaml.in/yaml/v3"
)

// The update families, as data. See families.yaml for the format.
//
//go:embed families.yaml
var stockFamiliesYAML []byte

// An updateFamily groups updates whose failures share causes.
type updateFamily struct {
	Family Family   `yaml:"family"`
	Cause  string   `yaml:"cause"`
	KBs    []string `yaml:"kbs"`
	Titles []string `yaml:"titles"`
	// Payloads maps the start of a payload's file name (lower case) to
	// the KB that ships it, for logs that name only the downloaded file.
	Payloads map[string]string `yaml:"payloads"`
	titles   []phrase
	payloads []string // the keys of Payloads, longest first
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
	return compileFamilies(fams)
}

// compileFamilies checks decoded families and readies them for use.
func compileFamilies(fams []updateFamily) ([]updateFamily, error) {
	for i := range fams {
		f := &fams[i]
		if !slices.Contains(knownFamilies, f.Family) {
			return nil, fmt.Errorf("%w: unknown family %q", ErrRule, f.Family)
		}
		if f.Cause != "" && !isCause(f.Cause) {
			return nil, fmt.Errorf("%w: family %s: unknown cause %q", ErrRule, f.Family, f.Cause)
		}
		for _, t := range f.Titles {
			f.titles = append(f.titles, newPhrase(t))
		}
		for prefix, kb := range f.Payloads {
			if prefix != strings.ToLower(prefix) || cbslog.FindKB(kb) != kb {
				return nil, fmt.Errorf("%w: family %s: payload %q: want a lower-case name prefix and a KB, got %q", ErrRule, f.Family, prefix, kb)
			}
			f.payloads = append(f.payloads, prefix)
		}
		slices.SortFunc(f.payloads, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	}
	return fams, nil
}

// causeOfFamily maps a failed update's family to the cause it suggests.
var causeOfFamily = func() map[Family]string {
	m := map[Family]string{}
	for _, f := range stockFamilies() {
		if f.Cause != "" {
			m[f.Family] = f.Cause
		}
	}
	return m
}()

// payloadKB returns the KB whose payload s names (families.yaml payloads):
// a download URL or cached file such as ".../winreupdateinstaller_2401b_amd64_….exe"
// or "mpam-fe.exe". A name matches at the start of a path element or word.
func payloadKB(s string) string {
	l := strings.ToLower(s)
	for _, f := range stockFamilies() {
		for _, prefix := range f.payloads {
			kb := f.Payloads[prefix]
			for i := strings.Index(l, prefix); i >= 0; {
				if i == 0 || strings.ContainsRune(`/\ "'=(`, rune(l[i-1])) {
					return kb
				}
				j := strings.Index(l[i+1:], prefix)
				if j < 0 {
					break
				}
				i += 1 + j
			}
		}
	}
	return ""
}
