package contract

import (
	"context"

	"github.com/getkin/kin-openapi/openapi3"

	"encoding/json"
	"github.com/phlomock/phlomock/internal/formats"
	"net/http"
	"slices"
	"strings"
)

// Shrunk is a failing case's smallest request found that still fails with
// the same first code.
type Shrunk struct {
	// Body is the smallest body; FromBytes and ToBytes its size before
	// and after.
	Body      json.RawMessage `json:"body"`
	FromBytes int             `json:"from_bytes"`
	ToBytes   int             `json:"to_bytes"`
	// Tries is the number of requests shrinking sent.
	Tries int `json:"tries"`
}

// maxShrinkTries bounds the requests one case's shrinking sends, and
// maxShrunkCases the cases a run shrinks: a target failing everywhere
// must not get thousands of requests more.
const (
	maxShrinkTries = 24
	maxShrunkCases = 12
)

// shrink makes a failing case's request smaller while it still fails
// with the same first violation code: whitespace out, then each property
// left out, then each long string halved, greedily, until nothing smaller
// fails. Cases of a Sequence are left alone (the state their answer
// depends on is gone), and so are cases without a JSON object body.
// It reports whether it tried.
func (r *Runner) shrink(ctx context.Context, client *http.Client, chk *checker, base string, res *Result) bool {
	if res.Skipped != "" || len(res.Violations) == 0 || res.Case.Sequence != "" || len(res.Case.Request.Body) == 0 {
		return false
	}
	var body map[string]any
	if json.Unmarshal(res.Case.Request.Body, &body) != nil || body == nil || len(body) < 2 && len(res.Case.Request.Body) < 64 {
		return false
	}
	code := res.Violations[0].Code
	if code == CodeTransport || code == CodeAPIIDRepeated || code == CodeUnknownIDsAccepted {
		return false
	}
	orig := res.Case.Request.Body
	best, tries := body, 0
	// A smaller request must stay what the case is: valid for a case the
	// API must accept, invalid in the same field for one it must refuse.
	schema := requestSchema(chk, res.Case.Operation)
	valid := res.Case.Expect.Outcome != OutcomeReject
	keeps := func(m map[string]any) bool {
		if schema == nil {
			return false
		}
		ok := schema.VisitJSON(mustDecode(mustMarshal(m)), formats.Options()...) == nil
		if valid {
			return ok
		}
		_, had := body[res.Case.Expect.ErrorNames]
		_, has := m[res.Case.Expect.ErrorNames]
		return !ok && had == has
	}
	failsRaw := func(raw json.RawMessage) bool {
		if tries >= maxShrinkTries || ctx.Err() != nil {
			return false
		}
		tries++
		cs := res.Case
		cs.Request.Body = raw
		got, err := r.runCase(ctx, client, chk, base, cs)
		if err != nil {
			return false
		}
		if slices.ContainsFunc(got.Violations, func(v Violation) bool { return v.Code == code }) {
			*res = Result{Case: res.Case, Status: got.Status, Violations: res.Violations, Duration: res.Duration, Exchange: got.Exchange}
			return true
		}
		return false
	}
	fails := func(m map[string]any) bool { return keeps(m) && failsRaw(mustMarshal(m)) }
	compact := mustMarshal(body)
	if len(compact) < len(orig) && !fails(body) {
		// The failure needs the bytes (a size limit): halve the padding
		// while it still fails, and keep the smallest.
		smallest := 0
		for lo, hi := len(compact), len(orig); hi-lo > 16 && tries < maxShrinkTries; {
			mid := (lo + hi) / 2
			if failsRaw(pad(compact, mid)) {
				smallest, hi = mid, mid
			} else {
				lo = mid
			}
		}
		if smallest > 0 {
			res.Shrunk = &Shrunk{Body: pad(compact, smallest), FromBytes: len(orig), ToBytes: smallest, Tries: tries}
		}
		return true
	}
	for changed := true; changed; {
		changed = false
		for _, k := range sortedKeys(best) {
			m := clone(best)
			delete(m, k)
			if fails(m) {
				best, changed = m, true
			}
		}
		for _, k := range sortedKeys(best) {
			if s, ok := best[k].(string); ok && len(s) > 8 {
				m := clone(best)
				m[k] = s[:len(s)/2]
				if fails(m) {
					best, changed = m, true
				}
			}
		}
	}
	out := mustMarshal(best)
	if len(out) < len(orig) {
		res.Shrunk = &Shrunk{Body: out, FromBytes: len(orig), ToBytes: len(out), Tries: tries}
	}
	return true
}

func requestSchema(chk *checker, opID string) *openapi3.Schema {
	op, ok := chk.ops[opID]
	if !ok || op.op.RequestBody == nil || op.op.RequestBody.Value == nil {
		return nil
	}
	mt := op.op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// uniqueAPIIDs reports every answer whose api_id an earlier answer of the
// run already carried: api_id identifies one request (Plivo's support
// asks for it), so two answers never share one.
func (r *Runner) uniqueAPIIDs(rep *Report) {
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	if r.seen == nil {
		r.seen = map[string]string{}
	}
	for i := range rep.Results {
		res := &rep.Results[i]
		if res.Exchange == nil || res.Exchange.Answer == "" {
			continue
		}
		var obj struct {
			APIID any `json:"api_id"`
		}
		if json.Unmarshal([]byte(res.Exchange.Answer), &obj) != nil {
			continue
		}
		id, ok := obj.APIID.(string)
		if !ok || strings.TrimSpace(id) == "" {
			continue
		}
		if first, dup := r.seen[id]; dup {
			res.Violations = append(res.Violations, Violation{Code: CodeAPIIDRepeated, Case: res.Case.ID, Operation: res.Case.Operation, Pointer: "/body/api_id",
				Message:    "the answer to " + first + " carried the same api_id: each answer must have its own",
				Constraint: "/components/schemas/" + apiIDSchema(res.Status) + "/properties/api_id"})
			continue
		}
		r.seen[id] = res.Case.ID
	}
}

func apiIDSchema(status int) string {
	if status >= 200 && status < 300 {
		return "ActionResult"
	}
	return "Error"
}
