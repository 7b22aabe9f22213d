package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
)

// readmeServeFlags returns the rows of the serve flags table of
// docs/serve.md: flag name -> [env, default, meaning] as written.
func readmeServeFlags(tb testing.TB) map[string][3]string {
	tb.Helper()
	section := doctest.Section(tb, "docs/serve.md", "## Flags and environment")
	rows := map[string][3]string{}
	row := regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\|\\s*(.*?)\\s*\\|\\s*(.*?)\\s*\\|\\s*(.*?)\\s*\\|$")
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		_, dup := rows[m[1]]
		require.Falsef(tb, dup, "--%s has two rows", m[1])
		rows[m[1]] = [3]string{m[2], m[3], m[4]}
	}
	require.NotEmpty(tb, rows, "no rows in the serve flags table")
	return rows
}

// TestReadmeServeFlags keeps docs/serve.md's flags table true: one row
// per flag of `phlomock serve -h`, with its variable and its default.
func TestReadmeServeFlags(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PHLOMOCK_") {
			t.Setenv(name, "") // the defaults, not this shell's
			os.Unsetenv(name)
		}
	}
	fs, _, err := serveFlags(io.Discard)
	require.NoError(t, err)
	rows := readmeServeFlags(t)
	fs.VisitAll(func(f *flag.Flag) {
		t.Run(f.Name, func(t *testing.T) {
			row, ok := rows[f.Name]
			require.Truef(t, ok, "serve -h has --%s, the README's table does not", f.Name)
			env := regexp.MustCompile(`\(env (PHLOMOCK_[A-Z_]+)`).FindStringSubmatch(f.Usage)
			require.NotNil(t, env, "the usage of --%s names no variable", f.Name)
			assert.Equal(t, "`"+env[1]+"`", row[0], "got the README's variable of --%s %s, want %s", f.Name, row[0], env[1])

			def, quoted := strings.CutPrefix(row[1], "`")
			if !quoted {
				return // a description such as "embedded contract"
			}
			def = strings.TrimSuffix(def, "`")
			if want, err := time.ParseDuration(f.DefValue); err == nil {
				got, err := time.ParseDuration(def)
				require.NoError(t, err, "the README's default of --%s", f.Name)
				assert.Equal(t, want, got, "got the README's default of --%s %s, want %s", f.Name, def, f.DefValue)
				return
			}
			if f.DefValue == "" || strings.Contains(f.Usage, "(default "+def+")") {
				assert.Contains(t, f.Usage, "(default "+def+")", "got the README's default of --%s %q, which serve -h does not give", f.Name, def)
				return
			}
			assert.Equal(t, f.DefValue, def, "got the README's default of --%s %s, want %s", f.Name, def, f.DefValue)
		})
	})
	for name := range rows {
		assert.NotNilf(t, fs.Lookup(name), "the README's table has --%s, serve -h does not", name)
	}
}

// TestReadmeConformCommands runs the commands of docs/conformance.md that
// need no server of their own (no --target), as written, from the
// repository's top (only a --junit file goes to a temporary directory).
func TestReadmeConformCommands(t *testing.T) {
	var commands [][]string
	for _, line := range strings.Split(doctest.Read(t, "docs/conformance.md"), "\n") {
		line, _, _ = strings.Cut(line, "#")
		args, ok := strings.CutPrefix(strings.TrimSpace(line), "go run ./cmd/phlomock conform")
		if !ok || strings.Contains(args, "--target") || strings.HasSuffix(args, `\`) {
			continue
		}
		commands = append(commands, strings.Fields(args))
	}
	require.GreaterOrEqual(t, len(commands), 4, "got too few conform commands in docs/conformance.md: %v", commands)
	t.Chdir("../..")
	for _, args := range commands {
		t.Run(strings.Join(append([]string{"conform"}, args...), " "), func(t *testing.T) {
			for i := range args {
				if i > 0 && args[i-1] == "--junit" {
					args[i] = filepath.Join(t.TempDir(), args[i])
				}
			}
			code, out, errOut := conform(t, args...)
			require.Equal(t, 0, code, "stdout: %s\nstderr: %s", out, errOut)
			assert.NotContains(t, out, "FAIL")
		})
	}
}
