package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

//go:embed messages.tsv
var messagesTSV string

// catalog maps a key to its texts, English first then Japanese.
var catalog = mustParse(messagesTSV)

func mustParse(data string) map[string][2]string {
	m, err := parseCatalog(data)
	if err != nil {
		panic(err) // the embedded file is checked by TestCatalog
	}
	return m
}

// parseCatalog reads key<TAB>English<TAB>Japanese lines.
func parseCatalog(data string) (map[string][2]string, error) {
	m := map[string][2]string{}
	sc := bufio.NewScanner(strings.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("messages.tsv:%d: want key, English and Japanese separated by tabs", n)
		}
		if _, dup := m[f[0]]; dup {
			return nil, fmt.Errorf("messages.tsv:%d: key %s given twice", n, f[0])
		}
		m[f[0]] = [2]string{f[1], f[2]}
	}
	return m, sc.Err()
}

var languages = []language.Tag{language.English, language.Japanese}

// Languages returns the languages wudiag has words for. The slice is a
// copy.
func Languages() []language.Tag { return slices.Clone(languages) }

// ParseLanguage picks the language from a name such as "ja",
// "ja_JP.UTF-8" or "en-US"; unknown or empty names give English.
func ParseLanguage(name string) language.Tag {
	name = strings.TrimSpace(name)
	if i := strings.IndexAny(name, ".@"); i >= 0 {
		name = name[:i]
	}
	name = strings.ReplaceAll(name, "_", "-")
	if name == "" || name == "C" || name == "POSIX" {
		return language.English
	}
	tag, err := language.Parse(name)
	if err != nil {
		return language.English
	}
	_, i, conf := language.NewMatcher(languages).Match(tag)
	if conf == language.No {
		return language.English
	}
	return languages[i]
}

// LanguageFromEnv reads LC_ALL, LC_MESSAGES and LANG, in that order.
func LanguageFromEnv() language.Tag {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			return ParseLanguage(s)
		}
	}
	return language.English
}

// japanese reports whether lang is (matched to) Japanese.
func japanese(lang language.Tag) bool {
	base, _ := lang.Base()
	return base.String() == "ja"
}

// Message returns the catalog's text for key in lang with its
// placeholders filled from vals (see messages.tsv), or "" when the
// catalog has no such key.
func Message(lang language.Tag, key string, vals map[string]string) string {
	t, ok := catalog[key]
	if !ok {
		return ""
	}
	s := t[0]
	if japanese(lang) {
		s = t[1]
	}
	return fill(s, vals)
}

// Labels returns every text whose key starts with prefix, in lang, keyed
// by the rest of the key: Labels(lang, "page.") gives the labels of the
// service's pages. The map is the caller's.
func Labels(lang language.Tag, prefix string) map[string]string {
	out := map[string]string{}
	for k := range catalog {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = Message(lang, k, nil)
		}
	}
	return out
}

// keys returns the catalog's keys, sorted (for tests).
func keys() []string { return slices.Sorted(maps.Keys(catalog)) }

// fill replaces {name}, {name|alternative} and {(name)} placeholders.
func fill(s string, vals map[string]string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name, alt, _ := strings.Cut(s[i+1:i+j], "|")
		paren := strings.HasPrefix(name, "(") && strings.HasSuffix(name, ")")
		if paren {
			name = name[1 : len(name)-1]
		}
		switch v := vals[name]; {
		case v != "" && paren:
			b.WriteString(" (" + v + ")")
		case v != "":
			b.WriteString(v)
		default:
			b.WriteString(alt)
		}
		s = s[i+j+1:]
	}
}

// placeholders returns the names of s's placeholders, sorted.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name, _, _ := strings.Cut(s[i+1:i+j], "|")
		out = append(out, strings.Trim(name, "()"))
		s = s[i+j+1:]
	}
	slices.Sort(out)
	return out
}
