package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/openapi"
)

// FuzzHandler sends any method, path, headers and body through the pipeline
// without the panic-recovering middleware: a panic fails the target, and
// every answer must be JSON with an api_id.
func FuzzHandler(f *testing.F) {
	const auth = "Authorization: Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6cGhsb21vY2stZGVmYXVsdC1hdXRoLXRva2Vu\n"
	f.Add("POST", "/v1/phlo/P1/multi_party_call/N1", auth+"Content-Type: application/json", []byte(`{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`))
	f.Add("POST", "/v1/phlo/P1/multi_party_call/N1/members/sip:a@b", auth+"Content-Type: application/json", []byte(`{"action":"hold"}`))
	f.Add("POST", "/v1/account/MA/phlo/P1/", auth, []byte(`""`))
	f.Add("GET", "/v1/phlo/P1/?phlo_id=P1", auth+"Content-Type: application/json", []byte(nil))
	f.Add("PUT", "/v1/phlo/%2F/../x", "Content-Type: text/plain", []byte("\x00\xff"))
	f.Add("", "", "", []byte(`{"action":{"a":[1,2,null]},"role":1e999}`))
	doc, err := openapi.Load()
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(doc, Options{ValidateResponses: true, JournalSize: 8})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, path, headers string, body []byte) {
		u, err := url.Parse(path)
		if err != nil {
			u = &url.URL{Path: path}
		}
		req := &http.Request{
			Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, Host: "phlomock", RemoteAddr: "127.0.0.1:1",
		}
		if len(body) > 0 {
			req.Body = ioNopCloser{bytes.NewReader(body)}
			req.ContentLength = int64(len(body))
		}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				req.Header.Add(k, strings.TrimSpace(v))
			}
		}
		req = req.WithContext(t.Context())
		rec := httptest.NewRecorder()
		s.serve(rec, req)
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("got Content-Type %q, want application/json", ct)
		}
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("got 500 %s", rec.Body)
		}
		if !bytes.HasSuffix(rec.Body.Bytes(), []byte("\n")) {
			t.Fatalf("got body %q, want a trailing newline", rec.Body)
		}
		var got struct {
			APIID string `json:"api_id"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.APIID == "" {
			t.Fatalf("got body %q (%v), want JSON with an api_id", rec.Body, err)
		}
	})
}

type ioNopCloser struct{ *bytes.Reader }

func (ioNopCloser) Close() error { return nil }
