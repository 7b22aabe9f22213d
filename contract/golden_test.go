package contract_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(tb, os.MkdirAll("testdata", 0o755))
		require.NoError(tb, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(tb, err, "run go test ./contract -update to create %s", path)
	assert.Equal(tb, string(want), string(got), "got %s differing from %s (run with -update if the change is wanted)", name, path)
}

// TestGenerateGolden pins the generated suite: one line per case with its
// safety, the request and what it expects.
func TestGenerateGolden(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	require.NoError(t, err)
	var b bytes.Buffer
	ids := map[string]bool{}
	for _, c := range cases {
		require.False(t, ids[c.ID], "duplicate case id %s", c.ID)
		ids[c.ID] = true
		safety := "live"
		if c.Safe {
			safety = "safe"
		}
		if c.RealIDs {
			safety += "+ids"
		}
		auth := string(c.Request.Auth)
		if auth == "" {
			auth = "default"
		}
		params := ""
		for k, v := range c.Request.PathParams {
			params += fmt.Sprintf(" %s=%s", k, v)
		}
		fmt.Fprintf(&b, "%-55s %-9s %s %s%s auth=%s expect=%s/%d body=%s\n",
			c.ID, safety, c.Request.Method, c.Request.Path, params, auth, c.Expect.Outcome, c.Expect.Status, c.Request.Body)
	}
	golden(t, "cases.golden", b.Bytes())
}

// A valid body must satisfy the spec, and no live case may hide among the
// safe ones: a safe case with good credentials and known ids must send a
// body the spec refuses, or be a read.
func TestGenerateSafety(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	require.NoError(t, err)
	for _, c := range cases {
		if !c.Safe {
			assert.NotEqual(t, http.MethodGet, c.Request.Method, "%s: got a live GET, want reads safe", c.ID)
			// live: the valid actions, and the negatives of the run's free-form body
			assert.True(t, c.Expect.Outcome == contract.OutcomeAccept || strings.HasPrefix(c.ID, "runPhlo/"), "%s: got a live case that is not a valid action", c.ID)
			continue
		}
		if c.Request.Method == http.MethodGet || c.Request.Auth != contract.AuthDefault || len(c.Request.PathParams) > 0 || c.Operation == "" {
			continue
		}
		assert.Equal(t, contract.OutcomeReject, c.Expect.Outcome, "%s: got a safe action the API may accept", c.ID)
	}
}

func sampleReport() *contract.Report {
	ok := contract.Case{ID: "getPhlo/valid", Operation: "getPhlo", Safe: true}
	bad := contract.Case{ID: "getPhlo/auth-none", Operation: "getPhlo", Safe: true}
	live := contract.Case{ID: "runPhlo/valid", Operation: "runPhlo"}
	wrong := contract.Case{ID: "getPhlo/wrong-method", Safe: true}
	return &contract.Report{Seed: 42, Duration: 42 * time.Millisecond, Results: []contract.Result{
		{Case: ok, Status: 200, Duration: time.Millisecond},
		{Case: bad, Status: 200, Duration: 2 * time.Millisecond, Violations: []contract.Violation{
			{Code: contract.CodeAcceptedInvalid, Case: bad.ID, Operation: bad.Operation, Pointer: "/status", Message: "got 200, want a rejection (4xx): no credentials", Constraint: "/security"},
			{Code: contract.CodeAPIIDNotUUID, Case: bad.ID, Operation: bad.Operation, Pointer: "/body/api_id", Message: `api_id is "a1", want a UUID`, Constraint: "/paths/~1v1~1phlo~1{phlo_id}/get/responses/200/content/application~1json/schema/properties/api_id"},
		}, Exchange: &contract.Exchange{Method: "GET", URL: "http://127.0.0.1:8080/v1/phlo/P1", Header: http.Header{"Accept": {"application/json"}}, Auth: contract.AuthNone,
			Status: 200, Answer: `{"api_id":"a1"}`}},
		{Case: live, Skipped: "live case (it would place calls): run with --live"},
		{Case: wrong, Status: 405, Duration: time.Millisecond},
	}}
}

func TestReportsGolden(t *testing.T) {
	rep := sampleReport()
	tests := []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"report.txt", func(b *bytes.Buffer) error { return contract.WriteText(b, rep) }},
		{"report.json", func(b *bytes.Buffer) error { return contract.WriteJSON(b, rep) }},
		{"report.junit.xml", func(b *bytes.Buffer) error { return contract.WriteJUnit(b, rep) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tt.write(&b))
			golden(t, tt.file, b.Bytes())
		})
	}
	assert.Equal(t, "conform: 4 cases, 2 passed, 1 failed, 1 skipped", contract.Summary(rep))
	err := rep.Err()
	assert.ErrorIs(t, err, contract.ErrViolation)
	var v *contract.Violation
	require.ErrorAs(t, err, &v)
	assert.Equal(t, contract.CodeAcceptedInvalid, v.Code)
}
