package coverage_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/coverage"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

func universe(tb testing.TB) *coverage.Universe {
	tb.Helper()
	spec, err := openapi.Load()
	require.NoError(tb, err)
	return coverage.NewUniverse(spec, scenarios.BuiltinNames())
}

// known reads testdata/journal.json: a run of the fake that two clients
// made (gen.sh in the commit that added it): app-a on the default
// scenario, app-b under rate-limited then transfer-flow, and one request
// with no User-Agent to a path of no operation.
func known(tb testing.TB) []coverage.Entry {
	tb.Helper()
	f, err := os.Open("testdata/journal.json")
	require.NoError(tb, err)
	defer f.Close()
	es, err := coverage.ReadJournal(f)
	require.NoError(tb, err)
	require.Len(tb, es, 13)
	return es
}

// The universe is the contract's: every figure below changes when the
// contract does, and the test says so.
func TestUniverseFromContract(t *testing.T) {
	u := universe(t)
	want := map[coverage.Dimension]int{
		coverage.Operations: 7, coverage.Statuses: 60, coverage.Actions: 14,
		coverage.ActionStatuses: 140, coverage.Roles: 6, coverage.Transitions: 22,
		coverage.Scenarios: len(scenarios.BuiltinNames()),
	}
	for d, n := range want {
		assert.Lenf(t, u.Items[d], n, "%s: got %d items, want %d", d, len(u.Items[d]), n)
	}
	for d, key := range map[coverage.Dimension]string{
		coverage.Statuses:       "updateMultiPartyCall/429",
		coverage.ActionStatuses: "updateMultiPartyCall/cold_transfer/429",
		coverage.Roles:          "updateMultiPartyCall/warm_transfer/customer",
		coverage.Transitions:    "updateMember/hold/refused",
		coverage.Actions:        "updateConferenceMember/mute",
	} {
		assert.Truef(t, u.Has(d, key), "%s has no %s", d, key)
	}
	// The conference bridge has no simulated call: no transitions.
	assert.False(t, u.Has(coverage.Transitions, "updateConferenceMember/mute/accepted"))
}

func TestMeasureKnownJournal(t *testing.T) {
	u := universe(t)
	r := coverage.Measure(u, known(t))

	assert.Equal(t, 13, r.Entries)
	assert.Equal(t, 1, r.Unmatched, "GET /v1/nope matches no operation")
	assert.Equal(t, 37, r.All.Covered)
	assert.Equal(t, 258, r.All.Total)
	assert.Equal(t, 14.3, r.All.Percent, "37/258 rounded down to a tenth")

	seen := func(d coverage.Dimension) []string {
		var out []string
		for _, k := range u.Items[d] {
			if r.All.Dimension(d).Seen[k] > 0 {
				out = append(out, k)
			}
		}
		return out
	}
	assert.Equal(t, []string{"getMultiPartyCall", "getPhlo", "updateMember", "updateMultiPartyCall"}, seen(coverage.Operations))
	assert.Equal(t, []string{"getMultiPartyCall/200", "getPhlo/200", "getPhlo/401", "updateMember/201", "updateMember/400",
		"updateMultiPartyCall/201", "updateMultiPartyCall/400", "updateMultiPartyCall/429"}, seen(coverage.Statuses))
	assert.Equal(t, []string{"updateMember/abort_transfer", "updateMember/hold",
		"updateMultiPartyCall/call", "updateMultiPartyCall/cold_transfer", "updateMultiPartyCall/warm_transfer"}, seen(coverage.Actions))
	assert.Equal(t, []string{"updateMember/abort_transfer/201", "updateMember/abort_transfer/400", "updateMember/hold/201", "updateMember/hold/400",
		"updateMultiPartyCall/call/201", "updateMultiPartyCall/cold_transfer/201", "updateMultiPartyCall/cold_transfer/400",
		"updateMultiPartyCall/warm_transfer/201", "updateMultiPartyCall/warm_transfer/429"}, seen(coverage.ActionStatuses))
	// role "boss" is no role of the contract; a warm transfer without a
	// role is the schema's default, agent.
	assert.Equal(t, []string{"updateMultiPartyCall/call/agent", "updateMultiPartyCall/cold_transfer/customer",
		"updateMultiPartyCall/warm_transfer/agent"}, seen(coverage.Roles))
	assert.Equal(t, 2, r.All.Dimension(coverage.Roles).Seen["updateMultiPartyCall/warm_transfer/agent"])
	assert.Equal(t, []string{"updateMember/abort_transfer/accepted", "updateMember/abort_transfer/refused",
		"updateMember/hold/accepted", "updateMember/hold/refused", "updateMultiPartyCall/warm_transfer/accepted"}, seen(coverage.Transitions))
	assert.Equal(t, []string{"rate-limited", "success", "transfer-flow"}, seen(coverage.Scenarios))

	require.Len(t, r.Clients, 2, "the request without a User-Agent matched no operation")
	assert.Equal(t, "app-a/1.0", r.Clients[0].Client)
	assert.Equal(t, 16, r.Clients[0].Covered)
	assert.Equal(t, "app-b/2.0", r.Clients[1].Client)
	assert.Equal(t, 23, r.Clients[1].Covered)
	assert.Equal(t, 0, r.Clients[0].Dimension(coverage.Transitions).Covered, "app-a never touched a simulated call")
}

func TestGate(t *testing.T) {
	u := universe(t)
	r := coverage.Measure(u, known(t))
	tests := []struct {
		name string
		gate coverage.Gate
		want []string // the failures' text, in order; nil: met
	}{
		{name: "met", gate: coverage.Gate{Min: map[coverage.Dimension]float64{"": 14.3}, Require: []string{"updateMultiPartyCall/warm_transfer/429", "updateMember/hold/refused", "getPhlo"}}},
		{name: "overall below", gate: coverage.Gate{Min: map[coverage.Dimension]float64{"": 14.4}},
			want: []string{"--min 14.4: coverage is 14.3% (37 of 258 items), below 14.4%"}},
		{name: "a dimension below", gate: coverage.Gate{Min: map[coverage.Dimension]float64{coverage.Operations: 60}},
			want: []string{"--min operations=60: operations coverage is 57.1% (4 of 7), below 60%; never seen: getConferenceBridge, runPhlo, updateConferenceMember"}},
		{name: "a 429 never seen on cold_transfer", gate: coverage.Gate{Require: []string{"updateMultiPartyCall/cold_transfer/429"}},
			want: []string{"--require updateMultiPartyCall/cold_transfer/429: your tests never saw a 429 on updateMultiPartyCall cold_transfer"}},
		{name: "every kind of requirement", gate: coverage.Gate{Require: []string{"runPhlo", "getPhlo/404", "updateMember/hangup", "updateMultiPartyCall/call/customer", "updateMember/unhold/accepted"}},
			want: []string{
				"--require runPhlo: your tests never saw a request to runPhlo",
				"--require getPhlo/404: your tests never saw a 404 on getPhlo",
				"--require updateMember/hangup: your tests never saw the action hangup on updateMember",
				"--require updateMultiPartyCall/call/customer: your tests never saw the role customer in updateMultiPartyCall call",
				"--require updateMember/unhold/accepted: your tests never saw unhold accepted by the simulated call (updateMember)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.gate.Check(u, r)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, coverage.ErrGate))
			assert.Equal(t, strings.Join(tt.want, "\n"), err.Error())
		})
	}
}

// A requirement the contract has no item for is refused with the items it
// has, never silently never-met.
func TestResolve(t *testing.T) {
	u := universe(t)
	tests := []struct{ req, want string }{
		{"updateMultiPartyCall/cold_transfer/429", ""},
		{"coldTransfer/429", `"coldTransfer/429": the contract has no operation "coldTransfer" (cold_transfer is an action: write updateMultiPartyCall/cold_transfer); its operations are getConferenceBridge, getMultiPartyCall, getPhlo, runPhlo, updateConferenceMember, updateMember, updateMultiPartyCall`},
		{"getPhlos", `"getPhlos": the contract has no operation "getPhlos" (did you mean "getPhlo"?); its operations are getConferenceBridge, getMultiPartyCall, getPhlo, runPhlo, updateConferenceMember, updateMember, updateMultiPartyCall`},
		{"updateMember/hold/boss", `"updateMember/hold/boss" is not an item of the contract; it has updateMember/hold/200, updateMember/hold/201, updateMember/hold/400, updateMember/hold/401, updateMember/hold/403, updateMember/hold/404, updateMember/hold/413, updateMember/hold/415, updateMember/hold/429, updateMember/hold/500, updateMember/hold/accepted, updateMember/hold/refused`},
		{"getPhlo/hold/429", `"getPhlo/hold/429" is not an item of the contract: getPhlo has no action "hold"; its actions are none`},
		{"getPhlo/418", `"getPhlo/418" is not an item of the contract; it has getPhlo/200, getPhlo/400, getPhlo/401, getPhlo/403, getPhlo/404, getPhlo/429, getPhlo/500`},
		{"nope/429", `"nope/429": the contract has no operation "nope"; its operations are getConferenceBridge, getMultiPartyCall, getPhlo, runPhlo, updateConferenceMember, updateMember, updateMultiPartyCall`},
		{"a/b/c/d", `"a/b/c/d": want OPERATION, OPERATION/STATUS, OPERATION/ACTION, OPERATION/ACTION/ROLE, OPERATION/ACTION/STATUS or OPERATION/ACTION/accepted|refused`},
	}
	for _, tt := range tests {
		t.Run(tt.req, func(t *testing.T) {
			_, err := u.Resolve(tt.req)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestReadJournalForms(t *testing.T) {
	page := `{"entries":[{"seq":1,"method":"GET","operation_id":"getPhlo","status":200}],"next":1,"more":false}`
	tests := []struct {
		name, in string
		want     int
		wantErr  string
	}{
		{"page", page, 1, ""},
		{"array", `[{"seq":1,"method":"GET"},{"seq":2,"method":"GET"}]`, 2, ""},
		{"json lines", "{\"seq\":1,\"method\":\"GET\"}\n\n{\"seq\":2,\"method\":\"POST\"}\n", 2, ""},
		{"empty", "  \n", 0, "line 1: empty"},
		{"bad line", "{\"seq\":1,\"method\":\"GET\"}\n{\"seq\":\n", 0, "line 2: "},
		{"not entries", "{\"a\":1}\n{\"b\":2}\n", 0, "line 1: not a journal entry"},
		{"bad array", "[\n{\"seq\":\"x\"}]", 0, "line 2: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := coverage.ReadJournal(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, es, tt.want)
		})
	}
}

func TestRender(t *testing.T) {
	u := universe(t)
	r := coverage.Measure(u, known(t))
	gateErr := coverage.Gate{Require: []string{"updateMultiPartyCall/cold_transfer/429"}}.Check(u, r)

	var text bytes.Buffer
	require.NoError(t, coverage.WriteText(&text, r, gateErr))
	assert.Contains(t, text.String(), "coverage: 14.3% (37 of 258 items) from 13 requests, 1 matching no operation")
	assert.Contains(t, text.String(), "  updateMultiPartyCall/cold_transfer/429\n")
	assert.Contains(t, text.String(), "FAIL --require updateMultiPartyCall/cold_transfer/429: your tests never saw a 429 on updateMultiPartyCall cold_transfer")
	assert.Regexp(t, `app-b/2\.0\s+8\.9%\s+23 of 258`, text.String())

	var js bytes.Buffer
	require.NoError(t, coverage.WriteJSON(&js, r, gateErr))
	assert.Contains(t, js.String(), `"rule": "--require updateMultiPartyCall/cold_transfer/429"`)

	var x bytes.Buffer
	require.NoError(t, coverage.WriteJUnit(&x, r, gateErr))
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	require.NoError(t, xml.Unmarshal(x.Bytes(), &suites))
	assert.Equal(t, 258+1, suites.Tests, "an item a case, and the gate's failure")
	assert.Equal(t, 1, suites.Failures)
	assert.Equal(t, 258-37, suites.Skipped)

	var h bytes.Buffer
	require.NoError(t, coverage.WriteHTML(&h, r, "testdata/journal.json", gateErr))
	assert.Contains(t, h.String(), "your tests never saw a 429 on updateMultiPartyCall cold_transfer")
	assert.Contains(t, h.String(), "14.3% covered (37 of 258 items): gate failed")
}

// shortWriter takes room bytes, then fails: a full disk, a closed pipe.
type shortWriter struct{ room int }

var errNoRoom = errors.New("no room left")

func (w *shortWriter) Write(p []byte) (int, error) {
	if len(p) > w.room {
		n := w.room
		w.room = 0
		return n, errNoRoom
	}
	w.room -= len(p)
	return len(p), nil
}

// Every writer reports a write that fails, wherever in the report it
// fails: none is swallowed (the text report once lost those after its
// first table).
func TestRenderReportsWriteErrors(t *testing.T) {
	u := universe(t)
	r := coverage.Measure(u, known(t))
	gateErr := coverage.Gate{Require: []string{"updateMultiPartyCall/cold_transfer/429"}}.Check(u, r)
	writers := map[string]func(w io.Writer) error{
		"text":  func(w io.Writer) error { return coverage.WriteText(w, r, gateErr) },
		"json":  func(w io.Writer) error { return coverage.WriteJSON(w, r, gateErr) },
		"junit": func(w io.Writer) error { return coverage.WriteJUnit(w, r, gateErr) },
		"html":  func(w io.Writer) error { return coverage.WriteHTML(w, r, "testdata/journal.json", gateErr) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			var full bytes.Buffer
			require.NoError(t, write(&full))
			n := full.Len()
			for _, room := range []int{0, n / 4, n / 2, n - n/4, n - 1} {
				err := write(&shortWriter{room: room})
				assert.ErrorIs(t, err, errNoRoom, "got %v with room for %d of %d bytes, want the write error", err, room, n)
			}
		})
	}
}
