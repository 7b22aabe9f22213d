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
// block of docs/ marked `run` is run as written, on its own (a shell);
// the README's are run in order by TestReadmeInOrder; the others name the
// test that runs them, which must exist, or why they cannot run here.
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
					wants := wants(t, page, b)
					if page == "README.md" {
						t.Skip("run by TestReadmeInOrder, in order, in one shell")
					}
					if testing.Short() {
						t.Skip("runs commands; skipped with -short")
					}
					if bin == "" {
						bin = buildPhlomock(top, root)
					}
					out := newShell(t, root, bin, false).run(t, b.Text)
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

// TestReadmeInOrder runs the README's `run` blocks as a newcomer does: top
// to bottom, in one shell whose servers stay up. The quick start's `phlomock
// serve` is still running when the later blocks run, so a block that starts
// a second serve on its port fails here as it fails for the reader, and a
// file one block writes is there for the next.
func TestReadmeInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs commands; skipped with -short")
	}
	root := doctest.Root(t)
	sh := newShell(t, root, buildPhlomock(t, root), true)
	ran := 0
	for _, b := range doctest.Blocks(doctest.Read(t, "README.md")) {
		if !doctest.IsShell(b.Lang) || !strings.HasPrefix(b.Marker, "run") {
			continue
		}
		ran++
		ok := t.Run(fmt.Sprintf("README.md:%d", b.Line), func(t *testing.T) {
			out := sh.run(t, b.Text)
			for _, w := range wants(t, "README.md", b) {
				assert.Containsf(t, out, w, "README.md:%d: output", b.Line)
			}
		})
		if !ok {
			break // the blocks after it start from what it should have left
		}
	}
	require.NotZero(t, ran, "README.md has no run block")
}

// wants returns the TEXTs of a run marker's `want TEXT` parts.
func wants(t *testing.T, page string, b doctest.Block) []string {
	t.Helper()
	var out []string
	for _, w := range strings.Split(b.Marker, ";")[1:] {
		w = strings.TrimSpace(w)
		want, ok := strings.CutPrefix(w, "want ")
		require.Truef(t, ok, "%s:%d: marker part %q: want `want TEXT`", page, b.Line, w)
		out = append(out, want)
	}
	return out
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

// hostPort is an address a block names: each port is replaced by a free
// one, the same in every command of the shell (so a curl reaches the serve
// above it), and the host by loopback.
var hostPort = regexp.MustCompile(`\b(?:127\.0\.0\.1|localhost|0\.0\.0\.0):(\d{2,5})\b`)

// A shell runs blocks the way a reader does: from a copy of the
// repository's top (symlinks, so files a block writes stay out of the
// tree), with the phlomock of this tree first on PATH and `go run
// ./cmd/phlomock` meaning it. A `phlomock serve` line runs in the
// background, and the lines after it start once it has printed its URLs.
//
// Without keep, each block is on its own: a second serve line stops the
// first (the examples of one block are alternatives on the same port), and
// the block's serves stop when it ends. With keep (the README, read top to
// bottom in one terminal session), the shell is shared by the blocks, run
// in order: files a block writes are there for the next, and a serve stays
// up until the test ends, so a later serve on a port still taken fails the
// block, as it fails for a reader who left the first one running.
type shell struct {
	bin, dir, state string
	keep            bool
	ports           map[string]string // the block's port: the free one used
	serves          int
}

func newShell(t testing.TB, root, bin string, keep bool) *shell {
	t.Helper()
	s := &shell{bin: bin, dir: t.TempDir(), state: t.TempDir(), keep: keep, ports: map[string]string{}}
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() == ".git" {
			continue
		}
		require.NoError(t, os.Symlink(filepath.Join(root, e.Name()), filepath.Join(s.dir, e.Name())))
	}
	t.Cleanup(func() { killLeft(s.state, bin) })
	return s
}

func (s *shell) port(p string) string {
	if s.ports[p] == "" {
		s.ports[p] = freePort()
	}
	return s.ports[p]
}

// script is the bash script that runs text: its serve lines in the
// background, its addresses on the shell's ports.
func (s *shell) script(text string) string {
	text = strings.ReplaceAll(text, "go run ./cmd/phlomock", "phlomock")
	text = hostPort.ReplaceAllStringFunc(text, func(m string) string {
		return "127.0.0.1:" + s.port(hostPort.FindStringSubmatch(m)[1])
	})
	var b strings.Builder
	fmt.Fprintf(&b, "set -e\n")
	if !s.keep {
		fmt.Fprintf(&b, "trap 'for p in $(cat %[1]q/pids 2>/dev/null); do kill $p 2>/dev/null || true; done' EXIT\n", s.state)
	}
	fmt.Fprintf(&b, `stop_serve() { # the serve a line before started: one at a time on the block's ports
	for p in $(cat %[1]q/pids 2>/dev/null); do kill $p 2>/dev/null || true; while kill -0 $p 2>/dev/null; do sleep 0.05; done; done
}
wait_serve() { # log pid: until the fake prints its URLs, or exits
	i=0
	until grep -q 'http://' "$1" 2>/dev/null; do
		if ! kill -0 "$2" 2>/dev/null; then echo "serve exited (is a serve of an earlier block still on its port?):"; cat "$1"; exit 1; fi
		i=$((i+1)); [ $i -lt 600 ] || { echo "serve did not start in 30s:"; cat "$1"; exit 1; }
		sleep 0.05
	done
	grep -m1 'http://' "$1"
}
`, s.state)
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if serveLine.MatchString(line) {
			for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
				i++
				line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(lines[i])
			}
			code, _, _ := strings.Cut(line, " #")
			s.serves++
			log := filepath.Join(s.state, "serve"+strconv.Itoa(s.serves)+".log")
			code = strings.TrimSuffix(strings.TrimSpace(code), "&")
			if !s.keep {
				b.WriteString("stop_serve\n")
			}
			fmt.Fprintf(&b, "%s >%q 2>&1 &\necho $! >>%q/pids\nwait_serve %q $!\n", code, log, s.state, log)
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// run runs a shell block and returns its output; a failing command fails t.
func (s *shell) run(t *testing.T, text string) string {
	t.Helper()
	for _, tool := range []string{"curl", "node", "python3", "podman"} {
		if regexp.MustCompile(`(?m)(^|[\s|;&(])` + tool + `\s`).MatchString(text) {
			if _, err := exec.LookPath(tool); err != nil {
				t.Skipf("%s is not installed", tool)
			}
		}
	}
	script := s.script(text)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = s.dir
	env := []string{"PATH=" + filepath.Dir(s.bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOBIN=" + filepath.Dir(s.bin), "PHLOMOCK_ADDR=127.0.0.1:" + s.port("8080"), "PHLOMOCK_ADMIN_ADDR=127.0.0.1:" + s.port("8081")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PHLOMOCK_") && !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "GOBIN=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second // a serve left in the background holds the output pipe
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		killLeft(s.state, s.bin)
	}
	require.NoErrorf(t, err, "the block, as run:\n%s\noutput:\n%s", script, out)
	return string(out)
}

// killLeft stops, by PID, the serve processes a block started and its trap
// did not reach (the script was killed on its timeout, or the shell keeps
// them for the next block); a PID that is no longer our phlomock is left
// alone.
func killLeft(state, bin string) {
	b, _ := os.ReadFile(filepath.Join(state, "pids"))
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && strings.HasPrefix(exe, bin) {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
	}
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err) // no loopback port at all: nothing of this package can run
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
