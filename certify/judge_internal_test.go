package certify

import (
	"encoding/base64"
	"net/http"
	"testing"
	"time"

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
		// An action is not retried after a 5xx: the first may have happened.
		{"retries after a 5xx", []*mockserver.Entry{hold(500), hold(500), hold(500)}, []Code{CodeSentActionRetried}},
		{"retries after a dropped connection", []*mockserver.Entry{hold(0), hold(500)}, []Code{CodeSentActionRetried}},
		{"a read of another PHLO", []*mockserver.Entry{readPhlo("0b7c8d9e-0000-4000-8000-000000000000"), hold(500)}, []Code{CodeSentExtraRequests}},
		{"the operation again after a 201", []*mockserver.Entry{hold(201), hold(500)}, []Code{CodeSentExtraRequests}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &judge{c: c, authID: mockserver.DefaultAuthID, secret: mockserver.DefaultAuthToken, contract: index}
			var got []Code
			for _, f := range j.run(tt.entries, surfaced) {
				got = append(got, f.Code)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// Retry-After is judged from the journal's timestamps: from the end of the
// 429 to the arrival of the retry, with RetryAfterTolerance.
func TestJudgeRetryAfter(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	index := newContractIndex(spec)
	cases, err := Select(Cases(), "getPhlo/rate-limited")
	require.NoError(t, err)
	c := cases[0]
	auth := http.Header{"Authorization": {"Basic " + mockserver.DefaultAuthID + ":[redacted]"}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	get := func(at time.Duration) *mockserver.Entry {
		return &mockserver.Entry{Method: "GET", Path: "/v1/phlo/" + PhloID, OperationID: "getPhlo", Header: auth,
			PathParams: map[string]string{"phlo_id": PhloID}, Valid: true, Status: 429, Time: t0.Add(at), Duration: 10 * time.Millisecond,
			Answer: []byte(`{"api_id":"a","error":"` + c.Trouble.Error + `"}`)}
	}
	surfaced := driver.Result{Outcome: driver.OutcomeError, Error: &driver.ClientError{Status: 429, Message: c.Trouble.Error}}
	tests := []struct {
		name string
		gap  time.Duration // from the end of the first answer
		want []Code
	}{
		{"a second later", time.Second, nil},
		{"within the tolerance", time.Second - RetryAfterTolerance, nil},
		{"just past the tolerance", time.Second - RetryAfterTolerance - time.Millisecond, []Code{CodeSentRetryTooSoon}},
		{"at once", time.Millisecond, []Code{CodeSentRetryTooSoon}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &judge{c: c, authID: mockserver.DefaultAuthID, secret: mockserver.DefaultAuthToken, contract: index}
			var got []Code
			for _, f := range j.run([]*mockserver.Entry{get(0), get(10*time.Millisecond + tt.gap)}, surfaced) {
				got = append(got, f.Code)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// No finding quotes the Auth Token, in any form a client may echo it.
func TestRedact(t *testing.T) {
	secret := mockserver.DefaultAuthToken
	for _, s := range []string{secret, "x?auth_token=" + secret, "Bearer " + secret} {
		assert.NotContains(t, redact(s, secret), secret)
		assert.True(t, containsSecret(s, secret), s)
	}
	assert.True(t, containsSecret("Basic "+base64.StdEncoding.EncodeToString([]byte(secret+":MA")), secret), "inside base64")
	assert.False(t, containsSecret("/v1/account/"+mockserver.DefaultAuthID+"/phlo/P1", secret), "the Auth ID in runPhlo's path is not the secret")
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
		{"", 52, nil},
		{"*/ok", 12, nil},
		{"*/ok, hold/*", 12 + 13, nil},
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

// The sequences' expectations come from the call model: each sequence has
// a refused call and an accepted one, so that a client is shown both.
func TestSequencesExpectFromTheModel(t *testing.T) {
	for _, c := range sequenceCases(paramsFor) {
		exp, err := c.Expect()
		require.NoError(t, err, c.ID)
		require.Len(t, exp, len(c.Sequence.Before)+1, c.ID)
		var refused, accepted int
		for _, e := range exp {
			if e.Refused {
				refused++
				assert.NotEmpty(t, e.Reason, c.ID)
			} else {
				accepted++
			}
		}
		assert.Positive(t, refused, "%s: no call refused", c.ID)
		assert.Positive(t, accepted, "%s: no call accepted", c.ID)
	}
}
