package certify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/mockserver"
)

// specOperation maps a protocol operation to the contract's operation id
// and, for the actions, the value of the body's "action".
func specOperation(op string) (operationID, action string) {
	switch op {
	case driver.OpRunPhlo, driver.OpGetPhlo, driver.OpGetMultiPartyCall:
		return op, ""
	case driver.OpCall:
		return "updateMultiPartyCall", "call"
	case driver.OpWarmTransfer:
		return "updateMultiPartyCall", "warm_transfer"
	case driver.OpColdTransfer:
		return "updateMultiPartyCall", "cold_transfer"
	case driver.OpAbortTransfer:
		return "updateMember", "abort_transfer"
	case driver.OpHold:
		return "updateMember", "hold"
	case driver.OpUnhold:
		return "updateMember", "unhold"
	case driver.OpHangup:
		return "updateMember", "hangup"
	case driver.OpResumeCall:
		return "updateMember", "resume_call"
	case driver.OpVoicemailDrop:
		return "updateMember", "voicemail_drop"
	}
	return "", ""
}

func isNodeAction(op string) bool {
	return op == driver.OpCall || op == driver.OpWarmTransfer || op == driver.OpColdTransfer
}

// resultFields are the fields of the protocol's success result, compared
// with the answer's when the client surfaces them.
var resultFields = []string{"phlo_id", "node_id", "name", "node_type", "created_on", "phlo_run_id", "message", "error"}

// judge is one case's verdict: what the client sent (entries, the fake's
// journal of the case) and what it surfaced (res), against what the fake
// answered.
type judge struct {
	c        Case
	authID   string
	contract *contractIndex
	out      []Finding
}

func (j *judge) add(code Code, format string, args ...any) {
	j.out = append(j.out, Finding{Code: code, Case: j.c.ID, Message: scrub(fmt.Sprintf(format, args...))})
}

func (j *judge) run(entries []*mockserver.Entry, res driver.Result) []Finding {
	if res.Outcome == driver.OutcomeDriverError {
		j.add(CodeDriverError, "the driver failed, not the client: %s", res.Message)
		return j.out
	}
	opID, _ := specOperation(j.c.Operation)
	if len(entries) == 0 {
		if res.Outcome == driver.OutcomeSuccess {
			j.add(CodeSentNothing, "the client sent no request")
			j.add(CodeSurfacedSuccessWithoutSend, "the client reported success without sending a request")
		} else {
			j.add(CodeSentNothing, "the client sent no request: it failed before sending with %s", describeError(res.Error))
		}
		return j.out
	}
	var target *mockserver.Entry
	for _, e := range entries {
		if e.OperationID == opID {
			target = e
		}
	}
	if target == nil {
		var sent []string
		for _, e := range entries {
			sent = append(sent, describeEntry(e))
		}
		_, action := specOperation(j.c.Operation)
		want := j.contract.routes[opID] + " (" + opID
		if action != "" {
			want += ", action " + action
		}
		j.add(CodeSentWrongOperation, "the client never sent %s); it sent %s", want, strings.Join(sent, ", "))
		return j.out
	}
	j.others(entries, target)
	j.sent(target)
	j.surfaced(target, res)
	return j.out
}

// others judges the requests besides the operation's own: reading the
// PHLO or the node first is what some SDKs do (plivo-go needs the node's
// type to build the action's path), and retrying after a 429 or 5xx is
// fair; anything else is an extra request.
func (j *judge) others(entries []*mockserver.Entry, target *mockserver.Entry) {
	for _, e := range entries {
		if e == target {
			continue
		}
		read := e.Method == "GET" && (e.OperationID == "getPhlo" || e.OperationID == "getMultiPartyCall") &&
			e.PathParams["phlo_id"] == j.c.Params.PhloID &&
			(e.OperationID == "getPhlo" || e.PathParams["node_id"] == j.c.Params.NodeID)
		retry := e.OperationID == target.OperationID && (e.Status == 429 || e.Status >= 500)
		if !read && !retry {
			j.add(CodeSentExtraRequests, "the client also sent %s", describeEntry(e))
		}
	}
}

func (j *judge) sent(e *mockserver.Entry) {
	p := j.c.Params
	// credentials: the journal keeps "Basic AUTHID:[redacted]"
	user, hasAuth := basicUser(e.Header.Get("Authorization"))
	switch {
	case !hasAuth:
		j.add(CodeSentNoAuth, "the request has no HTTP Basic credentials")
	case user != j.authID:
		j.add(CodeSentWrongValue, "Basic auth user %q, want the Auth ID %q", user, j.authID)
	}
	want := map[string]string{"phlo_id": p.PhloID, "node_id": p.NodeID, "member_address": p.MemberAddress}
	if j.c.Operation == driver.OpRunPhlo {
		want["auth_id"] = j.authID
	}
	for _, name := range []string{"auth_id", "phlo_id", "node_id", "member_address"} {
		w := want[name]
		if got, ok := e.PathParams[name]; ok && w != "" && got != w {
			j.add(CodeSentWrongValue, "path parameter %s is %q, want %q", name, got, w)
		}
	}
	if !e.Valid {
		for _, v := range e.Violations {
			if v.Code == mockserver.CodeUnauthorized && !hasAuth {
				continue // sent-no-auth says it
			}
			j.add(CodeSentContractViolation, "the fake refused the request (%s): %s", v.Code, v.Message)
		}
		return
	}
	if j.contract.body(e.OperationID) == nil {
		return
	}
	j.body(e)
}

// body judges the raw body against a strict reading of the contract (an
// absent property takes its documented default, but "" and null are not
// absent) and against the values the case gave.
func (j *judge) body(e *mockserver.Entry) {
	raw := bytes.TrimSpace([]byte(e.Body))
	_, action := specOperation(j.c.Operation)
	if len(raw) == 0 {
		switch {
		case j.c.Params.Payload != nil:
			j.add(CodeSentWrongValue, "the request has no body; want the payload %s", jsonText(j.c.Params.Payload))
		case action != "":
			// the fake refuses an action without a body; not reached
			j.add(CodeSentWrongValue, "the request has no body; want action %q", action)
		}
		return
	}
	if mt, _, err := mime.ParseMediaType(e.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		j.add(CodeSentWrongContentType, "a JSON body sent with Content-Type %q, want application/json", e.Header.Get("Content-Type"))
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		j.add(CodeSentContractViolation, "the body is not JSON: %s", clip(string(raw)))
		return
	}
	obj, ok := body.(map[string]any)
	if !ok {
		j.add(CodeSentContractViolation, "the body is %s, not a JSON object", clip(string(raw)))
		return
	}
	reported := map[string]bool{}
	if schema := j.contract.variant(e.OperationID, action); schema != nil {
		for _, v := range strictViolations(schema, obj) {
			reported[v.field] = true
			j.add(CodeSentContractViolation, "%s", v.text)
		}
	}

	wantFields := map[string]string{}
	var allowed []string
	p := j.c.Params
	switch {
	case j.c.Operation == driver.OpRunPhlo:
		for k, v := range p.Payload {
			wantFields[k] = v
			allowed = append(allowed, k)
		}
	case isNodeAction(j.c.Operation):
		wantFields = map[string]string{"action": action, "to": p.To, "trigger_source": p.TriggerSource}
		if p.Role != "" {
			wantFields["role"] = p.Role
		}
		allowed = []string{"action", "to", "role", "trigger_source"}
	default: // the member actions
		wantFields = map[string]string{"action": action}
		allowed = []string{"action"}
	}
	for _, k := range sortedKeys(wantFields) {
		if reported[k] {
			continue
		}
		got, present := obj[k]
		switch s, isString := got.(string); {
		case !present:
			j.add(CodeSentWrongValue, "%s is missing, want %q", k, wantFields[k])
		case !isString || s != wantFields[k]:
			j.add(CodeSentWrongValue, "%s is %s, want %q", k, jsonText(got), wantFields[k])
		}
	}
	// A role the case did not give may be left out or sent as the documented
	// default; anything else changes what the call does.
	if r, present := obj["role"]; present && p.Role == "" && slices.Contains(allowed, "role") && !reported["role"] && r != "agent" {
		j.add(CodeSentWrongValue, "role is %s though none was given; leave it out or send the default \"agent\"", jsonText(r))
	}
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(allowed, k) {
			j.add(CodeSentStrayField, "the body has %q (%s), which the case did not give", k, clip(jsonText(obj[k])))
		}
	}
}

func (j *judge) surfaced(e *mockserver.Entry, res driver.Result) {
	if res.Outcome == driver.OutcomeUnsupported {
		return // the caller skips the case
	}
	wire := e.Answer
	var answer map[string]any
	_ = json.Unmarshal(wire, &answer)
	apiID, _ := answer["api_id"].(string)
	if e.Status >= 200 && e.Status < 300 {
		if res.Outcome != driver.OutcomeSuccess {
			j.add(CodeSurfacedErrorOnSuccess, "the fake answered %d, the client reported %s", e.Status, describeError(res.Error))
			return
		}
		switch got, ok := res.Fields["api_id"]; {
		case !ok || got == "":
			j.add(CodeSurfacedNoAPIID, "success without the api_id the fake sent")
		case got != apiID:
			j.add(CodeSurfacedWrongField, "api_id differs from the one the fake sent")
		}
		for _, k := range resultFields {
			got, ok := res.Fields[k]
			w, inAnswer := answer[k]
			if !ok || !inAnswer {
				continue
			}
			if ws := fieldText(w); got != ws {
				j.add(CodeSurfacedWrongField, "%s is %q, the fake sent %q", k, got, ws)
			}
		}
		return
	}
	what := describeAnswer(e.Status, wire)
	if res.Outcome == driver.OutcomeSuccess {
		j.add(CodeSurfacedSuccessOnError, "the fake answered %s; the client reported success", what)
		return
	}
	ce := res.Error
	switch {
	case ce.Status == 0:
		j.add(CodeSurfacedNoStatus, "the error does not expose the HTTP status %d", e.Status)
	case ce.Status != e.Status:
		j.add(CodeSurfacedWrongStatus, "the error's status is %d, the fake answered %d", ce.Status, e.Status)
	}
	if msg, _ := answer["error"].(string); msg != "" && !strings.Contains(ce.Message, msg) {
		j.add(CodeSurfacedNoMessage, "the error's message %q does not carry the fake's %q", clip(ce.Message), msg)
	}
	if ce.APIID != "" && apiID != "" && ce.APIID != apiID {
		j.add(CodeSurfacedWrongField, "the error's api_id differs from the one the fake sent")
	}
}

func basicUser(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return "", false
	}
	user, _, ok := strings.Cut(cred, ":")
	return user, ok
}

func describeEntry(e *mockserver.Entry) string {
	s := e.Method + " " + e.Path
	if e.OperationID != "" {
		s += " (" + e.OperationID + ")"
	}
	return s
}

func describeAnswer(status int, body []byte) string {
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0:
		return fmt.Sprintf("%d with an empty body", status)
	case !json.Valid(b):
		return fmt.Sprintf("%d with a body that is not JSON", status)
	}
	return strconv.Itoa(status)
}

func describeError(ce *driver.ClientError) string {
	if ce == nil {
		return "an error"
	}
	if ce.Status == 0 {
		return fmt.Sprintf("an error (no status): %q", clip(ce.Message))
	}
	return fmt.Sprintf("an error (status %d): %q", ce.Status, clip(ce.Message))
}

func fieldText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonText(v)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// clip shortens client text quoted in a finding.
func clip(s string) string {
	const max = 160
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

var uuidPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// scrub replaces the fake's fresh UUIDs (api_ids, quoted back by clients
// in their messages) so that findings are the same from run to run; the
// cases' own PHLO and node ids stay.
func scrub(s string) string {
	return uuidPattern.ReplaceAllStringFunc(s, func(u string) string {
		if u == PhloID || u == NodeID {
			return u
		}
		return "<uuid>"
	})
}

// contractIndex finds, in the contract, each operation's route and request
// body schema, and the schema of each action of the operations whose body
// is a oneOf selected by "action".
type contractIndex struct {
	ops    map[string]*openapi3.Schema
	routes map[string]string // operation id -> "METHOD /path/{template}"
}

func newContractIndex(doc *openapi3.T) *contractIndex {
	b := &contractIndex{ops: map[string]*openapi3.Schema{}, routes: map[string]string{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			b.routes[op.OperationID] = method + " " + path
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				b.ops[op.OperationID] = mt.Schema.Value
			}
		}
	}
	return b
}

func (b *contractIndex) body(opID string) *openapi3.Schema { return b.ops[opID] }

// variant is the schema a body of that action must follow.
func (b *contractIndex) variant(opID, action string) *openapi3.Schema {
	s := b.ops[opID]
	if s == nil || len(s.OneOf) == 0 {
		return s
	}
	for _, ref := range s.OneOf {
		v := ref.Value
		if v == nil {
			continue
		}
		if a := v.Properties["action"]; a != nil && a.Value != nil && slices.Contains(a.Value.Enum, any(action)) {
			return v
		}
	}
	return nil
}

type strictViolation struct {
	field string
	text  string
}

// strictViolations checks a body against schema: a property left out takes
// its documented default, as the API does, but "" and null are values, and
// the contract's enum and type rules apply to them.
func strictViolations(schema *openapi3.Schema, obj map[string]any) []strictViolation {
	withDefaults := make(map[string]any, len(obj))
	for k, v := range obj {
		withDefaults[k] = v
	}
	for name, p := range schema.Properties {
		if _, present := obj[name]; !present && p.Value != nil && p.Value.Default != nil {
			withDefaults[name] = p.Value.Default
		}
	}
	err := schema.VisitJSON(withDefaults, openapi3.MultiErrors(), openapi3.VisitAsRequest())
	if err == nil {
		return nil
	}
	var out []strictViolation
	var walk func(error)
	walk = func(err error) {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			ptr := se.JSONPointer()
			field := ""
			if len(ptr) > 0 {
				field = ptr[0]
			}
			where := "the body"
			if field != "" {
				where = field + " " + jsonText(se.Value)
			}
			out = append(out, strictViolation{field: field, text: fmt.Sprintf("%s breaks the contract: %s", where, se.Reason)})
			return
		}
		out = append(out, strictViolation{text: "the body breaks the contract: " + err.Error()})
	}
	walk(err)
	sort.SliceStable(out, func(a, b int) bool { return out[a].text < out[b].text })
	return out
}
