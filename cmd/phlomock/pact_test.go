package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPactExport: phlomock pact export reads a running fake's journal (behind
// its token) and writes the same contract as the route
// GET /__admin/journal?format=pact, one writer (package pact) for both; a
// refusal of the credentials is left out, and said so.
func TestPactExport(t *testing.T) {
	const token = "pact-test-token"
	s := startServe(t, "--admin-token", token)
	send := func(user, pass, body string) {
		req, err := http.NewRequest(http.MethodPost, s.api+"/v1/phlo/P1/multi_party_call/N1", strings.NewReader(body))
		require.NoError(t, err)
		req.SetBasicAuth(user, pass)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	send(s.id, s.token, `{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`)
	send(s.id, s.token, `{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`)
	send(s.id, s.token, `{"action":"call","to":"+14152225555","role":"boss","trigger_source":"+14152223333"}`)
	send(s.id, "wrong", `{"action":"call","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`)

	out := filepath.Join(t.TempDir(), "my-app.json")
	code, stdout, errOut := cli(t, "pact", "export", "--target", s.admin, "--admin-token", token, "--consumer", "my-app", "--out", out)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "pact export: 2 interactions from 4 requests; left out: credentials refused 1 (docs/pact.md); written to "+out+"\n", stdout)
	file, err := os.ReadFile(out)
	require.NoError(t, err)
	var p struct {
		Consumer     struct{ Name string }          `json:"consumer"`
		Interactions []struct{ Description string } `json:"interactions"`
	}
	require.NoError(t, json.Unmarshal(file, &p))
	assert.Equal(t, "my-app", p.Consumer.Name)
	require.Len(t, p.Interactions, 2)
	assert.Equal(t, "updateMultiPartyCall call -> 201 (success)", p.Interactions[0].Description)
	assert.Equal(t, "updateMultiPartyCall call -> 400 (success)", p.Interactions[1].Description)

	// The route gives the same interactions.
	req, err := http.NewRequest(http.MethodGet, s.admin+"/__admin/journal?format=pact&consumer=my-app", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var fromRoute struct {
		Interactions []json.RawMessage `json:"interactions"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&fromRoute))
	var fromFile struct {
		Interactions []json.RawMessage `json:"interactions"`
	}
	require.NoError(t, json.Unmarshal(file, &fromFile))
	assert.Equal(t, fromFile.Interactions, fromRoute.Interactions)

	// A saved journal gives them too.
	journal := filepath.Join(t.TempDir(), "journal.json")
	req, err = http.NewRequest(http.MethodGet, s.admin+"/__admin/journal?after=0&limit=1000", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var page json.RawMessage
	require.NoError(t, json.NewDecoder(resp2.Body).Decode(&page))
	resp2.Body.Close()
	require.NoError(t, os.WriteFile(journal, page, 0o644))
	code, stdout, errOut = cli(t, "pact", "export", "--journal", journal, "--consumer", "my-app")
	require.Equal(t, 0, code, errOut)
	var fromJournal struct {
		Interactions []json.RawMessage `json:"interactions"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &fromJournal))
	assert.Equal(t, fromFile.Interactions, fromJournal.Interactions)
	assert.Contains(t, errOut, "pact export: 2 interactions from 4 requests")
}

func TestPactUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"pact"}, "pact: want the subcommand export, got nothing"},
		{[]string{"pact", "expor"}, `pact: want the subcommand export, got "expor"`},
		{[]string{"pact", "export"}, "give one of --target CONTROL_PLANE_URL"},
		{[]string{"pact", "export", "--target", "localhost:8081"}, `want the control plane's base URL`},
		{[]string{"pact", "export", "--target", "http://127.0.0.1:8081", "extra"}, `extra`},
	}
	for _, tt := range tests {
		code, _, errOut := cli(t, tt.args...)
		assert.Equal(t, 2, code, "%v: %s", tt.args, errOut)
		assert.Contains(t, errOut, tt.want)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("{\"method\":\"GET\",\"status\":200}\n{oops\n"), 0o644))
	code, _, errOut := cli(t, "pact", "export", "--journal", bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, bad+":2: not JSON")
}
