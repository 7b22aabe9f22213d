package contract_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// A server failing above 300 bytes fails the padded and maximal bodies:
// each is shrunk to a request near the limit that still fails, and every
// report carries a curl that replays the shrunk request, and the seed.
func TestShrinkAndReplay(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	all, err := contract.Generate(spec, contract.GenerateOptions{Seed: 5, MaxExamples: 5})
	require.NoError(t, err)
	var cases []contract.Case
	for _, c := range all {
		if strings.HasSuffix(c.ID, "/padded-16k") {
			cases = append(cases, c)
		}
	}
	fake, err := mockserver.New(spec, mockserver.Options{Store: mockserver.State{World: world{mutPhlo, mutNode}}, StrictIDs: true})
	require.NoError(t, err)
	var limit genMutant
	for _, m := range generateMutants(spec) {
		if m.name == "requests/fail-above-300-bytes" {
			limit = m
		}
	}
	require.NotNil(t, limit.req)
	runner := &contract.Runner{Spec: spec, Live: true, Seed: 5, Client: &http.Client{Transport: handlerTransport{mutate(fake, newOpMatcher(spec), limit, nil)}},
		Target: contract.Target{BaseURL: "http://fake.test", AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken, PhloID: mutPhlo, NodeID: mutNode}}
	rep, err := runner.Run(context.Background(), cases)
	require.NoError(t, err)
	var shrunk *contract.Result
	for i, res := range rep.Results {
		if res.Shrunk != nil {
			t.Logf("%s shrunk from %d to %d bytes in %d tries", res.Case.ID, res.Shrunk.FromBytes, res.Shrunk.ToBytes, res.Shrunk.Tries)
			if res.Shrunk.FromBytes == 16<<10 && shrunk == nil {
				shrunk = &rep.Results[i]
			}
		}
	}
	require.NotNil(t, shrunk, "no padded case was shrunk")
	assert.Equal(t, 16<<10, shrunk.Shrunk.FromBytes)
	assert.Greater(t, shrunk.Shrunk.ToBytes, 300, "the shrunk request must still fail: above the limit")
	assert.Less(t, shrunk.Shrunk.ToBytes, 1<<10, "got %d bytes, want it shrunk near the limit", shrunk.Shrunk.ToBytes)
	replay := contract.Replay(*shrunk, "")
	assert.Contains(t, replay, "--data-binary '"+string(shrunk.Shrunk.Body)+"'")
	assert.NotContains(t, replay, mockserver.DefaultAuthToken)

	for name, write := range map[string]func(*bytes.Buffer) error{
		"text":  func(b *bytes.Buffer) error { return contract.WriteText(b, rep) },
		"json":  func(b *bytes.Buffer) error { return contract.WriteJSON(b, rep) },
		"junit": func(b *bytes.Buffer) error { return contract.WriteJUnit(b, rep) },
		"html":  func(b *bytes.Buffer) error { return contract.WriteHTML(b, rep, contract.HTMLOptions{}) },
	} {
		var b bytes.Buffer
		require.NoError(t, write(&b))
		out := b.String()
		assert.Contains(t, out, "curl -sS -i -X POST", "%s report: no replay command", name)
		assert.Contains(t, out, "seed", "%s report: no seed", name)
		assert.Contains(t, out, "/requestBody/content/application~1json/schema", "%s report: no constraint cited", name)
		assert.NotContains(t, out, mockserver.DefaultAuthToken, "%s report: holds the token", name)
	}
}
