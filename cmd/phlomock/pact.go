package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/pact"
)

const pactUsage = `usage: phlomock pact export (--target CONTROL_PLANE_URL | --journal FILE) [--consumer NAME] [--provider NAME] [--out FILE]

Writes the fake's journal as a Pact V4 consumer contract: one interaction per distinct
request and answer, its provider state the scenario that answered ("scenario rate-limited
is active"). Publish it to a pact broker as your application's contract, and let the broker
compare it with the provider's OpenAPI contract (bi-directional contract testing), or
replay it against a fake with the same scenarios (docs/pact.md). A running fake serves the
same file at GET /__admin/journal?format=pact.

Examples:
  phlomock pact export --target http://127.0.0.1:8081 --consumer my-app --out pacts/my-app-phlorunner.json
  phlomock pact export --journal journal.json --consumer my-app

Exit status: 0 written, 2 bad flags, an unreadable journal or an unreachable control plane.
`

func runPact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(stdout, pactUsage)
			return nil
		}
		got := "nothing"
		if len(args) > 0 {
			got = fmt.Sprintf("%q", args[0])
		}
		return usageError("pact: want the subcommand export, got " + got + " (run 'phlomock pact -h')")
	}
	fs := newFlagSet("pact export", stderr, pactUsage)
	target := fs.String("target", envDefault("ADMIN_URL", ""), "base URL of a running fake's control plane (env PHLOMOCK_ADMIN_URL)")
	token := fs.String("admin-token", envDefault("ADMIN_TOKEN", ""), "the control plane's bearer token (env PHLOMOCK_ADMIN_TOKEN)")
	journal := fs.String("journal", "", "a saved journal instead: a page of GET /__admin/journal, a JSON array of entries or JSON Lines; - is standard input")
	consumer := fs.String("consumer", pact.DefaultConsumer, "the consumer's name: your application")
	provider := fs.String("provider", pact.DefaultProvider, "the provider's name")
	out := fs.String("out", "", "write the pact to this file instead of standard output")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *journal != "" && !flagGiven(fs, "target") {
		*target = "" // PHLOMOCK_ADMIN_URL of the job, not a second source
	}
	if (*target == "") == (*journal == "") {
		return usageError("pact export: give one of --target CONTROL_PLANE_URL (a running fake) and --journal FILE (a saved journal)")
	}
	var raw []json.RawMessage
	var err error
	if *journal != "" {
		raw, err = readRawJournal(*journal)
	} else {
		var c *adminClient
		if c, err = newAdminClient(*target, *token); err == nil {
			raw, err = c.journal(ctx, nil)
		}
	}
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("pact export: %w", err)}
	}
	b := pact.NewBuilder(pact.Names{Consumer: *consumer, Provider: *provider})
	for i, r := range raw {
		x, err := pact.DecodeEntry(r)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("pact export: journal entry %d: %w", i+1, err)}
		}
		b.Add(x)
	}
	bi, _ := debug.ReadBuildInfo()
	p := b.Pact(buildVersion(version, bi))
	text, err := p.JSON()
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("pact export: %d interactions from %d requests", len(p.Interactions), len(raw))
	if left := b.LeftOut(); len(left) > 0 {
		summary += "; left out: " + left.String() + " (docs/pact.md)"
	}
	if *out == "" {
		_, err = stdout.Write(text)
		fmt.Fprintln(stderr, summary)
		return err
	}
	if err := report.WriteFile(*out, report.Bytes(text)); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("pact export: --out: %w", err)}
	}
	fmt.Fprintln(stdout, summary+"; written to "+*out)
	return nil
}

// readRawJournal reads a saved journal's entries as JSON: a page, an array
// or JSON Lines; the error names the line.
func readRawJournal(path string) ([]json.RawMessage, error) {
	data, err := readInput(path)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(data)
	var page struct {
		Entries *[]json.RawMessage `json:"entries"`
	}
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%s:1: empty: want a journal page, a JSON array of entries or JSON Lines", path)
	case trimmed[0] == '[':
		var es []json.RawMessage
		if err := json.Unmarshal(trimmed, &es); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return es, nil
	case json.Unmarshal(trimmed, &page) == nil && page.Entries != nil:
		return *page.Entries, nil
	}
	var es []json.RawMessage
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !json.Valid([]byte(line)) {
			return nil, fmt.Errorf("%s:%d: not JSON: want a journal page, a JSON array of entries or JSON Lines", path, i+1)
		}
		es = append(es, json.RawMessage(line))
	}
	return es, nil
}
