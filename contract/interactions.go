package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phlomock/phlomock/scenarios"
)

// FromScenario converts a scenario's interactions into cases. They share one
// Sequence (the scenario's name, else its file's, as the fake names it) so
// that they run in order: a scenario's answers may depend on the requests
// before (counters, call state).
//
// A case is Safe when it cannot place a call on a real deployment whatever
// the target does: a GET, no or wrong credentials, or a body the spec
// refuses. An interaction the scenario makes fail (a rule answering 400 to
// a valid call) is not safe: the real API would accept it.
func FromScenario(spec *openapi3.T, sc *scenarios.Scenario) ([]Case, error) {
	ops := map[string]operation{}
	for _, op := range operations(spec) {
		ops[op.id] = op
	}
	// The name chains the cases: without one they would run concurrently.
	name := sc.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(sc.File), filepath.Ext(sc.File))
	}
	if name == "" || name == "." {
		name = "scenario"
	}
	var cases []Case
	seen := map[string]int{} // case id -> index of the interaction that has it
	for i, in := range sc.Interactions {
		cs, err := fromInteraction(ops, name, in)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: interaction %d (%s): %w", sc.File, in.Pos.Line, i+1, in.Name, err)
		}
		// Reports, JUnit files and --cases name a case by its id: two
		// interactions with one id would be told apart by nobody.
		if j, dup := seen[cs.ID]; dup {
			first := sc.Interactions[j]
			return nil, fmt.Errorf("%s:%d: interaction %d (%s): %w: its case id %s is also interaction %d's (%s, line %d); give one of them another name",
				sc.File, in.Pos.Line, i+1, in.Name, ErrSpec, cs.ID, j+1, first.Name, first.Pos.Line)
		}
		seen[cs.ID] = i
		cases = append(cases, cs)
	}
	return cases, nil
}

func fromInteraction(ops map[string]operation, scenario string, in scenarios.Interaction) (Case, error) {
	r := in.Request
	op, ok := ops[r.Operation]
	if r.Operation != "" && !ok {
		return Case{}, fmt.Errorf("%w: unknown operation %q", ErrSpec, r.Operation)
	}
	if r.Operation == "" && r.Method != "" && r.Path != "" {
		// Find the operation the spec routes the request to, if any (a
		// request to no operation is still checked for the error shape).
		op, ok = matchOperation(ops, r.Method, r.Path)
	}
	req := Request{Method: r.Method, Path: r.Path, PathParams: r.PathParams}
	if req.Method == "" {
		req.Method = op.method
	}
	if req.Path == "" {
		req.Path = op.path
	}
	if req.Method == "" || req.Path == "" {
		return Case{}, fmt.Errorf("%w: an interaction needs an operation, or a method and a path", ErrSpec)
	}
	req.Method = strings.ToUpper(req.Method)
	for k, v := range r.Headers {
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header.Set(k, v)
	}
	switch r.Auth {
	case "", scenarios.AuthDefault:
		req.Auth = AuthDefault
	case scenarios.AuthNone:
		req.Auth = AuthNone
	case scenarios.AuthWrong:
		req.Auth = AuthWrong
	default:
		return Case{}, fmt.Errorf("auth %q: want %s, %s or %s", r.Auth, scenarios.AuthDefault, scenarios.AuthNone, scenarios.AuthWrong)
	}
	if r.Body != nil {
		data, err := json.Marshal(r.Body)
		if err != nil {
			return Case{}, fmt.Errorf("body: %w", err)
		}
		req.Body = data
	}
	exp := Expect{Status: in.Expect.Status, ErrorContains: in.Expect.Error}
	if s := in.Expect.Status; s >= 400 && s < 500 {
		exp.Outcome = OutcomeReject
	}
	for k, v := range in.Expect.Body {
		if exp.Fields == nil {
			exp.Fields = map[string]any{}
		}
		exp.Fields["/"+escapePointer(k)] = v
	}
	cs := Case{
		ID: scenario + "/" + slug(in.Name), Operation: op.id, Sequence: scenario,
		Description: in.Name, Request: req, Expect: exp,
	}
	cs.Safe = req.Method == http.MethodGet || req.Auth != AuthDefault || (ok && !bodyValid(op, req.Body))
	return cs, nil
}

// bodyValid reports whether the spec accepts body for op, by the variant
// its discriminator selects.
func bodyValid(op operation, body json.RawMessage) bool {
	rb := op.op.RequestBody
	if rb == nil || rb.Value == nil {
		return true
	}
	if body == nil {
		return !rb.Value.Required
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return true
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	return mt.Schema.Value.VisitJSON(v) == nil
}

// slug turns an interaction's name into a case id segment.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// matchOperation finds the operation whose method and path template match a
// concrete request path (one trailing slash ignored, as the API does).
func matchOperation(ops map[string]operation, method, path string) (operation, bool) {
	got := strings.Split(strings.TrimSuffix(strings.SplitN(path, "?", 2)[0], "/"), "/")
	for _, id := range sortedKeys(ops) {
		op := ops[id]
		if !strings.EqualFold(op.method, method) {
			continue
		}
		want := strings.Split(op.path, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			if !(strings.HasPrefix(want[i], "{") && got[i] != "") && want[i] != got[i] {
				match = false
				break
			}
		}
		if match {
			return op, true
		}
	}
	return operation{}, false
}
