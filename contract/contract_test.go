package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runAgainst runs the whole generated suite, live, against h.
func runAgainst(tb testing.TB, h http.Handler) *contract.Report {
	tb.Helper()
	return runAgainstWith(tb, h, nil)
}

// runAgainstWith is runAgainst with the runner changed by tune first.
func runAgainstWith(tb testing.TB, h http.Handler, tune func(*contract.Runner)) *contract.Report {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	spec, err := openapi.Load()
	require.NoError(tb, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	require.NoError(tb, err)
	r := &contract.Runner{
		Spec: spec, Live: true, Client: srv.Client(),
		Target: contract.Target{BaseURL: srv.URL, AuthID: refAuthID, AuthToken: refToken, PhloID: refPhloID, NodeID: refNodeID},
	}
	if tune != nil {
		tune(r)
	}
	rep, err := r.Run(context.Background(), cases)
	require.NoError(tb, err)
	return rep
}

func codes(rep *contract.Report) []contract.Code {
	var out []contract.Code
	for _, res := range rep.Results {
		for _, v := range res.Violations {
			if !slices.Contains(out, v.Code) {
				out = append(out, v.Code)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestReferenceConforms(t *testing.T) {
	rep := runAgainst(t, newReference(t))
	for _, res := range rep.Results {
		assert.Empty(t, res.Violations, "case %s: got violations, want none", res.Case.ID)
	}
	_, _, failed, skipped := rep.Counts()
	assert.Zero(t, failed)
	assert.Zero(t, skipped)
}

func TestDeviantServers(t *testing.T) {
	tests := []struct {
		name    string
		rewrite func(r *http.Request, a *answer)
		want    []contract.Code // each must be reported
		only    bool            // and nothing else
	}{
		{
			name: "wrong status: 403 for bad credentials",
			rewrite: func(r *http.Request, a *answer) {
				if a.status == http.StatusUnauthorized {
					a.status = http.StatusForbidden
				}
			},
			want: []contract.Code{contract.CodeStatusUnexpected}, only: true,
		},
		{
			name:    "missing api_id",
			rewrite: func(r *http.Request, a *answer) { editJSON(a, func(m map[string]any) { delete(m, "api_id") }) },
			want:    []contract.Code{contract.CodeAPIIDMissing}, only: true,
		},
		{
			name: "api_id not a UUID",
			rewrite: func(r *http.Request, a *answer) {
				editJSON(a, func(m map[string]any) { m["api_id"] = "a1-" + newUUID()[:8] })
			},
			want: []contract.Code{contract.CodeAPIIDNotUUID}, only: true,
		},
		{
			name:    "text/plain errors",
			rewrite: textPlainErrors,
			want:    []contract.Code{contract.CodeBodyNotJSON, contract.CodeContentType}, only: true,
		},
		{
			name: "empty error body",
			rewrite: func(r *http.Request, a *answer) {
				if isFailure(a) {
					a.body = nil
				}
			},
			want: []contract.Code{contract.CodeBodyNotJSON}, only: true,
		},
		{
			name: "blank error text",
			rewrite: func(r *http.Request, a *answer) {
				if isFailure(a) {
					editJSON(a, func(m map[string]any) { m["error"] = "" })
				}
			},
			want: []contract.Code{contract.CodeErrorEmpty}, only: true,
		},
		{
			name: "error set on success",
			rewrite: func(r *http.Request, a *answer) {
				if a.status == http.StatusCreated {
					editJSON(a, func(m map[string]any) { m["error"] = "ok" })
				}
			},
			want: []contract.Code{contract.CodeErrorOnSuccess}, only: true,
		},
		{
			name: "200 where the API must reject",
			rewrite: func(r *http.Request, a *answer) {
				if a.status == http.StatusBadRequest {
					a.status = http.StatusOK
					a.body = []byte(`{"api_id":"` + newUUID() + `","error":""}`)
				}
			},
			// runPhlo documents 201, not 200: its 200s are undocumented too.
			want: []contract.Code{contract.CodeAcceptedInvalid, contract.CodeStatusUndocumented}, only: true,
		},
		{
			name: "undocumented status",
			rewrite: func(r *http.Request, a *answer) {
				if a.status == http.StatusNotFound {
					a.status = http.StatusTeapot
				}
			},
			want: []contract.Code{contract.CodeStatusUndocumented, contract.CodeStatusUnexpected}, only: true,
		},
		{
			name: "wrong field type",
			rewrite: func(r *http.Request, a *answer) {
				editJSON(a, func(m map[string]any) {
					if _, ok := m["name"]; ok {
						m["name"] = 42
					}
				})
			},
			want: []contract.Code{contract.CodeBodySchema}, only: true,
		},
		{
			name: "missing documented field",
			rewrite: func(r *http.Request, a *answer) {
				editJSON(a, func(m map[string]any) { delete(m, "node_type") })
			},
			want: []contract.Code{contract.CodeBodySchema}, only: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := runAgainst(t, deviate(newReference(t), tt.rewrite))
			got := codes(rep)
			for _, w := range tt.want {
				assert.Contains(t, got, w, "got codes %v, want %s among them", got, w)
			}
			if tt.only {
				want := slices.Clone(tt.want)
				slices.Sort(want)
				assert.Equal(t, want, got, "got codes %v, want exactly %v", got, want)
			}
			_, _, failed, _ := rep.Counts()
			assert.NotZero(t, failed, "got no failed case, want some")
		})
	}
}

// Cases of one Sequence run one after another in suite order, even with
// many requests in flight.
func TestSequenceKeepsOrder(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(deviate(newReference(t), func(r *http.Request, a *answer) {
		if name := r.Header.Get("X-Case"); name != "" {
			mu.Lock()
			got = append(got, name)
			mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	spec, err := openapi.Load()
	require.NoError(t, err)
	var cases []contract.Case
	var want []string
	for i := range 40 {
		name := fmt.Sprintf("step-%02d", i)
		want = append(want, name)
		cases = append(cases, contract.Case{
			ID: "seq/" + name, Operation: "getPhlo", Safe: true, Sequence: "seq",
			Request: contract.Request{Method: http.MethodGet, Path: "/v1/phlo/{phlo_id}", Header: http.Header{"X-Case": {name}}},
		})
	}
	r := &contract.Runner{Spec: spec, Concurrency: 8, Client: srv.Client(),
		Target: contract.Target{BaseURL: srv.URL, AuthID: refAuthID, AuthToken: refToken, PhloID: refPhloID, NodeID: refNodeID}}
	rep, err := r.Run(context.Background(), cases)
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	assert.Equal(t, want, got)
}

// runOne runs cases against h and returns the report.
func runOne(tb testing.TB, h http.Handler, cases ...contract.Case) *contract.Report {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	spec, err := openapi.Load()
	require.NoError(tb, err)
	r := &contract.Runner{Spec: spec, Live: true, Client: srv.Client(),
		Target: contract.Target{BaseURL: srv.URL, AuthID: refAuthID, AuthToken: refToken, PhloID: refPhloID, NodeID: refNodeID}}
	rep, err := r.Run(context.Background(), cases)
	require.NoError(tb, err)
	return rep
}

func TestCaseExpectations(t *testing.T) {
	get := contract.Request{Method: http.MethodGet, Path: "/v1/phlo/{phlo_id}"}
	none := get
	none.Auth = contract.AuthNone
	tests := []struct {
		name   string
		expect contract.Expect
		req    contract.Request
		want   []contract.Violation
	}{
		{"fields match", contract.Expect{Fields: map[string]any{"/phlo_id": refPhloID, "/name": "p"}}, get, nil},
		{"field differs", contract.Expect{Fields: map[string]any{"/name": "other"}}, get,
			[]contract.Violation{{Code: contract.CodeBodyField, Pointer: "/body/name", Message: `got "p", want "other"`}}},
		{"field missing", contract.Expect{Fields: map[string]any{"/nope": 1}}, get,
			[]contract.Violation{{Code: contract.CodeBodyField, Pointer: "/body/nope", Message: `missing, want 1`}}},
		{"error text matches", contract.Expect{Status: 401, ErrorContains: "authentication"}, none, nil},
		{"error text differs", contract.Expect{Status: 401, ErrorContains: "Invalid value"}, none,
			[]contract.Violation{{Code: contract.CodeErrorText, Pointer: "/body/error", Message: `got "authentication failed", want it to contain "Invalid value"`}}},
		{"success required", contract.Expect{Outcome: contract.OutcomeSuccess}, none,
			[]contract.Violation{{Code: contract.CodeStatusUnexpected, Pointer: "/status", Message: "got 401, want a 2xx"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := contract.Case{ID: "c", Operation: "getPhlo", Safe: true, Request: tt.req, Expect: tt.expect}
			rep := runOne(t, newReference(t), cs)
			for i := range tt.want {
				tt.want[i].Case, tt.want[i].Operation = "c", "getPhlo"
				// a case of no constraint of its own cites its operation
				tt.want[i].Constraint = "/paths/~1v1~1phlo~1{phlo_id}/get"
			}
			assert.Equal(t, tt.want, rep.Results[0].Violations)
		})
	}
}

func TestTransport(t *testing.T) {
	hangUp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	cs := contract.Case{ID: "c", Operation: "getPhlo", Safe: true, Request: contract.Request{Method: http.MethodGet, Path: "/v1/phlo/{phlo_id}"}}
	rep := runOne(t, hangUp, cs)
	require.Len(t, rep.Results[0].Violations, 1)
	assert.Equal(t, contract.CodeTransport, rep.Results[0].Violations[0].Code)

	// A target nobody listens on fails the run, not the cases.
	srv := httptest.NewServer(hangUp)
	url := srv.URL
	srv.Close()
	spec, err := openapi.Load()
	require.NoError(t, err)
	r := &contract.Runner{Spec: spec, Target: contract.Target{BaseURL: url, PhloID: "P", NodeID: "N"}}
	_, err = r.Run(context.Background(), []contract.Case{cs})
	assert.ErrorIs(t, err, contract.ErrUnreachable)
}

// Every case that ran carries its duration, which the JUnit report shows.
func TestRunRecordsCaseDuration(t *testing.T) {
	rep := runAgainst(t, newReference(t))
	require.NotEmpty(t, rep.Results)
	for _, res := range rep.Results {
		assert.Positive(t, res.Duration, "case %s: got duration %v, want > 0", res.Case.ID, res.Duration)
	}
}
