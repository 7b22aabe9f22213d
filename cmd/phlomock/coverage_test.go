package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// knownJournal is the coverage package's known run (two clients, 13
// requests): its figures are checked there, item by item.
const knownJournal = "../../coverage/testdata/journal.json"

func TestCoverageJournal(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		want    []string
		wantErr string
	}{
		{name: "report", args: nil, code: 0, want: []string{
			"coverage: 14.3% (37 of 258 items) from 13 requests, 1 matching no operation",
			"  action statuses  9/140  6.4%",
			"  updateMultiPartyCall/cold_transfer/429\n",
		}},
		{name: "gate met", args: []string{"--min", "14.3", "--min", "transitions=20", "--require", "updateMultiPartyCall/warm_transfer/429"}, code: 0},
		{name: "a 429 never seen on cold_transfer", args: []string{"--require", "updateMultiPartyCall/cold_transfer/429"}, code: 1,
			want: []string{"FAIL --require updateMultiPartyCall/cold_transfer/429: your tests never saw a 429 on updateMultiPartyCall cold_transfer"}},
		{name: "below the minimum", args: []string{"--min", "50", "--min", "action-statuses=10"}, code: 1,
			want: []string{"FAIL --min 50: coverage is 14.3% (37 of 258 items), below 50%", "FAIL --min action statuses=10: action statuses coverage is 6.4% (9 of 140), below 10%"}},
		{name: "an item the contract has not", args: []string{"--require", "coldTransfer/429"}, code: 2,
			wantErr: `(cold_transfer is an action: write updateMultiPartyCall/cold_transfer)`},
		{name: "a dimension that is not", args: []string{"--min", "codes=5"}, code: 2,
			wantErr: `no dimension "codes"; want one of operations, statuses, actions, action-statuses, roles, transitions, scenarios`},
		{name: "a percentage that is not", args: []string{"--min", "eighty"}, code: 2, wantErr: "want a percentage from 0 to 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, append([]string{"coverage", "--journal", knownJournal}, tt.args...)...)
			require.Equalf(t, tt.code, code, "stdout: %s\nstderr: %s", out, errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
			if tt.wantErr != "" {
				assert.Contains(t, errOut, tt.wantErr)
			}
		})
	}
}

func TestCoverageReports(t *testing.T) {
	dir := t.TempDir()
	junit, html := filepath.Join(dir, "c.xml"), filepath.Join(dir, "c.html")
	code, out, errOut := cli(t, "coverage", "--journal", knownJournal, "--report", "json", "--junit", junit, "--html", html, "--require", "runPhlo")
	require.Equal(t, 1, code, errOut)
	var rep struct {
		All struct {
			Covered, Total int
		} `json:"all"`
		Clients []struct {
			Client  string `json:"client"`
			Covered int    `json:"covered"`
		} `json:"clients"`
		Gate []struct{ Rule, Message string } `json:"gate_failures"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, 37, rep.All.Covered)
	assert.Equal(t, 258, rep.All.Total)
	require.Len(t, rep.Clients, 2)
	assert.Equal(t, 23, rep.Clients[1].Covered)
	require.Len(t, rep.Gate, 1)
	assert.Equal(t, "your tests never saw a request to runPhlo", rep.Gate[0].Message)
	x, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(x), `failures="1"`)
	h, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, string(h), "your tests never saw a request to runPhlo")
}

func TestCoverageUsage(t *testing.T) {
	for _, args := range [][]string{
		{"coverage"},
		{"coverage", "--journal", knownJournal, "--target", "http://127.0.0.1:1"},
	} {
		code, _, errOut := cli(t, args...)
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "give one of --target CONTROL_PLANE_URL (a running fake) and --journal FILE")
	}
	// A job's PHLOMOCK_ADMIN_URL does not make --journal a second source.
	t.Setenv("PHLOMOCK_ADMIN_URL", "http://127.0.0.1:1")
	code, _, errOut := cli(t, "coverage", "--journal", knownJournal)
	assert.Equal(t, 0, code, errOut)
	code, _, errOut = cli(t, "pact", "export", "--journal", knownJournal)
	assert.Equal(t, 0, code, errOut)
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\"seq\":1,\"method\":\"GET\"}\n{oops\n"), 0o644))
	code, _, errOut = cli(t, "coverage", "--journal", bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, bad+":line 2: ")
	code, _, errOut = cli(t, "coverage", "--target", "127.0.0.1:8081")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `--target "127.0.0.1:8081": want the control plane's base URL`)
}

// TestCoverageTarget reads a running fake's journal through its control
// plane: behind a token, across pages (more entries than one page holds),
// and the fake's own scenarios (an uploaded one) in the universe.
func TestCoverageTarget(t *testing.T) {
	const token = "coverage-test-token"
	s := startServe(t, "--admin-token", token, "--journal-size", "2000")
	upload := "version: 1\nname: teapot\nrules:\n  - name: tea\n    match: {operation: getPhlo}\n    respond: {status: 418, body: {api_id: x, error: teapot}}\n"
	req, err := http.NewRequest(http.MethodPost, s.admin+"/__admin/scenarios?activate=false", strings.NewReader(upload))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	// 1,001 requests: two pages of the journal.
	for i := 0; i < 1001; i++ {
		req, err := http.NewRequest(http.MethodGet, s.api+"/v1/phlo/P1", nil)
		require.NoError(t, err)
		req.SetBasicAuth(s.id, s.token)
		req.Header.Set("User-Agent", "paging-client")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	code, out, errOut := cli(t, "coverage", "--target", s.admin, "--admin-token", token, "--require", "getPhlo/200")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "from 1001 requests")
	assert.Contains(t, out, "  scenarios        1/10   10%", "the uploaded scenario is in the universe")
	assert.Contains(t, out, "  teapot\n")
	assert.Regexp(t, `paging-client\s+`, out)

	code, _, errOut = cli(t, "coverage", "--target", s.admin)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "401 Unauthorized")
	assert.Contains(t, errOut, "--admin-token or PHLOMOCK_ADMIN_TOKEN")
}
