package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/openapi"
)

const deriveUsage = `usage: phlomock derive COLLECTION.json [--overlay FILE] [--format yaml|json] [-o FILE]

Derives an OpenAPI 3 spec from a Postman Collection v2.1, applies an OpenAPI
Overlay 1.0 document if given, validates the result and writes it (stdout by
default). What cannot be translated is reported on stderr as a warning.

Examples:
  phlomock derive openapi/phlorunner.postman_collection.json --overlay openapi/phlorunner.overlay.yaml -o spec.yaml
  phlomock derive my-api.postman_collection.json --format json > spec.json
  phlomock serve --spec spec.yaml

Exit status: 0 written; 1 a malformed collection or overlay (file:line:column)
or a file that cannot be read or written; 2 bad flags or arguments.
`

// runDerive is `phlomock derive`. `go generate ./openapi` runs it to produce
// openapi/phlorunner.yaml.
func runDerive(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("derive", stderr, deriveUsage)
	overlayFile := fs.String("overlay", "", "apply this OpenAPI Overlay 1.0 `FILE` after derivation")
	format := fs.String("format", "yaml", "output `format`: yaml or json")
	outFile := fs.String("o", "", "write the spec to `FILE` (atomically) instead of stdout")
	// Flags may come before or after the collection, as the usage line shows.
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	positional := fs.Args()
	if len(positional) != 1 {
		fs.Usage()
		return usageError(fmt.Sprintf("derive: want one collection file, got %d arguments", len(positional)))
	}
	if *format != "yaml" && *format != "json" {
		return usageError("derive: " + notOneOf("--format", *format, "yaml", "json").Error())
	}
	in := openapi.Input{CollectionName: positional[0], OverlayName: *overlayFile, Format: *format}
	var err error
	if in.Collection, err = os.ReadFile(in.CollectionName); err != nil {
		return &exitError{code: 1, err: fmt.Errorf("derive: %w", err)}
	}
	if *overlayFile != "" {
		if in.Overlay, err = os.ReadFile(*overlayFile); err != nil {
			return &exitError{code: 1, err: fmt.Errorf("derive: %w", err)}
		}
	}
	out, warnings, err := openapi.Generate(in)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "phlomock derive: warning: %s\n", w)
	}
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("derive: %w", err)}
	}
	if *outFile == "" {
		_, err = stdout.Write(out)
		return err
	}
	if err := report.WriteFile(*outFile, report.Bytes(out)); err != nil {
		return &exitError{code: 1, err: fmt.Errorf("derive: %w", err)}
	}
	return nil
}
