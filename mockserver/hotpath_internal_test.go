package mockserver

import (
	"encoding/base64"
	"net/http"
	"testing"
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
