package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wudiag/wudiag/classify"
	"github.com/wudiag/wudiag/internal/server"
)

// teamRules reads a team's rule file and merges it into the stock rules,
// with the messages of analyze -rules.
func teamRules(name string) ([]*classify.Rule, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	extra, err := classify.ParseRules(f)
	if err != nil {
		return nil, err
	}
	return classify.MergeRules(classify.StockRules(), extra), nil
}

// readTokensFile reads the named tokens of serve --tokens-file.
func readTokensFile(name string) (map[string]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("tokens file: %w", err)
	}
	defer f.Close()
	m, err := server.ParseTokens(f)
	if err != nil {
		return nil, fmt.Errorf("tokens file %s: %w", name, err)
	}
	return m, nil
}

const tokenHelp = `usage: wudiag serve [--data DIR] [--db DSN] [--tokens-file FILE] token add|list|revoke [NAME]

Manages the named API tokens of wudiag serve. Each person or service gets
its own token: uploads and views are logged under its name, and revoking
it ends its browser sessions too. Only a SHA-256 of a token is kept.

  token add NAME      make a token for NAME and print it, once
  token list          the names and when they were made
  token revoke NAME   the token stops working at once

By default the tokens live in the server's database (the same --data and
--db as the server). With --tokens-file FILE, "add" appends NAME's line
to FILE and "list" reads FILE; revoke by deleting the line and
restarting the server.
`

// runToken is "wudiag serve token …".
func runToken(ctx context.Context, args []string, data, db, tokensFile string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("token", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, tokenHelp) }
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	verb, rest := fl.Arg(0), fl.Args()
	if len(rest) > 0 {
		rest = rest[1:]
	}
	wantArgs := map[string]int{"add": 1, "list": 0, "revoke": 1}
	n, known := wantArgs[verb]
	if !known || len(rest) != n {
		fl.Usage()
		return exitUsage
	}
	if err := tokenCommand(ctx, verb, rest, data, db, tokensFile, stdout); err != nil {
		fmt.Fprintf(stderr, "wudiag serve token %s: %v\n", verb, err)
		return exitUsage
	}
	return exitOK
}

func tokenCommand(ctx context.Context, verb string, args []string, data, db, tokensFile string, stdout io.Writer) error {
	if verb != "list" {
		if err := server.CheckTokenName(args[0]); err != nil {
			return err
		}
	}
	if tokensFile != "" {
		return fileTokenCommand(verb, args, tokensFile, stdout)
	}
	if data == "" {
		d, err := defaultDataDir()
		if err != nil {
			return err
		}
		data = d
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	store, err := server.OpenStore(octx, db, data)
	if err != nil {
		return err
	}
	defer store.Close()
	switch verb {
	case "add":
		tok := server.NewToken()
		if err := store.AddToken(octx, args[0], server.HashToken(tok), time.Now()); err != nil {
			if errors.Is(err, server.ErrExists) {
				return fmt.Errorf("%s already has a token: revoke it first", args[0])
			}
			return err
		}
		fmt.Fprintf(stdout, "%s\n", tok)
	case "list":
		ts, err := store.Tokens(octx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCREATED")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\n", t.Name, t.Created.UTC().Format(time.RFC3339))
		}
		tw.Flush()
	case "revoke":
		if err := store.RevokeToken(octx, args[0]); err != nil {
			if errors.Is(err, server.ErrNotFound) {
				return fmt.Errorf("no token named %s", args[0])
			}
			return err
		}
		fmt.Fprintf(stdout, "revoked %s\n", args[0])
	}
	return nil
}

// fileTokenCommand is the token command on a tokens file.
func fileTokenCommand(verb string, args []string, name string, stdout io.Writer) error {
	existing := map[string]string{}
	if _, err := os.Stat(name); err == nil {
		if existing, err = readTokensFile(name); err != nil {
			return err
		}
	}
	switch verb {
	case "add":
		for _, n := range existing {
			if n == args[0] {
				return fmt.Errorf("%s already has a token in %s", args[0], name)
			}
		}
		tok := server.NewToken()
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("tokens file: %w", err)
		}
		if _, err := f.WriteString(server.TokenLine(args[0], server.HashToken(tok))); err != nil {
			f.Close()
			return fmt.Errorf("tokens file: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("tokens file: %w", err)
		}
		fmt.Fprintf(stdout, "%s\n", tok)
	case "list":
		var names []string
		for _, n := range existing {
			names = append(names, n)
		}
		slices.Sort(names)
		fmt.Fprint(stdout, strings.Join(names, "\n"))
		if len(names) > 0 {
			fmt.Fprintln(stdout)
		}
	case "revoke":
		return fmt.Errorf("tokens in a file are revoked by deleting NAME's line from %s and restarting the server", name)
	}
	return nil
}
