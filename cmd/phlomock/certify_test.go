package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	certdriver "github.com/phlomock/phlomock/certify/driver"
)

// certifyCmd runs `phlomock certify args...` and returns the exit code and outputs.
func certifyCmd(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), append([]string{"certify"}, args...), &out, &errw)
	code = exitCode(err, &errw)
	return code, out.String(), errw.String()
}

// referenceDriver is `phlomock driver` as this test binary runs it: the
// helper of driver_test.go, which serves the reference client.
func referenceDriver(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv("PHLOMOCK_TEST_DRIVER_PROCESS", "1")
	return shellQuote(exe) + " -test.run=^TestDriverProcessHelper$"
}

func TestCertifyReferenceClient(t *testing.T) {
	code, out, errOut := certifyCmd(t, "--driver", referenceDriver(t))
	require.Equal(t, 0, code, "got exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Equal(t, "certify: phlomock-go "+clientVersion(t)+": 52 cases, 52 passed, 0 failed: certified", lines[len(lines)-1])
	assert.Contains(t, out, "CASE                            VERDICT  FINDINGS\n", "the summary table")
	assert.Contains(t, out, "coldTransfer/empty-body         pass     -\n")
	assert.Contains(t, errOut, "phlomock certify: ", "the time of the run")
}

func clientVersion(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	m := &Main{Stdin: strings.NewReader(`{"type":"hello","protocol":1}` + "\n")}
	require.NoError(t, m.Run(context.Background(), []string{"driver"}, &out, &bytes.Buffer{}))
	var h certdriver.HelloInfo
	require.NoError(t, json.Unmarshal(out.Bytes(), &h))
	return h.Version
}

func TestCertifyReports(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "certify.xml")
	code, out, errOut := certifyCmd(t, "--driver", referenceDriver(t), "--cases", "hold/*,*/ok", "--report", "json", "--junit", junit)
	require.Equal(t, 0, code, "stderr: %s", errOut)

	var rep struct {
		Client    string `json:"client"`
		Certified bool   `json:"certified"`
		Cases     int    `json:"cases"`
		Results   []struct {
			ID       string            `json:"id"`
			Verdict  string            `json:"verdict"`
			Findings []certify.Finding `json:"findings"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, "phlomock-go", rep.Client)
	assert.True(t, rep.Certified)
	assert.Equal(t, 12+13, rep.Cases, "12 operations' ok cases, and hold's sip-address, its 3 sequences and 9 troubles")
	// One result per case, each a different one: a loop over no results
	// would pass whatever the run did.
	require.Len(t, rep.Results, rep.Cases)
	ids := map[string]bool{}
	for _, r := range rep.Results {
		assert.Equal(t, "pass", r.Verdict, r.ID)
		assert.NotNil(t, r.Findings, "findings is [] rather than null")
		ids[r.ID] = true
	}
	assert.Len(t, ids, rep.Cases, "case ids are distinct")
	assert.True(t, ids["getPhlo/ok"] && ids["hold/sip-address"], "got cases %v, want getPhlo/ok and hold/sip-address among them", ids)

	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b, &suites))
	assert.Equal(t, 25, suites.Tests)
	assert.Equal(t, 0, suites.Failures)
	assert.Len(t, suites.Suites, 12, "a testsuite per operation")
	n := 0
	for _, suite := range suites.Suites {
		n += len(suite.Cases)
	}
	assert.Equal(t, 25, n, "testcases in the suites")
}

// TestCertifyFindingsExitOne certifies a driver whose "client" reports
// success without sending anything: every case fails.
func TestCertifyFindingsExitOne(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv("PHLOMOCK_TEST_LAZY_DRIVER", "1")
	junit := filepath.Join(t.TempDir(), "certify.xml")
	code, out, errOut := certifyCmd(t, "--driver", shellQuote(exe)+" -test.run=^TestLazyDriverHelper$", "--cases", "getPhlo/ok,hold/auth-failure", "--junit", junit)
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "FAIL getPhlo/ok\n     sent-nothing: the client sent no request\n")
	assert.Contains(t, out, "getPhlo/ok         fail     sent-nothing surfaced-success-without-request\n")
	assert.Contains(t, out, "certify: lazy 1: 2 cases, 0 passed, 2 failed: NOT certified\n")
	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<failure message="the client sent no request" type="sent-nothing">`)
}

// TestCertifyStoppedRunWritesReports: a driver that dies in the second
// case ends the run with exit 2, and still leaves the JSON and JUnit
// reports with the verdict reached and the reason of the stop.
func TestCertifyStoppedRunWritesReports(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv("PHLOMOCK_TEST_LAZY_DRIVER", "die")
	junit := filepath.Join(t.TempDir(), "certify.xml")
	code, out, errOut := certifyCmd(t, "--driver", shellQuote(exe)+" -test.run=^TestLazyDriverHelper$", "--cases", "getPhlo/ok,hold/ok,unhold/ok", "--report", "json", "--junit", junit)
	require.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	var rep struct {
		Certified bool `json:"certified"`
		Results   []struct {
			ID string `json:"id"`
		} `json:"results"`
		Stopped *certify.Stop `json:"stopped"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "a JSON report even so: %s", out)
	assert.False(t, rep.Certified)
	require.Len(t, rep.Results, 1, "the verdict reached before the stop")
	assert.Equal(t, "getPhlo/ok", rep.Results[0].ID)
	require.NotNil(t, rep.Stopped)
	assert.Equal(t, "hold/ok", rep.Stopped.Case)
	assert.Contains(t, rep.Stopped.Reason, "driver exited")
	assert.Contains(t, rep.Stopped.Reason, "the client sent no request in this case")
	assert.Contains(t, errOut, "driver exited", "stderr says why")
	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(b), `type="run-stopped"`)

	// A driver that cannot start: exit 2, and a report that says so.
	code, out, errOut = certifyCmd(t, "--driver", "/nonexistent/driver --flag")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no such file or directory")
	assert.Contains(t, out, "STOP ")
}

// TestLazyDriverHelper is a driver that performs nothing and reports
// success; with PHLOMOCK_TEST_LAZY_DRIVER=die it exits in its second call.
func TestLazyDriverHelper(t *testing.T) {
	mode := os.Getenv("PHLOMOCK_TEST_LAZY_DRIVER")
	if mode == "" {
		t.Skip("run by TestCertifyFindingsExitOne")
	}
	calls := 0
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var m certdriver.CallMessage
		_ = json.Unmarshal(sc.Bytes(), &m)
		var reply any
		switch m.Type {
		case certdriver.TypeHello:
			reply = certdriver.HelloInfo{Type: "hello", Protocol: 1, Client: "lazy", Version: "1", Operations: certdriver.Operations}
		case certdriver.TypeCall:
			if calls++; mode == "die" && calls == 2 {
				os.Exit(0)
			}
			reply = certdriver.Result{Type: "result", ID: m.ID, Outcome: certdriver.OutcomeSuccess, Fields: map[string]string{}}
		default:
			os.Exit(0)
		}
		b, _ := json.Marshal(reply)
		os.Stdout.Write(append(b, '\n'))
	}
	os.Exit(0)
}

func TestCertifyUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no driver", nil, "--driver is required"},
		{"bad report", []string{"--driver", "x", "--report", "xml"}, `--report "xml": want text or json`},
		{"unknown case", []string{"--driver", "x", "--cases", "hold/ok,nope/*"}, `--cases "nope/*": no such case`},
		{"bad glob", []string{"--driver", "x", "--cases", "[hold"}, `--cases "[hold"`},
		{"bad quoting", []string{"--driver", "'unterminated"}, "--driver:"},
		{"stray argument", []string{"--driver", "phlomock", "driver"}, `certify takes no arguments, got "driver": quote the driver's command line`},
		{"zero timeout", []string{"--driver", "x", "--timeout", "0s"}, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := certifyCmd(t, tt.args...)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Empty(t, out, "no report for a run that failed")
			assert.Contains(t, errOut, tt.want)
		})
	}
}

func TestSelfCommand(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	tests := []struct{ in, want string }{
		{"phlomock driver", shellQuote(exe) + " driver"},
		{"phlomock 'a b'", shellQuote(exe) + " 'a b'"},
		{"node driver.js", "node driver.js"},
		{"/usr/bin/phlomock driver", "/usr/bin/phlomock driver"},
	}
	for _, tt := range tests {
		got, err := selfCommand(tt.in)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, tt.in)
		words, err := certdriver.SplitCommand(got)
		require.NoError(t, err)
		orig, _ := certdriver.SplitCommand(tt.in)
		assert.Equal(t, orig[1:], words[1:], "the arguments survive the quoting")
	}
}
