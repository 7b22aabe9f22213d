package certify_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/redisstore"
)

// The mutation corpus: one client defect each (mutant_driver_test.go makes
// them), each caught with its exact finding codes, and legal variants
// (controls) that must stay certified. A defect the judge stops catching,
// or a legal client it starts failing, fails the test.

type mutant struct {
	fault string
	cases string
	want  []finding // nil: a control, which must pass every case
	// callTimeout, when set, replaces the default (the cases that hold
	// their answer take this long for a client that does not give up).
	callTimeout time.Duration
}

var mutants = []mutant{
	// Controls: a faithful client, and legal variants of it.
	{fault: "", cases: ""},
	{fault: "protocol-1", cases: "getPhlo/ok,getPhlo/no-answer,hold/ok", callTimeout: 3 * time.Second},
	{fault: "omit-agent-role", cases: "warmTransfer/ok,coldTransfer/ok,*/no-role"},
	{fault: "escape-all", cases: "hold/ok,hold/sip-address,getPhlo/ok,runPhlo/ok"},
	{fault: "trailing-slash", cases: "*/ok"},
	{fault: "lowercase-scheme", cases: "getPhlo/ok,hold/ok"},
	{fault: "content-type-casing", cases: "coldTransfer/ok,hold/ok"},
	{fault: "retry-reads", cases: "getPhlo/server-error,getPhlo/dropped,hold/dropped"},
	{fault: "retry-after-wait", cases: "coldTransfer/rate-limited,coldTransfer/rate-limited-date"},
	{fault: "lowercase-message", cases: "hold/bad-request,hold/server-error,getPhlo/unknown-phlo"},

	// What the client SENT.
	{fault: "send-nothing", cases: "coldTransfer/ok", want: []finding{{"coldTransfer/ok", "sent-nothing"}}},
	{fault: "send-nothing-succeed", cases: "coldTransfer/ok", want: []finding{{"coldTransfer/ok", "sent-nothing"}, {"coldTransfer/ok", "surfaced-success-without-request"}}},
	{fault: "wrong-operation", cases: "coldTransfer/ok", want: []finding{{"coldTransfer/ok", "sent-wrong-operation"}}},
	{fault: "wrong-method", cases: "hold/ok", want: []finding{{"hold/ok", "sent-wrong-operation"}}},
	// The fake answers 401, which the client surfaces: only what it sent is wrong.
	{fault: "no-auth", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "sent-no-auth"}}},
	{fault: "no-auth-on-hold", cases: "getPhlo/ok,hold/ok,unhold/ok", want: []finding{{"hold/ok", "sent-no-auth"}}},
	{fault: "swapped-basic", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "sent-wrong-value"}}},
	{fault: "form-content-type", cases: "coldTransfer/ok", want: []finding{{"coldTransfer/ok", "sent-wrong-content-type"}}},
	{fault: "form-body", cases: "hold/ok", want: []finding{{"hold/ok", "sent-wrong-content-type"}}},
	{fault: "no-content-type", cases: "hold/ok", want: []finding{{"hold/ok", "sent-wrong-content-type"}}},
	{fault: "double-json", cases: "hold/ok", want: []finding{{"hold/ok", "sent-contract-violation"}}},
	{fault: "stray-field", cases: "hold/ok", want: []finding{{"hold/ok", "sent-stray-field"}}},
	{fault: "uppercase-action", cases: "hold/ok", want: []finding{{"hold/ok", "sent-contract-violation"}}},
	{fault: "key-casing", cases: "hold/ok", want: []finding{{"hold/ok", "sent-contract-violation"}}},
	{fault: "action-camel", cases: "coldTransfer/ok", want: []finding{{"coldTransfer/ok", "sent-contract-violation"}}},
	{fault: "role-capitalised", cases: "call/ok", want: []finding{{"call/ok", "sent-contract-violation"}}},
	{fault: "wrong-to", cases: "call/ok", want: []finding{{"call/ok", "sent-wrong-value"}}},
	{fault: "wrong-member", cases: "hold/ok", want: []finding{{"hold/ok", "sent-wrong-value"}}},
	{fault: "double-escape", cases: "hold/ok", want: []finding{{"hold/ok", "sent-contract-violation"}, {"hold/ok", "sent-wrong-value"}}},
	{fault: "drop-payload", cases: "runPhlo/ok", want: []finding{{"runPhlo/ok", "sent-wrong-value"}}},
	{fault: "role-customer", cases: "call/no-role", want: []finding{{"call/no-role", "sent-wrong-value"}}},
	{fault: "role-empty", cases: "call/no-role", want: []finding{{"call/no-role", "sent-contract-violation"}}},
	{fault: "payload-string", cases: "runPhlo/no-payload", want: []finding{{"runPhlo/no-payload", "sent-contract-violation"}}},
	{fault: "extra-request", cases: "hold/ok", want: []finding{{"hold/ok", "sent-extra-requests"}}},
	{fault: "body-on-get", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "sent-body-on-bodiless"}}},
	{fault: "role-on-get", cases: "getMultiPartyCall/ok", want: []finding{{"getMultiPartyCall/ok", "sent-body-on-bodiless"}}},
	{fault: "retry-everything", cases: "coldTransfer/server-error,hold/dropped,getPhlo/server-error", want: []finding{
		{"coldTransfer/server-error", "sent-action-retried"}, {"hold/dropped", "sent-action-retried"}}},
	{fault: "retry-at-once", cases: "getPhlo/rate-limited,hold/rate-limited", want: []finding{
		{"getPhlo/rate-limited", "sent-retry-too-soon"}, {"hold/rate-limited", "sent-retry-too-soon"}}},
	{fault: "query-param", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "sent-undeclared-query"}}},
	{fault: "query-token", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "sent-credentials-exposed"}, {"getPhlo/ok", "sent-undeclared-query"}}},
	{fault: "header-token", cases: "hold/ok", want: []finding{{"hold/ok", "sent-credentials-exposed"}}},
	// What the client did with an answer that never came; the run goes on.
	{fault: "no-timeout", cases: "getPhlo/no-answer,getPhlo/ok", callTimeout: 3 * time.Second, want: []finding{{"getPhlo/no-answer", "client-no-timeout"}}},

	// What the client SURFACED.
	{fault: "no-api-id", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "surfaced-no-api-id"}}},
	{fault: "wrong-api-id", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "surfaced-wrong-field"}}},
	{fault: "wrong-name", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "surfaced-wrong-field"}}},
	{fault: "always-error", cases: "hold/ok", want: []finding{{"hold/ok", "surfaced-error-on-success"}}},
	{fault: "always-succeed", cases: "hold/server-error,hold/empty-body", want: []finding{
		{"hold/empty-body", "surfaced-success-on-error"}, {"hold/server-error", "surfaced-success-on-error"}}},
	{fault: "no-status", cases: "hold/unknown-phlo", want: []finding{{"hold/unknown-phlo", "surfaced-no-status"}}},
	{fault: "crash-on-empty", cases: "hold/empty-body", want: []finding{{"hold/empty-body", "surfaced-no-status"}}},
	{fault: "wrong-status", cases: "hold/auth-failure", want: []finding{{"hold/auth-failure", "surfaced-wrong-status"}}},
	{fault: "no-message", cases: "hold/bad-request", want: []finding{{"hold/bad-request", "surfaced-no-message"}}},
	{fault: "status-line-message", cases: "hold/server-error", want: []finding{{"hold/server-error", "surfaced-no-message"}}},
	{fault: "message-with-token", cases: "hold/bad-request", want: []finding{{"hold/bad-request", "client-credentials-in-output"}, {"hold/bad-request", "surfaced-no-message"}}},
	// Issue 25: the classes certify missed.
	{fault: "short-timeout", cases: "getPhlo/ok,getPhlo/slow", want: []finding{{"getPhlo/slow", "client-timeout-too-short"}}},
	{fault: "error-quotes-credentials", cases: "hold/bad-request", want: []finding{{"hold/bad-request", "client-credentials-in-output"}}},
	{fault: "log-token", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "client-credentials-in-output"}}},
	{fault: "wrong-host", cases: "getPhlo/ok", want: []finding{{"getPhlo/ok", "sent-wrong-host"}}},
	{fault: "latin1-charset", cases: "hold/ok", want: []finding{{"hold/ok", "sent-wrong-content-type"}}},
	{fault: "sticky-config", cases: "getPhlo/ok,getPhlo/switched-account", want: []finding{{"getPhlo/switched-account", "sent-stale-config"}}},
	{fault: "transfers-only-no-timeout", cases: "getPhlo/no-answer,coldTransfer/ok", callTimeout: 3 * time.Second, want: []finding{{"warmTransfer/no-answer", "client-no-timeout"}}},
	{fault: "async-duplicate", cases: "getPhlo/ok,hold/ok", want: []finding{{"getPhlo/ok", "sent-after-return"}, {"hold/ok", "sent-after-return"}}},
	{fault: "retry-read-once", cases: "getPhlo/no-answer,getPhlo/slow,getPhlo/ok"},
	// Issue 25 item 7: Retry-After as an HTTP date; repeated and reordered
	// member actions on a simulated call.
	{fault: "retry-after-seconds-only", cases: "getPhlo/rate-limited,getPhlo/rate-limited-date,hold/rate-limited-date", want: []finding{
		{"getPhlo/rate-limited-date", "sent-retry-too-soon"}, {"hold/rate-limited-date", "sent-retry-too-soon"}}},
	{fault: "retry-after-backoff", cases: "getPhlo/rate-limited,coldTransfer/rate-limited-date", want: []finding{
		{"coldTransfer/rate-limited-date", "sent-retry-too-soon"}, {"getPhlo/rate-limited", "sent-retry-too-soon"}}},
	{fault: "dedupe-repeat", cases: "hold/ok,hold/twice,hangup/twice", want: []finding{
		{"hangup/twice", "sent-nothing"}, {"hangup/twice", "surfaced-success-without-request"},
		{"hold/twice", "sent-nothing"}, {"hold/twice", "surfaced-success-without-request"}}},
	{fault: "idempotent-actions", cases: "hold/ok,hold/twice,unhold/before-hold", want: []finding{
		{"hold/twice", "surfaced-success-on-error"}, {"unhold/before-hold", "surfaced-success-on-error"}}},
	{fault: "call-before-hold", cases: "hold/ok,hold/before-call", want: []finding{{"hold/before-call", "sent-extra-requests"}}},
	{fault: "hangup-forgets", cases: "hangup/ok,hold/ok,hold/after-hangup", want: []finding{{"hold/after-hangup", "sent-nothing"}}},
	{fault: "ascii-only-payload", cases: "runPhlo/ok", want: []finding{{"runPhlo/ok", "sent-wrong-value"}}},
	{fault: "driver-error", cases: "hold/ok", want: []finding{{"hold/ok", "driver-error"}}},
}

// helperRunner runs the mutation driver with fault.
func helperRunner(tb testing.TB, fault string, callTimeout time.Duration) *certify.Runner {
	tb.Helper()
	return helperRunnerOn(tb, nil, fault, callTimeout)
}

// helperRunnerOn is helperRunner with the fake's state in st (nil: memory).
func helperRunnerOn(tb testing.TB, st *redisstore.Store, fault string, callTimeout time.Duration) *certify.Runner {
	tb.Helper()
	exe, err := os.Executable()
	require.NoError(tb, err)
	spec, err := openapi.Load()
	require.NoError(tb, err)
	var backend fake.Backend // a nil *redisstore.Store is no backend
	var sessions func(string) fake.Backend
	if st != nil {
		backend, sessions = st, func(id string) fake.Backend { return st.Session(id) }
	}
	return &certify.Runner{Spec: spec, Command: sdktest.Quote(exe) + " -test.run=^TestHelperDriver$", Store: backend, SessionBackend: sessions,
		Driver: driver.Options{CallTimeout: callTimeout, Env: append(os.Environ(), helperEnv+"="+fault, "PHLOMOCK_CERTIFY_HELPER=1")}}
}

// TestMutants runs the corpus on both stores: the same findings, with the
// same texts, whether the fake's state is in the process or in Redis.
func TestMutants(t *testing.T) {
	onStores(t, testMutants)
}

func testMutants(t *testing.T, open func(testing.TB) *redisstore.Store) {
	texts := make([]string, len(mutants))
	var caught, total, certified, controls atomic.Int32
	t.Run("corpus", func(t *testing.T) {
		for i, m := range mutants {
			name := m.fault
			if name == "" {
				name = "faithful"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel() // each starts a process, mostly waiting for it
				cases, err := certify.Select(certify.Cases(), m.cases)
				require.NoError(t, err)
				rep, err := helperRunnerOn(t, open(t), m.fault, m.callTimeout).Run(context.Background(), cases)
				require.NoError(t, err)
				got := findingsOf(rep)
				if m.want == nil {
					controls.Add(1)
					assert.Empty(t, got, "a legal client stays certified")
					if assert.True(t, rep.Certified(), "certified") && len(got) == 0 {
						certified.Add(1)
					}
				} else {
					total.Add(1)
					if assert.Equal(t, sortFindings(m.want), got) {
						caught.Add(1)
					}
				}
				var b strings.Builder
				for _, f := range rep.Findings() {
					assert.NotEmpty(t, f.Message, "%s %s has a text", f.Case, f.Code)
					assert.NotContains(t, f.Message, "%!", "a well-formed text")
					fmt.Fprintf(&b, "%s: %s\n", name, f.Error())
				}
				texts[i] = b.String()
				assertNoSecret(t, rep)
			})
		}
	})
	t.Logf("mutation score: %d/%d mutants caught with their exact codes, %d/%d controls certified",
		caught.Load(), total.Load(), certified.Load(), controls.Load())
	checkGolden(t, filepath.Join("testdata", "findings.golden"),
		"# Every finding text of TestMutants; go test ./certify -run TestMutants -update rewrites this file.\n"+strings.Join(texts, ""))
}

// assertNoSecret checks that no report of rep holds the Auth Token.
func assertNoSecret(tb testing.TB, rep *certify.Report) {
	tb.Helper()
	var b bytes.Buffer
	require.NoError(tb, certify.WriteText(&b, rep))
	require.NoError(tb, certify.WriteJSON(&b, rep))
	require.NoError(tb, certify.WriteJUnit(&b, rep))
	require.NoError(tb, certify.WriteMarkdown(&b, rep))
	assert.NotContains(tb, b.String(), mockserver.DefaultAuthToken, "no report holds a credential")
}

// A driver that stops answering (its client retries a 429 for ever) or
// exits stops the run with exit 2, but the report keeps the verdicts
// reached and says what the fake saw in the case where it stopped.
func TestStoppedRunKeepsItsReport(t *testing.T) {
	tests := []struct {
		fault, cases  string
		err           error
		reached       int // the cases before the stop, in Cases() order
		stop, reasons string
	}{
		{"retry-forever", "getPhlo/ok,getPhlo/rate-limited,getPhlo/server-error", driver.ErrTimeout, 1, "getPhlo/rate-limited", "(getPhlo), all answered 429"},
		{"exit-second", "getPhlo/ok,hold/ok,unhold/ok", driver.ErrExited, 1, "hold/ok", "the client sent no request in this case"},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			cases, err := certify.Select(certify.Cases(), tt.cases)
			require.NoError(t, err)
			r := helperRunner(t, tt.fault, 3*time.Second)
			// exit-second exits on its process's second call: one lane, so
			// that the second call is the second case's
			r.Parallel = 1
			rep, err := r.Run(context.Background(), cases)
			require.ErrorIs(t, err, tt.err)
			require.NotNil(t, rep, "a report even so")
			assert.Contains(t, err.Error(), tt.reasons, "the error says what the fake saw")
			require.Len(t, rep.Results, tt.reached, "the verdicts reached before the stop")
			for _, res := range rep.Results {
				assert.Equal(t, certify.VerdictPass, res.Verdict, res.Case.ID)
			}
			require.NotNil(t, rep.Stop)
			assert.Equal(t, tt.stop, rep.Stop.Case)
			assert.Contains(t, rep.Stop.Reason, tt.reasons)
			assert.False(t, rep.Certified())

			var text, js, xml bytes.Buffer
			require.NoError(t, certify.WriteText(&text, rep))
			assert.Contains(t, text.String(), "STOP "+tt.stop+": ")
			assert.Contains(t, text.String(), ": STOPPED, NOT certified\n")
			require.NoError(t, certify.WriteJSON(&js, rep))
			assert.Contains(t, js.String(), `"stopped": {`)
			require.NoError(t, certify.WriteJUnit(&xml, rep))
			assert.Contains(t, xml.String(), `type="run-stopped"`)
			assertNoSecret(t, rep)
		})
	}
}
