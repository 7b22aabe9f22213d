package contract_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phlomock/phlomock/contract"
)

// A mutation is one deviation of the reference server (refServer.mutation)
// and the finding it must produce: code on the case with the given ID (a
// case ID ending in "/" matches every case of that prefix).
type mutation struct {
	name  string
	why   string // the defect, as a server would ship it
	code  contract.Code
	cases []string // cases that must carry code; at least one of them
}

// mutations are the one-deviation servers. Each is a defect a phlorunner
// could plausibly ship; the first ones are the classes conform missed
// before (issue 13), the others our own.
var mutations = []mutation{
	{"extra-role", "role accepts one more plausible value (agents, supervisor)", contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/call/enum-role-suffixed"}},
	{"role-case-insensitive", "role is compared without case", contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/call/enum-role-upper", "updateMultiPartyCall/call/enum-role-capitalized"}},
	{"action-case-insensitive", "action is compared without case", contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/enum-action-upper", "updateMember/enum-action-capitalized"}},
	{"action-empty-accepted", `an empty action ("") is taken as the default action`, contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/enum-action-empty", "updateMember/enum-action-empty"}},
	{"action-prefix-accepted", "action matches by prefix (cal, calls, holds)", contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/enum-action-truncated", "updateMember/enum-action-suffixed"}},
	{"trailing-slash-404", "a path ending in / is not routed (plivo-python sends one on every path)", contract.CodeStatusUnexpected,
		[]string{"getPhlo/valid-trailing-slash", "getMultiPartyCall/valid-trailing-slash", "getConferenceBridge/valid-trailing-slash"}},
	{"member-takes-node-actions", "the member path runs call and transfers", contract.CodeAcceptedInvalid,
		[]string{"updateMember/foreign-action-call", "updateMember/foreign-action-cold_transfer"}},
	{"node-takes-member-actions", "the node path holds and hangs up members", contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/foreign-action-hold", "updateMultiPartyCall/foreign-action-hangup"}},
	{"bridge-takes-member-actions", "the conference bridge takes the multi-party call's member actions", contract.CodeAcceptedInvalid,
		[]string{"updateConferenceMember/foreign-action-hold", "updateConferenceMember/foreign-action-abort_transfer"}},
	{"generic-400", "every 400 says only \"invalid request\"", contract.CodeErrorFieldUnnamed,
		[]string{"updateMultiPartyCall/call/missing-to", "updateMultiPartyCall/enum-action", "updateMultiPartyCall/call/type-role"}},
	{"missing-field-unnamed", "a missing to or trigger_source answers a 400 that names no field", contract.CodeErrorFieldUnnamed,
		[]string{"updateMultiPartyCall/call/missing-to", "updateMultiPartyCall/warm_transfer/missing-trigger_source"}},
	{"missing-action-unnamed", "a missing action answers a 400 that names no field", contract.CodeErrorFieldUnnamed,
		[]string{"updateMultiPartyCall/missing-action", "updateMember/missing-action"}},
	{"unknown-ids-accepted", "every PHLO and node id exists (an open world)", contract.CodeUnknownIDsAccepted,
		[]string{contract.UnknownIDsCase}},
	{"run-200", "a PHLO run answers 200 where the contract says 201", contract.CodeStatusUndocumented,
		[]string{"runPhlo/valid"}},
	{"action-202", "actions answer 202, a status the contract does not document", contract.CodeStatusUndocumented,
		[]string{"updateMultiPartyCall/call/valid", "updateMember/hold/valid"}},
	{"content-type-text", "every answer is labelled text/plain", contract.CodeContentType,
		[]string{"getPhlo/valid", "getPhlo/auth-none"}},
	{"node-type-missing", "the node GET leaves out node_type (plivo-go then fails client-side)", contract.CodeBodySchema,
		[]string{"getMultiPartyCall/valid", "getConferenceBridge/valid"}},
	{"run-id-not-uuid", "phlo_run_id is not a UUID", contract.CodeBodySchema,
		[]string{"runPhlo/valid"}},
	{"missing-to-accepted", "a node action without to is accepted", contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/call/missing-to"}},
	{"wrong-type-accepted", "to and trigger_source of the wrong type are accepted", contract.CodeAcceptedInvalid,
		[]string{"updateMultiPartyCall/call/type-to"}},
	{"success-error-null", `a success carries "error": null`, contract.CodeErrorOnSuccess,
		[]string{"updateMember/hold/valid", "getPhlo/valid"}},
	{"errors-as-html", "errors are HTML pages", contract.CodeBodyNotJSON,
		[]string{"getPhlo/auth-none", "getPhlo/unknown-phlo_id"}},
	{"error-without-api-id", "errors carry no api_id", contract.CodeAPIIDMissing,
		[]string{"getPhlo/auth-none"}},
	{"auth-403", "bad credentials answer 403", contract.CodeStatusUnexpected,
		[]string{"getPhlo/auth-none", "updateMember/auth-wrong"}},
	{"wrong-method-500", "a method the path does not define answers 500", contract.CodeStatusUnexpected,
		[]string{"getPhlo/wrong-method"}},
	{"error-as-message", `errors put their text in "message", not "error"`, contract.CodeErrorEmpty,
		[]string{"getPhlo/auth-none"}},
}

// TestMutations runs the whole suite, live, against the faithful reference
// server (the control: every case must pass) and then against each
// one-deviation server, which must be reported with its exact code on the
// listed cases. It logs the mutation score.
func TestMutations(t *testing.T) {
	t.Run("control", func(t *testing.T) {
		rep := runAgainst(t, &refServer{})
		for _, res := range rep.Results {
			assert.Empty(t, res.Violations, "faithful reference, case %s: got violations, want none", res.Case.ID)
		}
	})
	caught := 0
	for _, m := range mutations {
		ok := t.Run(m.name, func(t *testing.T) {
			rep := runAgainst(t, &refServer{mutation: m.name})
			for _, id := range m.cases {
				res, found := result(rep, id)
				if !assert.Truef(t, found, "case %s not in the suite", id) {
					continue
				}
				got := resultCodes(res)
				assert.Containsf(t, got, m.code, "%s (%s): case %s got codes %v, want %s", m.name, m.why, id, got, m.code)
			}
			_, _, failed, _ := rep.Counts()
			assert.NotZero(t, failed, "%s: the run passed, want it to fail", m.name)
		})
		if ok {
			caught++
		}
	}
	t.Logf("mutation score: caught %d of %d deviations; faithful control conforms", caught, len(mutations))
}

func result(rep *contract.Report, id string) (contract.Result, bool) {
	for _, res := range rep.Results {
		if res.Case.ID == id || strings.HasSuffix(id, "/") && strings.HasPrefix(res.Case.ID, id) {
			return res, true
		}
	}
	return contract.Result{}, false
}

func resultCodes(res contract.Result) []contract.Code {
	var out []contract.Code
	for _, v := range res.Violations {
		if !slices.Contains(out, v.Code) {
			out = append(out, v.Code)
		}
	}
	return out
}

// A mutant the suite must NOT flag: the leniencies the real API and the
// SDKs need (role "" and absent, a run body of "", a trailing slash) are
// part of the faithful reference, so the control above covers them. This
// one checks that a waived code stops failing the run and stays reported.
func TestWaive(t *testing.T) {
	srv := &refServer{mutation: "generic-400"}
	rep := runAgainstWith(t, srv, func(r *contract.Runner) { r.Waive = []contract.Code{contract.CodeErrorFieldUnnamed} })
	_, _, failed, _ := rep.Counts()
	assert.Zero(t, failed, "got %d failed cases with error-field-unnamed waived, want 0", failed)
	res, ok := result(rep, "updateMultiPartyCall/call/missing-to")
	if assert.True(t, ok) {
		assert.Empty(t, res.Violations)
		assert.Equal(t, []contract.Code{contract.CodeErrorFieldUnnamed}, codesOf(res.Waived))
		assert.True(t, res.Passed())
	}
}

// A safe run (no --live, no ids) reports what it could not check.
func TestNotChecked(t *testing.T) {
	rep := runAgainstWith(t, &refServer{}, func(r *contract.Runner) {
		r.Live = false
		r.Target.PhloID, r.Target.NodeID = "", ""
	})
	gaps := rep.NotChecked()
	if assert.Len(t, gaps, 2) {
		assert.Contains(t, gaps[0].How, "--live")
		assert.Contains(t, gaps[0].Cases, "updateMultiPartyCall/call/valid")
		assert.Contains(t, gaps[1].How, "--phlo-id")
		assert.Contains(t, gaps[1].Cases, "getPhlo/valid-trailing-slash")
	}
	var text strings.Builder
	assert.NoError(t, contract.WriteText(&text, rep))
	assert.Contains(t, text.String(), "not checked (")
	assert.Contains(t, text.String(), "how: --live against a test PHLO")
}

// An open-world target gets one finding, with the fix, not a failure per
// unknown-id case; a target that refuses some unknown ids keeps its
// per-case failures.
func TestUnknownIDsFolded(t *testing.T) {
	rep := runAgainst(t, &refServer{mutation: "unknown-ids-accepted"})
	_, _, failed, _ := rep.Counts()
	assert.Equal(t, 1, failed, "got %d failed cases, want 1 (the folded finding)", failed)
	res, ok := result(rep, contract.UnknownIDsCase)
	if assert.True(t, ok) && assert.Len(t, res.Violations, 1) {
		msg := res.Violations[0].Message
		assert.Contains(t, msg, "--strict-ids --ids PHLO/NODE")
		assert.Contains(t, msg, "phlomock's default Auth ID")
	}
	unk, _ := result(rep, "getPhlo/unknown-phlo_id")
	assert.Contains(t, unk.Skipped, contract.UnknownIDsCase)

	partial := deviate(&refServer{}, func(r *http.Request, a *answer) {
		if strings.HasPrefix(r.URL.Path, "/v1/phlo/"+contract.DefaultUnknownID) && r.Method == http.MethodGet && a.status == http.StatusNotFound {
			a.status = http.StatusOK
			a.body = []byte(`{"api_id":"` + refAPIID + `","phlo_id":"x","name":"n","created_on":"c"}`)
		}
	})
	rep = runAgainst(t, partial)
	_, found := result(rep, contract.UnknownIDsCase)
	assert.False(t, found, "a target that refuses some unknown ids must not get the folded finding")
	res, _ = result(rep, "getPhlo/unknown-phlo_id")
	assert.Contains(t, resultCodes(res), contract.CodeAcceptedInvalid)
}

func codesOf(vs []contract.Violation) []contract.Code {
	var out []contract.Code
	for _, v := range vs {
		out = append(out, v.Code)
	}
	return out
}
