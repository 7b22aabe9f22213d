package proxy_test

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/proxy"
	"github.com/phlomock/phlomock/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// recordedTraffic is what the application sends while recording: the
// phlorunner answers a 404, a 429 burst, a 200 where the fake has 201.
var recordedTraffic = []struct{ method, path, body string }{
	{"GET", phloPath, ""},
	{"GET", nodePath, ""},
	{"GET", phloPath + "/multi_party_call/" + unknownNode, ""},
	{"POST", nodePath, callBody},
	{"POST", memberPath, `{"action":"hold"}`},
	{"POST", memberPath, `{"action":"hold"}`},
	{"POST", memberPath, `{"action":"hold"}`},
	{"POST", nodePath, `{"action":"dance"}`},
}

func record(t *testing.T, redact bool) (statuses []int, data []byte, target string) {
	t.Helper()
	up := newPhlorunner(t)
	f := newFront(t, up.URL, mockserver.Options{}, func(o *proxy.Options) { o.Record = true })
	for _, r := range recordedTraffic {
		statuses = append(statuses, call(t, f.URL, r.method, r.path, r.body).status)
	}
	f.report(t, len(recordedTraffic))
	data, err := f.Proxy.Recorded(proxy.RecordOptions{Name: "recorded", Redact: redact, Known: director.OperationIDs(mustSpec(t))})
	require.NoError(t, err)
	return statuses, data, up.URL
}

// TestRecordReplay: the recording is a valid version 1 scenario; the fake
// serving it answers the recorded requests with the recorded statuses
// (the 429 burst then the success included), and its interactions pass
// against that fake.
func TestRecordReplay(t *testing.T) {
	statuses, data, target := record(t, false)
	assert.Equal(t, []int{200, 200, 404, 200, 429, 429, 201, 400}, statuses)
	golden(t, "recorded.yaml", []byte(strings.ReplaceAll(string(data), target, "http://127.0.0.1:PORT")))

	// What `phlomock scenarios check` runs: Check, and CheckRules
	// against the contract's operations.
	s, err := scenarios.CheckFile("recorded.yaml", data, director.OperationIDs(mustSpec(t)), director.Operations(mustSpec(t)))
	require.NoError(t, err)
	assert.Equal(t, realName, s.World.PHLOs[0].Name, "the world comes from the GET answers")
	assert.NotContains(t, string(data), "auth_token")

	fake := faketest.NewServer(t, fake.Config{Active: []*scenarios.Scenario{s}})
	for i, r := range recordedTraffic {
		got := call(t, fake.URL, r.method, r.path, r.body)
		assert.Equalf(t, statuses[i], got.status, "replay of %s %s %s: %s", r.method, r.path, r.body, got.raw)
	}
	got := call(t, fake.URL, "GET", phloPath, "")
	assert.Equal(t, realName, decodeJSON(t, got.raw)["name"])
}

// TestRecordRedact: with Redact, ids and phone numbers are placeholders,
// the same everywhere, and the file still replays.
func TestRecordRedact(t *testing.T) {
	statuses, data, _ := record(t, true)
	text := string(data)
	for _, v := range []string{phloID, nodeID, unknownNode, member, "+14152224444", "+14152225555"} {
		assert.NotContains(t, text, v)
	}
	s, err := scenarios.Parse("recorded.yaml", data)
	require.NoError(t, err)
	require.NoError(t, s.Validate(nil))
	phlo := s.World.PHLOs[0].ID
	assert.Equal(t, proxy.ClassUUID, proxy.Class(phlo))
	assert.Greater(t, strings.Count(text, phlo), 3, "one placeholder per value, everywhere")
	fake := faketest.NewServer(t, fake.Config{Active: []*scenarios.Scenario{s}})
	node := s.World.PHLOs[0].Nodes[0].ID
	got := call(t, fake.URL, "POST", "/v1/phlo/"+phlo+"/multi_party_call/"+node, strings.ReplaceAll(strings.ReplaceAll(callBody, "+14152224444", "+15550000001"), "+14152225555", "+15550000002"))
	assert.Equal(t, statuses[3], got.status, "%s", got.raw)
}

// golden compares data with testdata/name, rewritten with -update.
func golden(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, data, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(data))
}

// TestRecordKeepsEverything: requests and answers the scenario format
// cannot say (a method the contract has no word for, a body that is not
// JSON or not UTF-8, an answer that reads as a bad placeholder) do not
// spoil the recording: the file passes Check, and each exchange is in it,
// as an interaction or as a comment that says why it is not one.
func TestRecordKeepsEverything(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == phloPath && r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, "{{nope}} is not a placeholder")
		case r.URL.Path == nodePath && r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte{0xff, 0xfe, 0x00, 0x01})
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = io.WriteString(w, `{"api_id":"0b9a3a5e-1c1b-4a57-9d6e-0b6f8f7b3c11","error":"no"}`)
		}
	}))
	t.Cleanup(up.Close)
	f := newFront(t, up.URL, mockserver.Options{}, func(o *proxy.Options) { o.Record = true })
	sent := []struct{ method, path, body string }{
		{"TRACE", phloPath, ""},
		{"PROPFIND", "/dav/", ""},
		{"PURGE", phloPath, ""},
		{"get", phloPath, ""},
		{"DELETE", phloPath, ""},
		{"POST", nodePath, "not json at all"},
		{"POST", nodePath, "\xff\xfe"},
		{"GET", phloPath, ""}, // a valid request: its rule would answer {{nope}}
		{"GET", nodePath, ""}, // a valid request: its rule would answer bytes that are not text
		{"GET", "/odd path/\u00e9/%0Anewline", ""},
		{"OPTIONS", "/", ""},
	}
	for _, r := range sent {
		call(t, f.URL, r.method, r.path, r.body)
	}
	f.report(t, len(sent))
	data, err := f.Proxy.Recorded(proxy.RecordOptions{Name: "odd", Known: director.OperationIDs(mustSpec(t))})
	require.NoError(t, err, "%s", data)
	_, err = scenarios.CheckFile("odd.yaml", data, director.OperationIDs(mustSpec(t)), director.Operations(mustSpec(t)))
	require.NoError(t, err, "%s", data)
	text := string(data)
	for _, want := range []string{
		`TRACE "` + phloPath + `"`, `PROPFIND "/dav/"`, `PURGE "` + phloPath + `"`, // comments: no such method
		`POST "` + nodePath + `" (1 answers): its body is not JSON`, // twice: two bodies
		`GET "` + phloPath + `" (1 answers): recorded:`, `unknown placeholder {{nope}}`,
		`GET "` + nodePath + `" (1 answers): scenarios: encode`, `is not UTF-8`,
		"get " + phloPath, "DELETE " + phloPath, "OPTIONS /", // interactions
		`/odd path/é/\nnewline`,
	} {
		assert.Contains(t, text, want)
	}
	assert.Equal(t, 2, strings.Count(text, `POST "`+nodePath+`" (1 answers): its body is not JSON`), "%s", text)
}
