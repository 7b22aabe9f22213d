package contract_test

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
	"github.com/phlomock/phlomock/scenarios"
)

// Point the suite elsewhere: go test ./contract -run TestSuite -args -target=https://... -auth-id=... -auth-token=...
var (
	flagTarget    = flag.String("target", "", "base URL to judge (default: the fake, in-process)")
	flagAuthID    = flag.String("auth-id", "", "Auth ID for -target")
	flagAuthToken = flag.String("auth-token", "", "Auth Token for -target")
	flagPhloID    = flag.String("phlo-id", "", "an existing PHLO on -target")
	flagNodeID    = flag.String("node-id", "", "an existing multi-party call node on -target")
	flagLive      = flag.Bool("live", false, "with -target, also run the cases that place real calls")
)

// TestSuite runs the whole generated suite, each case a subtest: against the
// in-process fake by default, so `make test` proves that the fake conforms
// to its own contract.
func TestSuite(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	require.NoError(t, err)

	runner := &contract.Runner{Spec: spec, Live: *flagLive, Target: contract.Target{
		BaseURL: *flagTarget, AuthID: *flagAuthID, AuthToken: *flagAuthToken, PhloID: *flagPhloID, NodeID: *flagNodeID,
	}}
	if *flagTarget == "" {
		const phlo, node = "phlo-under-test", "node-under-test"
		fake, err := mockserver.New(spec, mockserver.Options{Store: mockserver.State{World: world{phlo, node}}, StrictIDs: true})
		require.NoError(t, err)
		srv := httptest.NewServer(fake)
		t.Cleanup(srv.Close)
		runner.Live = true
		runner.Client = srv.Client()
		runner.Target = contract.Target{BaseURL: srv.URL, AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken, PhloID: phlo, NodeID: node}
	}

	rep, err := runner.Run(context.Background(), cases)
	require.NoError(t, err)
	for _, res := range rep.Results {
		t.Run(res.Case.ID, func(t *testing.T) {
			if res.Skipped != "" {
				t.Skip(res.Skipped)
			}
			for _, v := range res.Violations {
				t.Errorf("%s %s: %s", v.Code, v.Pointer, v.Message)
			}
		})
	}
	t.Log(contract.Summary(rep))
}

// world declares one PHLO with one node, so that other ids are unknown.
type world struct{ phlo, node string }

func (w world) Phlo(id string) (mockserver.Phlo, bool) {
	return mockserver.Phlo{ID: id, Name: "p", CreatedOn: refCreated}, id == w.phlo
}

func (w world) Node(phloID, nodeID string) (mockserver.Node, bool) {
	return mockserver.Node{ID: nodeID, PhloID: phloID, Type: "multi_party_call", Name: "n", CreatedOn: refCreated},
		phloID == w.phlo && nodeID == w.node
}

// BenchmarkSuite times one full run of the generated suite against the
// in-process fake (the issue asks for under 2 s of wall time).
func BenchmarkSuite(b *testing.B) {
	spec, err := openapi.Load()
	require.NoError(b, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	require.NoError(b, err)
	const phlo, node = "phlo-under-test", "node-under-test"
	fake, err := mockserver.New(spec, mockserver.Options{Store: mockserver.State{World: world{phlo, node}}, StrictIDs: true})
	require.NoError(b, err)
	srv := httptest.NewServer(fake)
	b.Cleanup(srv.Close)
	runner := &contract.Runner{Spec: spec, Live: true, Client: srv.Client(),
		Target: contract.Target{BaseURL: srv.URL, AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken, PhloID: phlo, NodeID: node}}
	for b.Loop() {
		rep, err := runner.Run(context.Background(), cases)
		require.NoError(b, err)
		require.NoError(b, rep.Err())
	}
}

// TestScenarios runs every built-in scenario's interactions, in order,
// against a fake serving that scenario alone (package fake/faketest), as
// `phlomock conform` does: each scenario behaves as its file says. It runs
// on both stores: the fake in memory, and with its state in a real
// redis-server (fake.Config.Backend), where the run fails unless the
// simulated calls and the counts went through Redis.
func TestScenarios(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		testScenarios(t, func(testing.TB) fake.Backend { return nil })
	})
	t.Run("redis", func(t *testing.T) {
		r := redistest.Start(t)
		var mu sync.Mutex
		seen := map[string]int{}
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			// A transition of a call is a pipeline, a counted hit a script.
			if !t.Failed() && (seen["pipeline"] == 0 || seen["evalsha"]+seen["eval"] == 0) {
				t.Errorf("got commands %v: the calls and the counts did not go through Redis", seen)
			}
		})
		var n atomic.Int32
		testScenarios(t, func(tb testing.TB) fake.Backend {
			tb.Helper()
			// A prefix per fake: the scenarios run in parallel.
			st, err := redisstore.Open(context.Background(), r.URL(0), fmt.Sprintf("contract%d:", n.Add(1)))
			require.NoError(tb, err)
			tb.Cleanup(func() { st.Close() })
			st.Observe(func(cmd string, _ time.Duration, _ error) {
				mu.Lock()
				defer mu.Unlock()
				seen[cmd]++
			})
			return st
		})
	})
}

func testScenarios(t *testing.T, store func(testing.TB) fake.Backend) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	for _, name := range scenarios.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Builtin(name)
			require.NoError(t, err)
			cases, err := contract.FromScenario(spec, sc)
			require.NoError(t, err)
			require.NotEmpty(t, cases, "got no interactions in %s", name)

			// The runner sends its own credentials (none, for an auth: none
			// interaction): not fake.Client, which adds them.
			fake := faketest.NewServer(t, fake.Config{Backend: store(t)}, name)
			runner := &contract.Runner{Spec: spec, Live: true, Target: contract.Target{
				BaseURL: fake.URL, AuthID: fake.AuthID, AuthToken: fake.AuthToken, PhloID: "phlo-under-test", NodeID: "node-under-test",
			}}
			rep, err := runner.Run(context.Background(), cases)
			require.NoError(t, err)
			for _, res := range rep.Results {
				assert.Emptyf(t, res.Skipped, "case %s skipped", res.Case.ID)
				for _, v := range res.Violations {
					t.Errorf("%s: %s %s: %s", res.Case.ID, v.Code, v.Pointer, v.Message)
				}
			}
		})
	}
}
