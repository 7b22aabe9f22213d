package pact_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver"
)

// The stateful scenario's call (scenarios show transfer-flow).
const (
	flowPhlo = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	flowNode = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// A run is the requests of an application's test run, each under the
// scenario active then.
type step struct {
	scenario, method, path, body string
	want                         int
}

var run = []step{
	{"success", "GET", "/v1/phlo/" + flowPhlo, "", 200},
	{"success", "POST", "/v1/phlo/P1/multi_party_call/N1", cold, 201},
	{"success", "POST", "/v1/phlo/P1/multi_party_call/N1", cold, 201}, // the same: merged
	{"success", "POST", "/v1/phlo/P1/multi_party_call/N1", strings.Replace(cold, `"agent"`, `"boss"`, 1), 400},
	{"success", "GET", "/v1/nope", "", 404},
	{"rate-limited", "POST", "/v1/phlo/P1/multi_party_call/N1", cold, 429},
	{"bad-role", "POST", "/v1/phlo/P1/multi_party_call/N1", cold, 400},
	{"transfer-flow", "POST", "/v1/phlo/" + flowPhlo + "/multi_party_call/" + flowNode + "/members/+14152225555", `{"action":"abort_transfer"}`, 400},
	{"transfer-flow", "POST", "/v1/phlo/" + flowPhlo + "/multi_party_call/" + flowNode, `{"action":"warm_transfer","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`, 201},
	{"transfer-flow", "POST", "/v1/phlo/" + flowPhlo + "/multi_party_call/" + flowNode + "/members/+14152225555", `{"action":"abort_transfer"}`, 201},
	{"transfer-flow", "POST", "/v1/phlo/" + flowPhlo + "/multi_party_call/" + flowNode + "/members/+14152223333", `{"action":"hold"}`, 201},
	{"transfer-flow", "POST", "/v1/phlo/" + flowPhlo + "/multi_party_call/" + flowNode + "/members/+14152223333", `{"action":"hold"}`, 400},
}

// record sends the run to a fake and returns its journal as a pact, from
// GET /__admin/journal?format=pact.
func record(t *testing.T) []byte {
	t.Helper()
	fake := faketest.NewServer(t, fake.Config{})
	active := ""
	for i, s := range run {
		if s.scenario != active {
			require.NoError(t, fake.Director.ActivateNames(s.scenario))
			active = s.scenario
		}
		req, err := http.NewRequest(s.method, fake.URL+s.path, strings.NewReader(s.body))
		require.NoError(t, err)
		req.SetBasicAuth(fake.AuthID, fake.AuthToken)
		if s.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equalf(t, s.want, resp.StatusCode, "step %d: %s", i, b)
	}
	resp, err := http.Get(fake.AdminURL + mockserver.AdminBase + "/journal?format=pact&consumer=my-app")
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	return raw
}

func TestJournalFormatPact(t *testing.T) {
	var p struct {
		Consumer     struct{ Name string } `json:"consumer"`
		Interactions []struct {
			Description    string `json:"description"`
			ProviderStates []struct {
				Params map[string]string `json:"params"`
			} `json:"providerStates"`
		} `json:"interactions"`
	}
	require.NoError(t, json.Unmarshal(record(t), &p))
	assert.Equal(t, "my-app", p.Consumer.Name)
	var got []string
	for _, in := range p.Interactions {
		got = append(got, in.Description+" "+in.ProviderStates[0].Params["call_seq"])
	}
	assert.Equal(t, []string{
		"getPhlo -> 200 (success) ",
		"updateMultiPartyCall cold_transfer -> 201 (success) ",
		"updateMultiPartyCall cold_transfer -> 400 (success) ",
		"GET /v1/nope -> 404 (success) ",
		"updateMultiPartyCall cold_transfer -> 429 (rate-limited) ",
		"updateMultiPartyCall cold_transfer -> 400 (bad-role) ",
		"updateMember abort_transfer -> 400 (transfer-flow) ",
		"updateMultiPartyCall warm_transfer -> 201 (transfer-flow) 1",
		"updateMember abort_transfer -> 201 (transfer-flow) 2",
		"updateMember hold -> 201 (transfer-flow) 3",
		"updateMember hold -> 400 (transfer-flow) ",
	}, got, "one interaction per distinct request and answer, in order")
}

// TestPactVerifier: Pact's own verifier (pact-core from npm, its native
// library included) loads the exported file and replays every interaction
// against a fresh fake with the same scenarios, each provider state set up
// by activating its scenario; all pass. A pact whose expectation the fake
// does not meet fails, so the replay is really judged.
func TestPactVerifier(t *testing.T) {
	sdktest.SkipShort(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "verify"))
	require.NoError(t, err)
	_, statErr := os.Stat(filepath.Join(dir, "node_modules", "@pact-foundation", "pact-core"))
	sdktest.Need(t, sdktest.HasCommand("node") && statErr == nil, "pact-core (npm ci --prefix pact/testdata/verify)")

	raw := record(t)
	file := filepath.Join(t.TempDir(), "my-app-phlorunner.json")
	require.NoError(t, os.WriteFile(file, raw, 0o644))

	verify := func(t *testing.T, file string) (string, error) {
		fake := faketest.NewServer(t, fake.Config{})
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "verify.js"), file, fake.URL, fake.AdminURL, fake.AuthID, fake.AuthToken)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	t.Run("replay passes", func(t *testing.T) {
		out, err := verify(t, file)
		require.NoError(t, err, "%s", out)
		assert.Contains(t, out, "verified: 11 interactions, 11 provider states set up")
	})

	t.Run("a broken expectation fails", func(t *testing.T) {
		broken := strings.Replace(string(raw), `"status": 429`, `"status": 202`, 1)
		require.NotEqual(t, string(raw), broken)
		bad := filepath.Join(t.TempDir(), "broken.json")
		require.NoError(t, os.WriteFile(bad, []byte(broken), 0o644))
		out, err := verify(t, bad)
		require.Error(t, err, "%s", out)
		assert.Contains(t, out, "verification failed")
		assert.Contains(t, out, "expected 202 but was 429")
	})
}
