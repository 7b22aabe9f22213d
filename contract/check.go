package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/jsontype"
	"github.com/phlomock/phlomock/internal/kinerr"
	"github.com/phlomock/phlomock/internal/lazyre"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/phlomock/phlomock/internal/formats"
)

// operation is one method of one path of the spec.
type operation struct {
	id     string
	method string
	path   string
	item   *openapi3.PathItem
	op     *openapi3.Operation
}

// operations indexes the spec by operationId, in a stable order (paths
// sorted, methods in a fixed order).
func operations(spec *openapi3.T) []operation {
	var ops []operation
	if spec.Paths == nil {
		return nil
	}
	paths := spec.Paths.Map()
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, path := range keys {
		item := paths[path]
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			ops = append(ops, operation{id: op.OperationID, method: method, path: path, item: item, op: op})
		}
	}
	return ops
}

// An answer is what came back for a case.
type answer struct {
	status int
	header http.Header
	body   []byte
}

var uuidRE = lazyre.New(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checker holds the spec-derived state the checks need.
type checker struct {
	spec    *openapi3.T
	ops     map[string]operation
	error   *openapi3.Schema // components.schemas.Error, for answers of no operation
	secrets []secret         // the caller's credentials, in every form an answer must not carry
}

func newChecker(spec *openapi3.T) *checker {
	c := &checker{spec: spec, ops: map[string]operation{}}
	for _, op := range operations(spec) {
		c.ops[op.id] = op
	}
	if spec.Components != nil {
		if ref, ok := spec.Components.Schemas["Error"]; ok && ref != nil {
			c.error = ref.Value
		}
	}
	return c
}

// check returns every way ans breaks the spec or the case's expectations.
// req is the request that was sent; pathParams its resolved path parameters.
func (c *checker) check(ctx context.Context, cs Case, req *http.Request, pathParams map[string]string, ans answer) []Violation {
	var vs []Violation
	add := func(code Code, pointer, format string, args ...any) {
		vs = append(vs, Violation{Code: code, Case: cs.ID, Operation: cs.Operation, Pointer: pointer, Message: fmt.Sprintf(format, args...)})
	}
	success := ans.status >= 200 && ans.status < 300
	op, hasOp := c.ops[cs.Operation]
	defer func() { c.cite(vs, cs, op, hasOp, ans.status) }()

	// No credential of the caller anywhere in any answer, 401s included.
	if ptr, what := leak(c.secrets, ans.header, ans.body); ptr != "" {
		add(CodeCredentialLeaked, ptr, "the answer carries %s (not quoted here)", what)
	}

	// Status: documented, then the case's own class and exact status.
	documented := true
	if hasOp && op.op.Responses != nil && op.op.Responses.Status(ans.status) == nil && op.op.Responses.Default() == nil {
		documented = false
		add(CodeStatusUndocumented, "/status", "status %d is not documented for %s (documented: %s)", ans.status, cs.Operation, strings.Join(documentedStatuses(op.op), ", "))
	}
	switch {
	case cs.Expect.Outcome == OutcomeReject && success:
		add(CodeAcceptedInvalid, "/status", "got %d, want a rejection (4xx): %s", ans.status, describe(cs))
	case cs.Expect.Status != 0 && ans.status != cs.Expect.Status:
		add(CodeStatusUnexpected, "/status", "got %d, want %d", ans.status, cs.Expect.Status)
	case cs.Expect.Outcome == OutcomeSuccess && !success:
		add(CodeStatusUnexpected, "/status", "got %d, want a 2xx", ans.status)
	case cs.Expect.Outcome == OutcomeReject && (ans.status < 400 || ans.status >= 500):
		add(CodeStatusUnexpected, "/status", "got %d, want a rejection (4xx)", ans.status)
	case cs.Expect.Outcome == OutcomeAccept && !success && ans.status != http.StatusBadRequest:
		add(CodeRefusedValid, "/status", "got %d for a request the contract says is valid (%s): want a 2xx, or a 400 refusing it for the state of the call", ans.status, describe(cs))
	}
	if success && hasOp {
		if want := successStatus(op.op); want != 0 && ans.status != want && documented {
			add(CodeStatusUnexpected, "/status", "got %d, the contract's success status for %s is %d", ans.status, cs.Operation, want)
		}
	}

	// Content-Type and a JSON body: everything below needs them.
	ct := ans.header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		add(CodeContentType, "/headers/Content-Type", "got %q, want application/json", ct)
	} else if p := charsetProblem(ct); p != "" {
		add(CodeContentType, "/headers/Content-Type", "got %q: %s", ct, p)
	}
	var body any
	if err := json.Unmarshal(ans.body, &body); err != nil {
		if len(bytes.TrimSpace(ans.body)) == 0 {
			add(CodeBodyNotJSON, "/body", "empty body, want a JSON object")
		} else if ptr, serr := strictJSON(ans.body); serr != nil && bytes.HasPrefix(bytes.TrimSpace(ans.body), []byte("{")) && strings.Contains(serr.Error(), "after the JSON value") {
			add(CodeBodyNotStrict, ptr, "%v", serr)
		} else {
			add(CodeBodyNotJSON, "/body", "body is not JSON: starts %q", excerpt(ans.body))
		}
		return vs
	}
	if ptr, err := strictJSON(ans.body); err != nil {
		add(CodeBodyNotStrict, ptr, "%v", err)
	}
	obj, ok := body.(map[string]any)
	if !ok {
		add(CodeBodyNotJSON, "/body", "body is a JSON %s, want an object", jsontype.Of(body))
		return vs
	}

	// api_id and error, the two fields every answer shares.
	switch id, ok := obj["api_id"]; {
	case !ok:
		add(CodeAPIIDMissing, "/body/api_id", "api_id is missing")
	default:
		if s, isStr := id.(string); !isStr || !uuidRE.MatchString(s) {
			add(CodeAPIIDNotUUID, "/body/api_id", "api_id is %s, want a UUID", short(id))
		}
	}
	errVal, hasErr := obj["error"]
	errText, errIsStr := errVal.(string)
	if success {
		if hasErr && (!errIsStr || errText != "") {
			add(CodeErrorOnSuccess, "/body/error", "error is %s on a %d, want \"\"", short(errVal), ans.status)
		}
	} else if !errIsStr || strings.TrimSpace(errText) == "" {
		add(CodeErrorEmpty, "/body/error", "error is %s on a %d, want a non-empty text", missingOr(hasErr, errVal), ans.status)
	}
	if cs.Expect.Outcome == OutcomeAccept && ans.status == http.StatusBadRequest && !stateRefusal(errText) {
		add(CodeRefusedValid, "/body/error", "400 %q for a request the contract says is valid (%s): a refusal for the state of the call would call nothing invalid", errText, describe(cs))
	}

	// Ids asked for are echoed: a success property named like a path
	// parameter carries the value sent in the path.
	if success && hasOp {
		for _, p := range sortedKeys(pathParams) {
			if got, ok := obj[p]; ok && got != pathParams[p] {
				add(CodeIDNotEchoed, "/body/"+escapePointer(p), "got %s, want the %s asked for, %s", short(got), p, short(pathParams[p]))
			}
		}
	}

	// The body schema, once the basics hold (otherwise it only repeats them).
	if documented {
		for _, v := range c.schemaViolations(ctx, cs, op, hasOp, req, pathParams, ans, body) {
			if !slices.ContainsFunc(vs, func(o Violation) bool { return o.Pointer == v.Pointer }) {
				vs = append(vs, v)
			}
		}
	}

	// The case's own expectations.
	for _, ptr := range sortedKeys(cs.Expect.Fields) {
		want := cs.Expect.Fields[ptr]
		got, found := lookup(body, ptr)
		switch {
		case !found:
			add(CodeBodyField, "/body"+ptr, "missing, want %s", short(want))
		case !jsonEqual(got, want):
			add(CodeBodyField, "/body"+ptr, "got %s, want %s", short(got), short(want))
		}
	}
	if cs.Expect.ErrorContains != "" && !strings.Contains(errText, cs.Expect.ErrorContains) {
		add(CodeErrorText, "/body/error", "got %q, want it to contain %q", errText, cs.Expect.ErrorContains)
	}
	if f := cs.Expect.ErrorNames; f != "" && !success && errIsStr && strings.TrimSpace(errText) != "" && !namesAny(errText, append([]string{f}, cs.Expect.AlsoNames...)) {
		also := ""
		if len(cs.Expect.AlsoNames) > 0 {
			also = " (or another field wrong in this request: " + strings.Join(cs.Expect.AlsoNames, ", ") + ")"
		}
		add(CodeErrorFieldUnnamed, "/body/error", "got %q, want it to name the field %s%s, as Plivo's %q does", errText, f, also, f+" is a mandatory param.")
	}
	return vs
}

// schemaViolations validates the body with kin-openapi against the
// operation's response for the status, or against the Error schema when
// the request targets no operation.
func (c *checker) schemaViolations(ctx context.Context, cs Case, op operation, hasOp bool, req *http.Request, pathParams map[string]string, ans answer, body any) []Violation {
	var err error
	if hasOp {
		input := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request:    req,
				PathParams: pathParams,
				Route:      &routers.Route{Spec: c.spec, Path: op.path, PathItem: op.item, Method: op.method, Operation: op.op},
			},
			Status:  ans.status,
			Header:  http.Header{"Content-Type": []string{"application/json"}}, // content-type is checked on its own
			Body:    io.NopCloser(bytes.NewReader(ans.body)),
			Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, SchemaValidationOptions: formats.Options()},
		}
		err = openapi3filter.ValidateResponse(ctx, input)
	} else if c.error != nil && !(ans.status >= 200 && ans.status < 300) {
		err = c.error.VisitJSON(body, append(formats.Options(), openapi3.MultiErrors())...)
	}
	if err == nil {
		return nil
	}
	var vs []Violation
	for _, se := range schemaErrors(err) {
		vs = append(vs, Violation{Code: CodeBodySchema, Case: cs.ID, Operation: cs.Operation, Pointer: se.pointer, Message: se.message})
	}
	return vs
}

type schemaErr struct{ pointer, message string }

// schemaErrors flattens kin-openapi's error tree into pointer and message pairs.
func schemaErrors(err error) []schemaErr {
	var out []schemaErr
	kinerr.Walk(err, func(err error) {
		if se := kinerr.Schema(err); se != nil {
			out = append(out, schemaErr{"/body" + kinerr.Pointer(se), se.Reason})
			return
		}
		// Not the wrapper's words ("response body doesn't match schema"):
		// its cause's.
		var re *openapi3filter.ResponseError
		if errors.As(err, &re) && re.Err != nil {
			err = re.Err
		}
		out = append(out, schemaErr{"/body", err.Error()})
	})
	return out
}

func namesAny(text string, fields []string) bool {
	for _, f := range fields {
		if namesField(text, f) {
			return true
		}
	}
	return false
}

// namesField reports whether text has field as a word of its own: "to" in
// "to is a mandatory param." but not in "automatically".
func namesField(text, field string) bool {
	word := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	lower, f := strings.ToLower(text), strings.ToLower(field)
	for i := 0; ; {
		j := strings.Index(lower[i:], f)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(f)
		if (start == 0 || !word(lower[start-1])) && (end == len(lower) || !word(lower[end])) {
			return true
		}
		i = start + 1
	}
}

func documentedStatuses(op *openapi3.Operation) []string {
	var out []string
	for k := range op.Responses.Map() {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func describe(cs Case) string {
	if cs.Description != "" {
		return cs.Description
	}
	return cs.ID
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// lookup resolves a JSON pointer in a decoded JSON value.
func lookup(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// jsonEqual compares values as JSON sees them (3 equals 3.0).
func jsonEqual(a, b any) bool {
	na, errA := normalize(a)
	nb, errB := normalize(b)
	return errA == nil && errB == nil && reflect.DeepEqual(na, nb)
}

func normalize(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(data, &out)
	return out, err
}

func short(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(data) > 80 {
		return string(data[:77]) + "..."
	}
	return string(data)
}

func missingOr(present bool, v any) string {
	if !present {
		return "missing"
	}
	return short(v)
}

func excerpt(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
