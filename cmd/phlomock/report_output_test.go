package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReportOutputErrors: a report file that cannot be written is exit 2,
// and the error names the command, the flag and the path the user gave
// (not a temporary file); the other reports are still written.
func TestReportOutputErrors(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv("PHLOMOCK_TEST_LAZY_DRIVER", "1")
	lazy := shellQuote(exe) + " -test.run=^TestLazyDriverHelper$"
	dir := t.TempDir()
	folder := filepath.Join(dir, "a-folder") // where the file should go
	require.NoError(t, os.Mkdir(folder, 0o755))
	missing := filepath.Join(dir, "no", "such", "dir", "report")
	tests := []struct {
		name    string
		args    []string
		flag    string // the output that fails
		path    string
		summary string // the report on stdout, still printed
	}{
		{"conform junit", []string{"conform", "--scenario", "success"}, "--junit", missing, "conform: "},
		{"conform html", []string{"conform", "--scenario", "success"}, "--html", folder, "conform: "},
		{"certify junit", []string{"certify", "--driver", lazy, "--cases", "getPhlo/ok"}, "--junit", folder, "certify: lazy 1: "},
		{"certify html", []string{"certify", "--driver", lazy, "--cases", "getPhlo/ok"}, "--html", missing, "certify: lazy 1: "},
		{"coverage junit", []string{"coverage", "--journal", knownJournal}, "--junit", missing, "coverage: 14.3%"},
		{"coverage html", []string{"coverage", "--journal", knownJournal}, "--html", folder, "coverage: 14.3%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other, otherFlag := filepath.Join(t.TempDir(), "other"), "--html"
			if tt.flag == "--html" {
				otherFlag = "--junit"
			}
			code, out, errOut := cli(t, append(tt.args, tt.flag, tt.path, otherFlag, other)...)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, tt.args[0]+": "+tt.flag+": ")
			assert.Contains(t, errOut, " "+tt.path+": ", "the error names the path")
			assert.NotContains(t, errOut, ".tmp")
			assert.Contains(t, out, tt.summary)
			info, err := os.Stat(other)
			require.NoError(t, err, "%s was not written", otherFlag)
			assert.Positive(t, info.Size())
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				assert.Equal(t, "a-folder", e.Name(), "left behind")
			}
		})
	}
}

// brokenStdout fails every write: a closed pipe, a full disk.
type brokenStdout struct{}

var errBrokenStdout = errors.New("broken pipe")

func (brokenStdout) Write([]byte) (int, error) { return 0, errBrokenStdout }

// TestReportStdoutErrors: a report that cannot be written to standard
// output is exit 2 with the error, never a silent success; the files
// asked for are still written.
func TestReportStdoutErrors(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "coverage.xml")
			var errw bytes.Buffer
			err := run(context.Background(), []string{"coverage", "--journal", knownJournal, "--report", format, "--junit", junit}, brokenStdout{}, &errw)
			assert.ErrorIs(t, err, errBrokenStdout)
			assert.Equal(t, 2, exitCode(err, &errw))
			assert.Equal(t, "phlomock: coverage: --report: write standard output: broken pipe\n", errw.String())
			b, rerr := os.ReadFile(junit)
			require.NoError(t, rerr)
			assert.True(t, strings.HasPrefix(string(b), "<?xml"), "got %.40q, want the JUnit report", b)
		})
	}
}

// TestReportToStdout: - names standard output, where the reports go in
// the order the command lists them (the files first, then --report), and
// no file named "-" is made.
func TestReportToStdout(t *testing.T) {
	journal, err := filepath.Abs(knownJournal)
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	code, out, errOut := cli(t, "coverage", "--journal", journal, "--junit", "-")
	require.Equal(t, 0, code, "stderr: %s", errOut)
	junitEnd := strings.Index(out, "</testsuites>")
	require.Positive(t, junitEnd, "no JUnit report in %.200q", out)
	assert.True(t, strings.HasPrefix(out, "<?xml"), "got %.40q, want the JUnit report first", out)
	assert.Contains(t, out[junitEnd:], "coverage: 14.3% (37 of 258 items)")
	_, err = os.Stat("-")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestProxyReportErrors: a --report the proxy cannot write on shutdown is
// exit 2 naming the path, and the drift report is still printed.
func TestProxyReportErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "drift.json")
	p := startProxy(t, "--target", deviant(t), "--report", path)
	assert.Equal(t, 200, proxySend(t, p.api, "GET", "/v1/phlo/"+proxyPhlo, ""))
	require.Equal(t, 2, p.stop(), "logs: %s", p.logs.String())
	assert.Contains(t, p.logs.String(), "phlomock: --report: open "+path+": no such file or directory")
	// stdout is copied from a pipe: its last bytes may land just after
	// the exit.
	assert.Eventually(t, func() bool { return strings.Contains(p.stdout.String(), "proxy: 1 exchanges with ") },
		5*time.Second, 10*time.Millisecond, "stdout: %s", p.stdout.String())
}
