package certify

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// The judge on journal entries written by hand: what the SDKs' habits
// (reads first, retries) are allowed, and what is not.
func TestJudgeOtherRequests(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	index := newContractIndex(spec)
	cases, err := Select(Cases(), "hold/server-error")
	require.NoError(t, err)
	c := cases[0]

	auth := http.Header{"Authorization": {"Basic " + mockserver.DefaultAuthID + ":[redacted]"}, "Content-Type": {"application/json"}}
	memberParams := map[string]string{"phlo_id": PhloID, "node_id": NodeID, "member_address": MemberAddress}
	readPhlo := func(id string) *mockserver.Entry {
		return &mockserver.Entry{Method: "GET", Path: "/v1/phlo/" + id, OperationID: "getPhlo", Header: auth,
			PathParams: map[string]string{"phlo_id": id}, Valid: true, Status: 200, Answer: []byte(`{"api_id":"a","phlo_id":"` + id + `"}`)}
	}
	hold := func(status int) *mockserver.Entry {
		return &mockserver.Entry{Method: "POST", Path: "/v1/phlo/" + PhloID + "/multi_party_call/" + NodeID + "/members/" + MemberAddress,
			OperationID: "updateMember", Header: auth, PathParams: memberParams, Body: `{"action":"hold"}`, Valid: true,
			Status: status, Answer: []byte(`{"api_id":"b","error":"Internal server error."}`), Rule: c.ID}
	}
	surfaced := driver.Result{Outcome: driver.OutcomeError, Error: &driver.ClientError{Status: 500, Message: "Internal server error."}}

	tests := []struct {
		name    string
		entries []*mockserver.Entry
		want    []Code
	}{
		{"the operation alone", []*mockserver.Entry{hold(500)}, nil},
		{"a read of the PHLO first", []*mockserver.Entry{readPhlo(PhloID), hold(500)}, nil},
		{"retries after a 5xx", []*mockserver.Entry{hold(500), hold(500), hold(500)}, nil},
		{"a read of another PHLO", []*mockserver.Entry{readPhlo("0b7c8d9e-0000-4000-8000-000000000000"), hold(500)}, []Code{CodeSentExtraRequests}},
		{"the operation again after a 201", []*mockserver.Entry{hold(201), hold(500)}, []Code{CodeSentExtraRequests}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &judge{c: c, authID: mockserver.DefaultAuthID, contract: index}
			var got []Code
			for _, f := range j.run(tt.entries, surfaced) {
				got = append(got, f.Code)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestScrub(t *testing.T) {
	got := scrub(`{"api_id":"8c77b816-d621-4028-afc8-1aeab1d497a8","phlo_id":"` + PhloID + `"}`)
	assert.Equal(t, `{"api_id":"<uuid>","phlo_id":"`+PhloID+`"}`, got, "fresh ids go, the cases' own stay")
}

func TestSelect(t *testing.T) {
	tests := []struct {
		patterns string
		want     int
		err      error
	}{
		{"", 38, nil},
		{"*/ok", 12, nil},
		{"*/ok, hold/*", 12 + 8, nil},
		{"*/empty-body", 3, nil},
		{"hold/ok,nothing/*", 0, ErrNoCase},
	}
	for _, tt := range tests {
		got, err := Select(Cases(), tt.patterns)
		if tt.err != nil {
			assert.ErrorIs(t, err, tt.err, tt.patterns)
			continue
		}
		require.NoError(t, err, tt.patterns)
		assert.Len(t, got, tt.want, tt.patterns)
	}
}
