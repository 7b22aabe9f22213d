package mockserver

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/openapi"
)

// basicAuthCases are Authorization headers r.BasicAuth reads or refuses.
var basicAuthCases = []string{
	"",
	"Basic " + base64.StdEncoding.EncodeToString([]byte(DefaultAuthID+":"+DefaultAuthToken)),
	"basic " + base64.StdEncoding.EncodeToString([]byte("id:tok:with:colons")),
	"BASIC " + base64.StdEncoding.EncodeToString([]byte(":")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte("no-colon")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte("id:")),
	"Basic " + base64.StdEncoding.EncodeToString([]byte(string(make([]byte, 400))+":long")),
	"Basic TUFQSExPTU9DS0RF\r\nRkFVTFQwMDE6eA==",
	"Basic not base64!",
	"Basic  " + base64.StdEncoding.EncodeToString([]byte("a:b")),
	"Basic",
	"Basic ",
	"Bearer abc",
	"Ba\xffic " + base64.StdEncoding.EncodeToString([]byte("a:b")),
	"Baſic " + base64.StdEncoding.EncodeToString([]byte("a:b")),
}

// TestBasicAuthAgrees checks the pipeline's Basic auth parser against
// net/http's, with the Auth ID known to the journal and not.
func TestBasicAuthAgrees(t *testing.T) {
	s := &Server{journal: newJournal(0, 0)}
	for round := range 2 {
		for _, h := range basicAuthCases {
			r := &http.Request{Header: http.Header{}}
			if h != "" {
				r.Header.Set("Authorization", h)
			}
			wantID, wantToken, wantOK := r.BasicAuth()
			var buf [8]byte
			id, token, ok := s.basicAuth(r, buf[:0])
			if id != wantID || string(token) != wantToken || ok != wantOK {
				t.Errorf("round %d, %q: got %q %q %v, want %q %q %v", round, h, id, token, ok, wantID, wantToken, wantOK)
			}
			if ok {
				s.journal.add(&Entry{AuthID: id}) // known in round 2
			}
		}
	}
}

// FuzzBasicAuth checks the pipeline's Basic auth parser against net/http's.
func FuzzBasicAuth(f *testing.F) {
	for _, h := range basicAuthCases {
		f.Add(h)
	}
	s := &Server{journal: newJournal(0, 0)}
	f.Fuzz(func(t *testing.T, h string) {
		r := &http.Request{Header: http.Header{"Authorization": {h}}}
		wantID, wantToken, wantOK := r.BasicAuth()
		id, token, ok := s.basicAuth(r, nil)
		if id != wantID || string(token) != wantToken || ok != wantOK {
			t.Errorf("%q: got %q %q %v, want %q %q %v", h, id, token, ok, wantID, wantToken, wantOK)
		}
	})
}

// TestPairsKeyIsParamsKey checks that the router's key of a set of path
// parameters is the journal's key of their map, so both find the same
// shared map, and that no two different sets share a key.
func TestPairsKeyIsParamsKey(t *testing.T) {
	cases := []struct {
		names, values []string
		shareable     bool
	}{
		{[]string{"phlo_id", "node_id"}, []string{"P1", "N1"}, true},
		{[]string{"phlo_id", "node_id", "member_address*"}, []string{"P1", "N1", "sip:a@b"}, true},
		{[]string{"b", "a", "c"}, []string{"1", "2", "3"}, true},
		{[]string{"a", "b"}, []string{"x", "y\x00b\x00z"}, false},
		{[]string{"a", "b"}, []string{"x\x00b\x00y", "z"}, false},
		{[]string{"a", "a*"}, []string{"1", "2"}, false},
		{[]string{}, []string{}, true},
	}
	seen := map[string]map[string]string{}
	for _, c := range cases {
		got, ok := pairsKey(nil, c.names, c.values)
		if ok != c.shareable {
			t.Errorf("%v=%v: got shareable %v, want %v", c.names, c.values, ok, c.shareable)
			continue
		}
		if !ok {
			continue
		}
		m := map[string]string{}
		for i, v := range c.values {
			m[strings.TrimSuffix(c.names[i], "*")] = v
		}
		want, _ := paramsKey(nil, m)
		if string(got) != string(want) {
			t.Errorf("%v=%v: got key %q, want %q", c.names, c.values, got, want)
		}
		if other, dup := seen[string(got)]; dup {
			t.Errorf("%v and %v share the key %q", m, other, got)
		}
		seen[string(got)] = m
	}
	if _, ok := paramsKey(nil, map[string]string{"a": "x\x00b\x00y"}); ok {
		t.Error(`{a: "x\x00b\x00y"} is shareable: it would be {a: "x", b: "y"}`)
	}
}

// TestCheckCredentialsAlternating checks credentials of two accounts in
// turn, right and wrong, so the kept hash of the last account's token is
// never the one compared with another's.
func TestCheckCredentialsAlternating(t *testing.T) {
	accounts := StaticAccounts{"A": "token-a", "B": "token-b"}
	cases := []struct {
		id, token string
		want      bool
	}{
		{"A", "token-a", true}, {"B", "token-a", false}, {"B", "token-b", true}, {"A", "token-b", false},
		{"A", "token-a", true}, {"C", "", false}, {"C", "token-a", false}, {"A", "", false}, {"B", "token-b", true},
	}
	for round := range 2 {
		for _, c := range cases {
			if got := checkCredentials(accounts, c.id, c.token); got != c.want {
				t.Errorf("round %d: %s:%s got %v, want %v", round, c.id, c.token, got, c.want)
			}
			if got := checkCredentials(accounts, c.id, []byte(c.token)); got != c.want {
				t.Errorf("round %d: %s:%s as bytes got %v, want %v", round, c.id, c.token, got, c.want)
			}
		}
	}
}

// TestRoutedEntriesShareParams: the pipeline's entries of the same path
// parameters hold one map, the router's, and others their own values.
func TestRoutedEntriesShareParams(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	s, err := New(doc, Options{})
	require.NoError(t, err)
	send := func(path string) {
		r := httptest.NewRequest("POST", path, strings.NewReader(`{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`))
		r.SetBasicAuth(DefaultAuthID, DefaultAuthToken)
		r.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		require.Equal(t, 201, rec.Code, rec.Body.String())
	}
	send("/v1/phlo/P1/multi_party_call/N1")
	send("/v1/phlo/P1/multi_party_call/N1")
	send("/v1/phlo/P2/multi_party_call/N1")
	es := s.Journal().Entries(Filter{})
	require.Len(t, es, 3)
	assert.Equal(t, reflectPointer(es[0].PathParams), reflectPointer(es[1].PathParams), "equal path parameters are one map")
	assert.Equal(t, map[string]string{"phlo_id": "P1", "node_id": "N1"}, es[1].PathParams)
	assert.Equal(t, map[string]string{"phlo_id": "P2", "node_id": "N1"}, es[2].PathParams)
	var buf [256]byte
	key, ok := paramsKey(buf[:0], es[0].PathParams)
	require.True(t, ok)
	shared, ok := s.Journal().params.get(key)
	require.True(t, ok, "the router's map is in the journal's table")
	assert.Equal(t, reflectPointer(shared), reflectPointer(es[0].PathParams))
}
