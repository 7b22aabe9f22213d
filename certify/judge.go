package certify

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/phlomock/phlomock/internal/kinerr"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/certify/driver"
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
	}
	j.others(entries, target)
	j.sent(target)
	j.surfaced(target, res)
	return j.out
}

// request judges what every request of the case must get right, the
// operation's own and the reads before it alike: no body where the
// contract has none, no query parameter it does not declare, and the
// credentials in the Authorization header only.
func (j *judge) request(e *mockserver.Entry) {
	if body := strings.TrimSpace(e.Body); body != "" && e.OperationID != "" && j.contract.body(e.OperationID) == nil {
		j.add(CodeSentBodyOnBodiless, "%s has no request body in the contract, and the client sent one: %s", describeEntry(e), clip(body))
	}
	if e.RawQuery != "" {
		var names []string
		if q, err := url.ParseQuery(e.RawQuery); err == nil {
			for _, k := range slices.Sorted(maps.Keys(q)) {
				if !j.contract.declaresQuery(e.OperationID, k) {
					names = append(names, strconv.Quote(k))
				}
			}
		} else {
			names = append(names, "(a query that does not parse)")
		}
		if len(names) > 0 {
			j.add(CodeSentUndeclaredQuery, "%s has the query ?%s: the contract declares no query parameter %s", describeEntry(e), clip(e.RawQuery), strings.Join(names, ", "))
		}
	}
	if j.secret == "" {
		return
	}
	var where []string
	if containsSecret(e.Path, j.secret) {
		where = append(where, "the path")
	}
	if containsSecret(e.RawQuery, j.secret) {
		where = append(where, "the query string")
	}
	if containsSecret(e.Body, j.secret) {
		where = append(where, "the body")
	}
	for _, name := range slices.Sorted(maps.Keys(e.Header)) {
		if name == "Authorization" {
			continue
		}
		for _, v := range e.Header[name] {
			if containsSecret(v, j.secret) {
				where = append(where, "the header "+name)
				break
			}
		}
	}
	if len(where) > 0 {
		j.add(CodeSentCredentialsExposed, "%s carries the Auth Token in %s, where logs and proxies keep it: send it only in the Authorization header", describeEntry(e), strings.Join(where, " and "))
	}
}

// containsSecret finds the secret as sent: raw, percent-encoded or inside
// base64 (of "id:secret" or "secret:id", wherever it starts).
func containsSecret(s, secret string) bool {
	if s == "" || secret == "" {
		return false
	}
	if strings.Contains(s, secret) || strings.Contains(s, url.QueryEscape(secret)) || strings.Contains(s, url.PathEscape(secret)) {
		return true
	}
	if u, err := url.QueryUnescape(s); err == nil && strings.Contains(u, secret) {
		return true
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !isBase64Char(r) }) {
		if b, err := base64.StdEncoding.DecodeString(w); err == nil && strings.Contains(string(b), secret) {
			return true
		}
	}
	return false
}

func isBase64Char(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '='
}

// redact removes the secret from a text quoted in a report, in every
// form containsSecret finds.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, form, "[redacted]")
	}
	return s
}

// others judges the requests besides the operation's own: reading the
// PHLO or the node first is what some SDKs do (plivo-go needs the node's
// type to build the action's path), and sending the operation again after
// a 429, a 5xx or no answer is a retry; anything else is an extra request.
// A retry is judged by retry.
func (j *judge) others(entries []*mockserver.Entry, target *mockserver.Entry) {
	var prev *mockserver.Entry // the last attempt at the operation so far
	for _, e := range entries {
		attempt := e.OperationID == target.OperationID
		if attempt && prev != nil {
			j.retry(prev, e)
		}
		if attempt {
			prev = e
		}
		if e == target {
			continue
		}
		read := e.Method == "GET" && (e.OperationID == "getPhlo" || e.OperationID == "getMultiPartyCall") &&
			e.PathParams["phlo_id"] == j.c.Params.PhloID &&
			(e.OperationID == "getPhlo" || e.PathParams["node_id"] == j.c.Params.NodeID)
		retry := attempt && unknownOrRefused(e.Status)
		if !read && !retry {
			j.add(CodeSentExtraRequests, "the client also sent %s", describeEntry(e))
		}
	}
}

// unknownOrRefused: after this answer a client may send the request
// again (a 429 refused it; a 5xx or no answer leaves it unknown).
func unknownOrRefused(status int) bool { return status == 0 || status == 429 || status >= 500 }

// retry judges next, an attempt at the case's operation after prev.
//
// The rule: reads (GET) may be retried after any answer that allows it.
// Actions (every POST: a run dials, a node or member action moves people)
// may be retried only after a 429, which says the request was refused and
// not performed, and only once its Retry-After has passed. After a 5xx or
// a dropped connection the first attempt may have happened, and the API
// has no idempotency key to make a second one safe, so the client must
// surface the error instead.
func (j *judge) retry(prev, next *mockserver.Entry) {
	if prev.Status == 429 {
		if wait := j.retryAfter(); wait > 0 && next.Time.Sub(prev.Time.Add(prev.Duration)) < wait-RetryAfterTolerance {
			j.add(CodeSentRetryTooSoon, "the client sent %s again sooner than the 429's Retry-After: %d (less than %s after the answer)",
				describeEntry(next), int(wait/time.Second), wait-RetryAfterTolerance)
		}
		return
	}
	if next.Method == "POST" && (prev.Status == 0 || prev.Status >= 500) {
		what := fmt.Sprintf("a %d", prev.Status)
		if prev.Status == 0 {
			what = "no answer"
		}
		j.add(CodeSentActionRetried, "the client sent %s again after %s: that does not say whether the first one happened, and a retry may do it twice; surface the error instead", describeAction(next), what)
	}
}

// retryAfter is the Retry-After the case's answer carries, in whole seconds.
func (j *judge) retryAfter() time.Duration {
	if j.c.Trouble == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(j.c.Trouble.Header["Retry-After"]))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
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
	query  map[string]bool   // "operationId name" of each declared query parameter
}

func newContractIndex(doc *openapi3.T) *contractIndex {
	b := &contractIndex{ops: map[string]*openapi3.Schema{}, routes: map[string]string{}, query: map[string]bool{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			b.routes[op.OperationID] = method + " " + path
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
					b.query[op.OperationID+" "+p.Value.Name] = true
				}
			}
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

// declaresQuery reports whether the operation declares the query parameter
// (the contract declares none today).
func (b *contractIndex) declaresQuery(opID, name string) bool { return b.query[opID+" "+name] }

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
	kinerr.Walk(err, func(err error) {
		if se := kinerr.Schema(err); se != nil {
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
	})
	sort.SliceStable(out, func(a, b int) bool { return out[a].text < out[b].text })
	return out
}
