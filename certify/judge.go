package certify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/internal/lazyre"
	"github.com/phlomock/phlomock/mockserver"
)

// specOperation maps a protocol operation to the contract's operation id
// and, for the actions, the value of the body's "action"; "" for a name
// the protocol does not have.
func specOperation(op string) (operationID, action string) {
	o, _ := driver.Spec(op)
	return o.OperationID, o.Action
}

func isNodeAction(op string) bool {
	o, _ := driver.Spec(op)
	return o.NodeAction()
}

// RetryAfterTolerance is how much sooner than a 429's Retry-After a retry
// may come: the judge measures from the end of the fake's answer to the
// arrival of the next request, both on the fake's clock.
const RetryAfterTolerance = 100 * time.Millisecond

// resultFields are the fields of the protocol's success result, compared
// with the answer's when the client surfaces them.
var resultFields = []string{"phlo_id", "node_id", "name", "node_type", "created_on", "phlo_run_id", "message", "error"}

// judge is one case's verdict: what the client sent (entries, the fake's
// journal of the case) and what it surfaced (res), against what the fake
// answered.
type judge struct {
	c        Case
	authID   string
	secret   string // the Auth Token: never quoted, found anywhere but Authorization
	contract *contractIndex
	cfg      config
	stderr   string    // what the driver wrote to its standard error in the case
	retryAt  time.Time // the date of the case's Retry-After (Trouble.RetryAt)
	out      []Finding
}

// add records a finding once: a retry that repeats a mistake does not
// repeat the finding.
func (j *judge) add(code Code, format string, args ...any) {
	f := Finding{Code: code, Case: j.c.ID, Message: redact(scrub(fmt.Sprintf(format, args...)), j.secret)}
	if !slices.Contains(j.out, f) {
		j.out = append(j.out, f)
	}
}

func (j *judge) run(entries []*mockserver.Entry, res driver.Result) []Finding {
	if res.Outcome == driver.OutcomeDriverError {
		j.add(CodeDriverError, "the driver failed, not the client: %s", res.Message)
		return j.out
	}
	j.output(res, j.stderr)
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
	for _, e := range entries {
		j.request(e)
		j.where(e)
	}
	j.others(entries, target)
	j.sent(target)
	if !j.slowGaveUp(res) {
		j.surfaced(target, res)
	}
	return j.out
}

func (j *judge) sent(e *mockserver.Entry) {
	p := j.c.Params
	// credentials: the journal keeps "Basic AUTHID:[redacted]"
	user, hasAuth := basicUser(e.Header.Get("Authorization"))
	rightUser := hasAuth && user == j.authID
	switch {
	case !hasAuth:
		j.add(CodeSentNoAuth, "the request has no HTTP Basic credentials")
	case user == j.secret:
		// Never quoted: the user is the secret.
		j.add(CodeSentWrongValue, "the Basic auth user is the Auth Token, not the Auth ID %q: the two are swapped", j.authID)
	case user != j.authID && j.staleUser(user):
	case user != j.authID:
		// Not quoted either: whatever stands there may be a secret.
		j.add(CodeSentWrongValue, "the Basic auth user (%d characters, not quoted) is not the Auth ID %q", len(user), j.authID)
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
		var obj map[string]any
		_ = json.Unmarshal([]byte(e.Body), &obj)
		for _, v := range e.Violations {
			switch {
			case v.Code == mockserver.CodeUnauthorized && !rightUser:
				continue // sent-no-auth or sent-wrong-value says it
			case v.Code == mockserver.CodeMediaType:
				j.add(CodeSentWrongContentType, "a body sent with Content-Type %q, want application/json: %s", e.Header.Get("Content-Type"), clip(e.Body))
				continue
			}
			j.add(CodeSentContractViolation, "the fake refused the request (%s)%s: %s", v.Code, offending(obj, v), v.Message)
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
	jsonType := true
	if mt, _, err := mime.ParseMediaType(e.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		jsonType = false
		j.add(CodeSentWrongContentType, "a body sent with Content-Type %q, want application/json: %s", e.Header.Get("Content-Type"), clip(string(raw)))
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		if jsonType { // otherwise it was never meant as JSON: the Content-Type says it
			j.add(CodeSentContractViolation, "the body is not JSON: %s", clip(string(raw)))
		}
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
	schema := j.contract.variant(e.OperationID, action)
	for _, k := range slices.Sorted(maps.Keys(wantFields)) {
		if reported[k] {
			continue
		}
		got, present := obj[k]
		switch s, isString := got.(string); {
		case !present && wantFields[k] == defaultOf(schema, k):
			// Left out, the property takes its documented default, which
			// is the value the case gave (role "agent").
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
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(allowed, k) {
			j.add(CodeSentStrayField, "the body has %q (%s), which the case did not give", k, clip(jsonText(obj[k])))
		}
	}
}

func (j *judge) surfaced(e *mockserver.Entry, res driver.Result) {
	if res.Outcome == driver.OutcomeUnsupported {
		return // the caller skips the case
	}
	if e.Status == 0 {
		j.unanswered(res)
		return
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
		j.add(CodeSurfacedNoStatus, "the error does not expose the HTTP status %d; the client's error is %q", e.Status, clip(ce.Message))
	case ce.Status != e.Status:
		j.add(CodeSurfacedWrongStatus, "the error's status is %d, the fake answered %d", ce.Status, e.Status)
	}
	// Case-insensitive: a client may reword the case of a text it shows,
	// and the troubles' texts differ from the status lines in more than
	// case, so that a client showing only "500 Internal Server Error" is
	// still caught.
	if msg, _ := answer["error"].(string); msg != "" && !strings.Contains(strings.ToLower(ce.Message), strings.ToLower(msg)) {
		j.add(CodeSurfacedNoMessage, "the error's message %q does not carry the fake's %q", clip(ce.Message), msg)
	}
	if ce.APIID != "" && apiID != "" && ce.APIID != apiID {
		j.add(CodeSurfacedWrongField, "the error's api_id differs from the one the fake sent")
	}
}

// unanswered judges what the client surfaced when the fake sent no answer
// (it dropped the connection, or held the answer past the client's
// timeout): an error without an HTTP status.
func (j *judge) unanswered(res driver.Result) {
	what := "the fake sent no answer"
	if t := j.c.Trouble; t != nil && t.Hold {
		what = "the fake held the answer past the client's timeout budget"
	} else if t != nil && t.Drop {
		what = "the fake dropped the connection without answering"
	}
	switch {
	case res.Outcome == driver.OutcomeSuccess:
		j.add(CodeSurfacedSuccessOnError, "%s; the client reported success", what)
	case res.Error != nil && res.Error.Status != 0:
		j.add(CodeSurfacedWrongStatus, "the error's status is %d, but %s", res.Error.Status, what)
	}
}

// offending quotes the value a violation is about, from the body as sent.
func offending(obj map[string]any, v mockserver.Violation) string {
	key := strings.TrimPrefix(v.Pointer, "/")
	if key == "" || strings.Contains(key, "/") {
		key = v.Field
	}
	if val, ok := obj[key]; ok && key != "" {
		return fmt.Sprintf(" on %s %s", key, clip(jsonText(val)))
	}
	return ""
}

// defaultOf is the documented default of a body property, as text ("" for none).
func defaultOf(schema *openapi3.Schema, name string) string {
	if schema == nil || schema.Properties[name] == nil || schema.Properties[name].Value == nil {
		return ""
	}
	d, ok := schema.Properties[name].Value.Default.(string)
	if !ok {
		return ""
	}
	return d
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

// describeAction is describeEntry with the body's action, if any.
func describeAction(e *mockserver.Entry) string {
	var b struct {
		Action string `json:"action"`
	}
	if json.Unmarshal([]byte(e.Body), &b) == nil && b.Action != "" {
		return describeEntry(e) + " with action " + strconv.Quote(b.Action)
	}
	return describeEntry(e)
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

// clip shortens client text quoted in a finding.
func clip(s string) string {
	const max = 160
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

var uuidPattern = lazyre.New(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// scrub replaces the fake's fresh UUIDs (api_ids, quoted back by clients
// in their messages) so that findings are the same from run to run; the
// cases' own PHLO and node ids stay.
func scrub(s string) string {
	s = uuidPattern.ReplaceAllStringFunc(s, func(u string) string {
		if u == PhloID || u == NodeID {
			return u
		}
		return "<uuid>"
	})
	// the fake's loopback ports change from run to run
	return loopbackPattern.ReplaceAllString(s, "127.0.0.1:<port>")
}

var loopbackPattern = lazyre.New(`127\.0\.0\.1:[0-9]+`)
