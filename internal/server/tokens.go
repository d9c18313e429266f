package server

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// namePattern is what a token's name may be: a person or a service,
// short and printable, so that it can go in logs and pages as it is.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// CheckTokenName reports whether name can name a token. "token" is
// taken: it names the shared token in the audit log and on pages.
func CheckTokenName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("token name %q: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", name)
	}
	if strings.EqualFold(name, sharedName) {
		return fmt.Errorf("token name %q is reserved for the shared --token", name)
	}
	return nil
}

// ParseTokens reads a tokens file: one "NAME sha256:HEX" a line (as
// "wudiag serve token add --tokens-file" writes them), blank lines and
// lines starting with # ignored. It returns the names by hash, the form
// of Config.Tokens. The file never holds a token itself, only its hash.
func ParseTokens(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	names := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want NAME sha256:HEX", n)
		}
		name, hash := f[0], strings.ToLower(f[1])
		if err := CheckTokenName(name); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !hashPattern.MatchString(hash) {
			return nil, fmt.Errorf("line %d: %s: the hash must be sha256: and 64 hex digits (HashToken), never the token itself", n, name)
		}
		if names[name] {
			return nil, fmt.Errorf("line %d: %s: name given twice", n, name)
		}
		if _, dup := out[hash]; dup {
			return nil, fmt.Errorf("line %d: %s: the same token as another name", n, name)
		}
		names[name] = true
		out[hash] = name
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokens file: %w", err)
	}
	return out, nil
}

var hashPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// TokenLine is a line of a tokens file for the token's name and hash.
func TokenLine(name, hash string) string { return name + " " + hash + "\n" }
