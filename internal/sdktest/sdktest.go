package sdktest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Need skips tb, or fails it when PHLOMOCK_REQUIRE_SDKS=1, unless ok: what
// names the missing tool.
func Need(tb testing.TB, ok bool, what string) {
	tb.Helper()
	if ok {
		return
	}
	if os.Getenv("PHLOMOCK_REQUIRE_SDKS") == "1" {
		tb.Fatalf("%s is missing: run make testdeps (node, npm, python3 and perl themselves come from the system)", what)
	}
	tb.Skipf("%s is missing: run make testdeps (PHLOMOCK_REQUIRE_SDKS=1 makes this a failure)", what)
}

// HasCommand reports whether name is on PATH.
func HasCommand(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// SkipShort skips a test that starts SDK drivers under -short.
func SkipShort(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("starts an SDK driver; skipped with -short")
	}
}

// Quote makes s one word for driver.SplitCommand.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// driverDir is certify/drivers/name, found by walking up from the test's package.
func driverDir(tb testing.TB, name string) string {
	tb.Helper()
	d, err := os.Getwd()
	if err != nil {
		tb.Fatalf("working directory: %v", err)
	}
	for {
		p := filepath.Join(d, "certify", "drivers", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(d)
		if parent == d {
			tb.Fatalf("certify/drivers/%s not found above the test's directory", name)
		}
		d = parent
	}
}

// PlivoGo builds the plivo-go driver, which has its own module, and returns
// its command and directory.
func PlivoGo(tb testing.TB) (command, dir string) {
	tb.Helper()
	Need(tb, HasCommand("go"), "the go command")
	d := driverDir(tb, "plivo-go")
	bin := filepath.Join(tb.TempDir(), "plivo-go-driver")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = d
	// The driver's go.sum is committed: the build must never edit the tree.
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("building the plivo-go driver: %v\n%s", err, out)
	}
	return Quote(bin), d
}

// PlivoNode is the plivo-node driver; it needs node and `make testdeps`.
func PlivoNode(tb testing.TB) (command, dir string) {
	tb.Helper()
	Need(tb, HasCommand("node"), "node")
	d := driverDir(tb, "plivo-node")
	_, err := os.Stat(filepath.Join(d, "node_modules", "plivo", "package.json"))
	Need(tb, err == nil, "certify/drivers/plivo-node/node_modules")
	return "node driver.js", d
}

// Python is the standard-library Python driver.
func Python(tb testing.TB) (command, dir string) {
	tb.Helper()
	Need(tb, HasCommand("python3"), "python3")
	return "python3 driver.py", driverDir(tb, "python")
}

// perlModules are the core modules the Perl driver uses; some
// distributions split them out of the perl package.
var perlModules = []string{"HTTP::Tiny", "JSON::PP", "MIME::Base64"}

// Perl is the Perl driver, written from the protocol document alone.
func Perl(tb testing.TB) (command, dir string) {
	tb.Helper()
	Need(tb, HasCommand("perl"), "perl")
	args := []string{"-e", "1"}
	for _, m := range perlModules {
		args = append(args, "-M"+m)
	}
	out, err := exec.Command("perl", args...).CombinedOutput()
	Need(tb, err == nil, "the Perl core modules "+strings.Join(perlModules, ", ")+" ("+strings.TrimSpace(string(out))+")")
	return "perl driver.pl", driverDir(tb, "perl")
}
