package proxy_test

import (
	"flag"
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

	s, err := scenarios.Parse("recorded.yaml", data)
	require.NoError(t, err)
	require.NoError(t, s.Validate(director.OperationIDs(mustSpec(t))))
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
