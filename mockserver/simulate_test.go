package mockserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
)

const simNode = "/v1/phlo/P1/multi_party_call/N1"

// TestSimulate: the entry the fake would have journaled, with its answer
// and headers, and nothing in the journal; a Responder's delay is skipped
// and its dropped connection is Status 0.
func TestSimulate(t *testing.T) {
	rules := mockserver.ResponderFunc(func(_ context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
		switch ex.PathParams["phlo_id"] {
		case "slow":
			return &mockserver.Answer{Status: 429, Delay: time.Hour, Header: http.Header{"Retry-After": {"1"}}}, true
		case "drop":
			return &mockserver.Answer{Drop: true}, true
		case "html":
			return &mockserver.Answer{Status: 502, Body: []byte("<p>"), Header: http.Header{"Content-Type": {"text/html"}}, Verbatim: true}, true
		}
		return nil, false
	})
	s := newServer(t, mockserver.Options{Store: mockserver.State{Responder: rules}})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		contentType              string
		valid                    bool
		answer                   string
	}{
		{"valid", "POST", simNode, `{"action":"call","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`, 201, "application/json", true, `"error":""`},
		{"invalid", "POST", simNode, `{"action":"dance"}`, 400, "application/json", false, "Allowed values"},
		{"no route", "GET", "/v1/nowhere", "", 404, "application/json", false, "Resource not found"},
		{"delay skipped", "GET", "/v1/phlo/slow", "", 429, "application/json", true, `"error":"Too many requests"`},
		{"dropped", "GET", "/v1/phlo/drop", "", 0, "", true, ""},
		{"verbatim", "GET", "/v1/phlo/html", "", 502, "text/html", true, "<p>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			e, h := s.Simulate(req)
			assert.Less(t, time.Since(start), time.Minute)
			assert.Equal(t, tc.status, e.Status)
			assert.Equal(t, tc.valid, e.Valid)
			assert.Equal(t, tc.contentType, h.Get("Content-Type"))
			assert.Contains(t, string(e.Answer), tc.answer)
			assert.Contains(t, e.Header.Get("Authorization"), "[redacted]")
			assert.Empty(t, s.Journal().Entries(mockserver.Filter{}), "a simulation is not journaled")
		})
	}
}

// TestCheckAnswer: another server's answer, checked against the contract.
func TestCheckAnswer(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	req := httptest.NewRequest("GET", "/v1/phlo/P1", nil)
	json := http.Header{"Content-Type": {"application/json"}}
	assert.Empty(t, s.CheckAnswer(req, 200, json, []byte(`{"api_id":"6a0b2c4e-1d3f-4a5b-8c7d-9e0f1a2b3c4d","phlo_id":"P1","name":"n","created_on":"2020-08-01 09:05:11.846982+00:00"}`)))
	vs := s.CheckAnswer(req, 200, json, []byte(`{"api_id":7}`))
	require.NotEmpty(t, vs)
	for _, v := range vs {
		assert.Equal(t, mockserver.CodeBadAnswer, v.Code)
	}
	assert.NotEmpty(t, s.CheckAnswer(req, 299, json, []byte(`{}`)), "an undocumented status")
	assert.Nil(t, s.CheckAnswer(httptest.NewRequest("GET", "/v1/nowhere", nil), 200, json, []byte(`{}`)), "no operation: nothing to check")
}

func TestJournalAdd(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	s.Journal().Add(&mockserver.Entry{Method: "GET", Path: "/x", Source: "target"})
	es := s.Journal().Entries(mockserver.Filter{})
	require.Len(t, es, 1)
	assert.Equal(t, uint64(1), es[0].Seq)
	assert.Equal(t, "target", es[0].Source)
}
