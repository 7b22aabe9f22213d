package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=..." (make
// build, make docker); without it the build info says what was built.
var version = ""

const versionUsage = `usage: phlomock version
       phlomock --version

Prints phlomock's version: the one given at build time (make build), else
the module version when installed with 'go install ...@VERSION', else the
VCS revision the binary was built from (with -dirty when the tree had
uncommitted changes), else "dev" (and, on stderr, how to stamp one).

Examples:
  phlomock --version
  go install github.com/phlomock/phlomock/cmd/phlomock@latest && phlomock version

Exit status: 0; 2 when given an argument.
`

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr, versionUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	v := buildVersion(version, bi)
	fmt.Fprintln(stdout, "phlomock", v)
	if v == "dev" {
		// stdout stays one word for scripts; the why goes to stderr.
		fmt.Fprintln(stderr, "phlomock: this build carries no version (built without -ldflags and without VCS information, as with GOFLAGS=-buildvcs=false); 'make install' or 'make build' stamps one from git")
	}
	return nil
}

// buildVersion is the version to report: the -ldflags one, the module's
// (go install pkg@v1.2.3), the VCS revision (go build in a clone), or "dev".
func buildVersion(ldflags string, bi *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	if bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
