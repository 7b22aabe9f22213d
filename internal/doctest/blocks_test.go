package doctest_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
)

// TestCommandBlocks checks every shell block of README.md and docs/: a
// block marked `run` is run as written, from a copy of the repository's
// top (symlinks, so files a block writes stay out of the tree), with the
// phlomock of this tree first on PATH; the others name the test that runs
// them, which must exist, or why they cannot run here.
func TestCommandBlocks(t *testing.T) {
	root := doctest.Root(t)
	tests := testNames(t, root)
	var bin string
	top := t
	for _, page := range doctest.Pages(t) {
		for _, b := range doctest.Blocks(doctest.Read(t, page)) {
			if !doctest.IsShell(b.Lang) {
				continue
			}
			t.Run(fmt.Sprintf("%s:%d", page, b.Line), func(t *testing.T) {
				kind, rest, _ := strings.Cut(b.Marker, " ")
				kind = strings.TrimSuffix(kind, ";")
				switch kind {
				case "":
					t.Fatalf("%s:%d: a %s block without a doctest marker: say how it is checked (run, by TestName, skip REASON; see internal/doctest)", page, b.Line, b.Lang)
				case "skip":
					require.NotEmptyf(t, strings.TrimSpace(rest), "%s:%d: skip without a reason", page, b.Line)
					t.Skip(rest)
				case "by":
					name := strings.TrimSpace(rest)
					assert.Truef(t, tests[name], "%s:%d: the block says %s runs it, and no test has that name", page, b.Line, name)
				case "run":
					require.NotEqualf(t, "console", b.Lang, "%s:%d: a console block shows output: check it with a test of its own (by TestName)", page, b.Line)
					if testing.Short() {
						t.Skip("runs commands; skipped with -short")
					}
					if bin == "" {
						bin = buildPhlomock(top, root)
					}
					var wants []string
					for _, w := range strings.Split(b.Marker, ";")[1:] {
						w = strings.TrimSpace(w)
						want, ok := strings.CutPrefix(w, "want ")
						require.Truef(t, ok, "%s:%d: marker part %q: want `want TEXT`", page, b.Line, w)
						wants = append(wants, want)
					}
					out := runBlock(t, root, bin, b.Text)
					for _, w := range wants {
						assert.Containsf(t, out, w, "%s:%d: output", page, b.Line)
					}
				default:
					t.Fatalf("%s:%d: unknown doctest marker %q", page, b.Line, b.Marker)
				}
			})
		}
	}
}

// testNames returns the names of the Test functions of the repository.
func testNames(tb testing.TB, root string) map[string]bool {
	tb.Helper()
	names := map[string]bool{}
	re := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, "_test.go") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				names[m[1]] = true
			}
		}
		return nil
	})
	require.NoError(tb, err)
	return names
}

func buildPhlomock(tb testing.TB, root string) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "phlomock")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/phlomock")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoErrorf(tb, err, "go build: %s", out)
	return bin
}

// serveLine is a command line that starts the fake: it is run in the
// background, and the next line runs once it listens.
var serveLine = regexp.MustCompile(`^(?:[A-Z_]+=\S*\s+)*phlomock serve\b`)

// runBlock runs a shell block as written. What changes: `go run
// ./cmd/phlomock` is the phlomock built from this tree; the ports 8080 and
// 8081 are free ones (the same in every command of the block, so a curl
// reaches the serve above it); a `phlomock serve` line runs in the
// background until the block ends, and the lines after it start once it
// has printed its URLs; a second serve line stops the first (the examples
// of one block are alternatives on the same port).
func runBlock(t *testing.T, root, bin, text string) string {
	t.Helper()
	for _, tool := range []string{"curl", "node", "python3", "podman"} {
		if regexp.MustCompile(`(?m)(^|[\s|;&(])` + tool + `\s`).MatchString(text) {
			if _, err := exec.LookPath(tool); err != nil {
				t.Skipf("%s is not installed", tool)
			}
		}
	}
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() == ".git" {
			continue
		}
		require.NoError(t, os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())))
	}
	state := t.TempDir()
	api, admin := freePort(t), freePort(t)
	text = strings.ReplaceAll(text, "go run ./cmd/phlomock", "phlomock")
	for _, host := range []string{"127.0.0.1", "localhost", "0.0.0.0"} {
		text = strings.ReplaceAll(text, host+":8080", "127.0.0.1:"+api)
		text = strings.ReplaceAll(text, host+":8081", "127.0.0.1:"+admin)
	}
	var script strings.Builder
	fmt.Fprintf(&script, `set -e
trap 'for p in $(cat %[1]q/pids 2>/dev/null); do kill $p 2>/dev/null || true; done' EXIT
stop_serve() { # the serve a line before started: one at a time on the block's ports
	for p in $(cat %[1]q/pids 2>/dev/null); do kill $p 2>/dev/null || true; while kill -0 $p 2>/dev/null; do sleep 0.05; done; done
}
wait_serve() { # log pid: until the fake prints its URLs, or exits
	i=0
	until grep -q 'http://' "$1" 2>/dev/null; do
		if ! kill -0 "$2" 2>/dev/null; then echo "serve exited:"; cat "$1"; exit 1; fi
		i=$((i+1)); [ $i -lt 600 ] || { echo "serve did not start in 30s:"; cat "$1"; exit 1; }
		sleep 0.05
	done
	grep -m1 'http://' "$1"
}
`, state)
	n := 0
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if serveLine.MatchString(line) {
			for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
				i++
				line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(lines[i])
			}
			code, _, _ := strings.Cut(line, " #")
			n++
			log := filepath.Join(state, "serve"+strconv.Itoa(n)+".log")
			code = strings.TrimSuffix(strings.TrimSpace(code), "&")
			fmt.Fprintf(&script, "stop_serve\n%s >%q 2>&1 &\necho $! >>%q/pids\nwait_serve %q $!\n", code, log, state, log)
			continue
		}
		script.WriteString(line + "\n")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = dir
	env := []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOBIN=" + filepath.Dir(bin), "PHLOMOCK_ADDR=127.0.0.1:" + api, "PHLOMOCK_ADMIN_ADDR=127.0.0.1:" + admin}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PHLOMOCK_") && !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "GOBIN=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		killLeft(state, bin)
	}
	require.NoErrorf(t, err, "the block, as run:\n%s\noutput:\n%s", script.String(), out)
	return string(out)
}

// killLeft stops, by PID, the serve processes a block started and its trap
// did not reach (the script was killed on its timeout); a PID that is no
// longer our phlomock is left alone.
func killLeft(state, bin string) {
	b, _ := os.ReadFile(filepath.Join(state, "pids"))
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == bin {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
	}
}

func freePort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
