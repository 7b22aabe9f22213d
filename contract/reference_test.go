package contract_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The account and ids the reference server knows.
const (
	refAuthID  = "MAPHLOMOCKDEFAULT001"
	refToken   = "phlomock-default-auth-token"
	refPhloID  = "phlo-1"
	refNodeID  = "node-1"
	refAPIID   = "5f0b4cb2-3a4e-4a8f-9d3c-1a2b3c4d5e6f"
	refCreated = "2020-08-01 09:05:11.846982+00:00"
)

// The reference server is a small phlorunner written by hand from Plivo's
// documentation and the SDKs' traces (../shared/reference/phlo-api.md in
// the project's notes), not from the spec and not from the fake: the
// yardstick the mutation suite bends one way at a time. Its texts are
// Plivo's templates ("to is a mandatory param.").
type refServer struct {
	// mutation names the one deviation to apply ("" for none); see
	// mutations in mutation_test.go.
	mutation string
}

// newReference returns the faithful reference server.
func newReference(tb testing.TB) http.Handler {
	tb.Helper()
	return &refServer{}
}

type refRoute struct {
	op, method string
	segs       []string // "{x}" matches any non-empty segment
	actions    []string // the body's allowed actions; nil: no action body
	node       bool     // actions take to, role and trigger_source
}

var (
	nodeActions   = []string{"call", "warm_transfer", "cold_transfer"}
	memberActions = []string{"abort_transfer", "hold", "unhold", "hangup", "resume_call", "voicemail_drop", "mute", "unmute"}
	bridgeActions = []string{"mute", "unmute", "hangup"}
	refRoutes     = []refRoute{
		{op: "runPhlo", method: "POST", segs: []string{"v1", "account", "{auth_id}", "phlo", "{phlo_id}"}},
		{op: "getPhlo", method: "GET", segs: []string{"v1", "phlo", "{phlo_id}"}},
		{op: "getMultiPartyCall", method: "GET", segs: []string{"v1", "phlo", "{phlo_id}", "multi_party_call", "{node_id}"}},
		{op: "updateMultiPartyCall", method: "POST", segs: []string{"v1", "phlo", "{phlo_id}", "multi_party_call", "{node_id}"}, actions: nodeActions, node: true},
		{op: "updateMember", method: "POST", segs: []string{"v1", "phlo", "{phlo_id}", "multi_party_call", "{node_id}", "members", "{member_address}"}, actions: memberActions},
		{op: "getConferenceBridge", method: "GET", segs: []string{"v1", "phlo", "{phlo_id}", "conference_bridge", "{node_id}"}},
		{op: "updateConferenceMember", method: "POST", segs: []string{"v1", "phlo", "{phlo_id}", "conference_bridge", "{node_id}", "members", "{member_address}"}, actions: bridgeActions},
	}
	addressRE = regexp.MustCompile(`^(\+?[0-9]{1,15}|sip:[^\s@]+@[^\s@]+)$`)
)

func (s *refServer) is(m string) bool { return s.mutation == m }

func (s *refServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if strings.HasSuffix(path, "/") && len(path) > 1 {
		if s.is("trailing-slash-404") {
			s.fail(w, http.StatusNotFound, "not found")
			return
		}
		path = strings.TrimSuffix(path, "/")
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var route *refRoute
	params := map[string]string{}
	methods := []string{}
	for i := range refRoutes {
		rt := &refRoutes[i]
		p, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		methods = append(methods, rt.method)
		if rt.method == r.Method {
			route, params = rt, p
		}
	}
	switch {
	case route == nil && len(methods) > 0:
		w.Header().Set("Allow", strings.Join(methods, ", "))
		s.fail(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	case route == nil:
		s.fail(w, http.StatusNotFound, "not found")
		return
	}
	if id, token, ok := r.BasicAuth(); !ok || id != refAuthID || token != refToken {
		s.fail(w, http.StatusUnauthorized, "authentication failed")
		return
	}
	if a, ok := params["auth_id"]; ok && a != refAuthID {
		s.fail(w, http.StatusUnauthorized, "authentication failed: the account in the path is not yours")
		return
	}
	if !s.is("unknown-ids-accepted") {
		if p, ok := params["phlo_id"]; ok && p != refPhloID {
			s.fail(w, http.StatusNotFound, "phlo not found")
			return
		}
		if n, ok := params["node_id"]; ok && n != refNodeID {
			s.fail(w, http.StatusNotFound, "node not found")
			return
		}
	}
	if m, ok := params["member_address"]; ok && !s.is("pattern-ignored") {
		// The member's address is checked as to is (the contract's pattern).
		if addr, err := url.PathUnescape(m); err != nil || !addressRE.MatchString(addr) {
			s.fail(w, http.StatusBadRequest, "Invalid value provided for member_address.")
			return
		}
	}
	var body []byte
	if r.Body != nil {
		body, _ = readAll(r)
	}
	if msg := s.checkBody(route, body); msg != "" {
		if s.is("generic-400") {
			msg = "invalid request"
		}
		s.fail(w, http.StatusBadRequest, msg)
		return
	}
	s.succeed(w, route, params)
}

func matchSegs(tmpl, got []string) (map[string]string, bool) {
	if len(tmpl) != len(got) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range tmpl {
		switch {
		case strings.HasPrefix(t, "{"):
			if got[i] == "" {
				return nil, false
			}
			params[strings.Trim(t, "{}")] = got[i]
		case t != got[i]:
			return nil, false
		}
	}
	return params, true
}

// checkBody returns Plivo's text for what is wrong with the body, or "".
func (s *refServer) checkBody(rt *refRoute, body []byte) string {
	if rt.method == "GET" {
		return ""
	}
	trimmed := bytes.TrimSpace(body)
	if rt.actions == nil {
		// A run: an empty body, "" or an object.
		if len(trimmed) == 0 || string(trimmed) == `""` {
			return ""
		}
		var m map[string]any
		if json.Unmarshal(trimmed, &m) != nil {
			return "Invalid value provided for body. body expects a/an object."
		}
		for _, f := range []string{"from", "to"} {
			if v, ok := m[f]; ok {
				if _, isStr := v.(string); !isStr {
					return fmt.Sprintf("Invalid value provided for %s. %s expects a/an string.", f, f)
				}
			}
		}
		return ""
	}
	if len(trimmed) == 0 {
		return "action is a mandatory param."
	}
	var m map[string]any
	if err := json.Unmarshal(trimmed, &m); err != nil || m == nil {
		return "Invalid value provided for body. body expects a/an object."
	}
	raw, ok := m["action"]
	if !ok {
		if s.is("missing-action-unnamed") {
			return "a mandatory param is missing."
		}
		return "action is a mandatory param."
	}
	action, isStr := raw.(string)
	if !isStr {
		return "Invalid value provided for action. action expects a/an string."
	}
	if !s.allowed(rt, action) {
		return "Invalid value provided for action."
	}
	if !rt.node && !s.nodeBodyOnMember(action) || rt.node && !slices.Contains(nodeActions, action) {
		// a member action (on a node path only by the mutation): no fields
		return ""
	}
	for _, f := range []string{"to", "trigger_source"} {
		v, ok := m[f]
		if !ok {
			if s.is("missing-field-unnamed") {
				return "a mandatory param is missing."
			}
			if s.is("missing-to-accepted") && f == "to" {
				continue
			}
			return f + " is a mandatory param."
		}
		str, isStr := v.(string)
		if !isStr {
			if s.is("wrong-type-accepted") {
				continue
			}
			return fmt.Sprintf("Invalid value provided for %s. %s expects a/an string.", f, f)
		}
		if !addressRE.MatchString(str) && !s.is("pattern-ignored") {
			return "Invalid value provided for " + f + "."
		}
	}
	// role: absent, null and "" mean agent (plivo-go sends "").
	switch role := m["role"].(type) {
	case nil:
	case string:
		if !s.roleAllowed(role) {
			return "Invalid value provided for role. Allowed values are 'customer' and 'agent'."
		}
	default:
		return "Invalid value provided for role. role expects a/an string."
	}
	return ""
}

func (s *refServer) nodeBodyOnMember(action string) bool {
	return s.is("member-takes-node-actions") && slices.Contains(nodeActions, action)
}

func (s *refServer) allowed(rt *refRoute, action string) bool {
	if slices.Contains(rt.actions, action) {
		return true
	}
	switch {
	case s.is("extra-action") && rt.node && action == "conference":
		// one plausible extra value
		return true
	case s.is("action-case-insensitive"):
		return slices.Contains(rt.actions, strings.ToLower(action))
	case s.is("action-empty-accepted") && action == "":
		return true
	case s.is("action-prefix-accepted") && action != "":
		for _, a := range rt.actions {
			if strings.HasPrefix(action, a) || strings.HasPrefix(a, action) {
				return true
			}
		}
	case s.is("member-takes-node-actions") && !rt.node && rt.op == "updateMember":
		return slices.Contains(nodeActions, action)
	case s.is("node-takes-member-actions") && rt.node:
		return slices.Contains(memberActions, action)
	case s.is("bridge-takes-member-actions") && rt.op == "updateConferenceMember":
		return slices.Contains(memberActions, action)
	}
	return false
}

func (s *refServer) roleAllowed(role string) bool {
	switch {
	case role == "" || role == "customer" || role == "agent":
		return true
	case s.is("extra-role"):
		// plausible extras: plurals, as a sloppy form handler allows
		return role == "customers" || role == "agents" || role == "supervisor"
	case s.is("role-case-insensitive"):
		return strings.EqualFold(role, "customer") || strings.EqualFold(role, "agent")
	}
	return false
}

func (s *refServer) succeed(w http.ResponseWriter, rt *refRoute, params map[string]string) {
	status := http.StatusCreated
	var body map[string]any
	switch rt.op {
	case "getPhlo":
		status = http.StatusOK
		body = map[string]any{"api_id": refAPIID, "phlo_id": params["phlo_id"], "name": "p", "created_on": refCreated}
	case "getMultiPartyCall", "getConferenceBridge":
		status = http.StatusOK
		typ, name := "multi_party_call", "Multi-Party Call_1"
		if rt.op == "getConferenceBridge" {
			typ, name = "conference_bridge", "Conference Bridge_1"
		}
		body = map[string]any{"api_id": refAPIID, "phlo_id": params["phlo_id"], "node_id": params["node_id"],
			"name": name, "node_type": typ, "created_on": refCreated}
		if s.is("node-type-missing") {
			delete(body, "node_type")
		}
	case "runPhlo":
		body = map[string]any{"api_id": refAPIID, "phlo_id": params["phlo_id"], "phlo_run_id": refAPIID, "message": "started"}
		if s.is("run-200") {
			status = http.StatusOK
		}
		if s.is("run-id-not-uuid") {
			body["phlo_run_id"] = "run-1"
		}
	default:
		body = map[string]any{"api_id": refAPIID, "error": ""}
		if s.is("action-202") {
			status = http.StatusAccepted
		}
	}
	if s.is("success-error-null") {
		body["error"] = nil
	}
	s.json(w, status, body)
}

func (s *refServer) fail(w http.ResponseWriter, status int, msg string) {
	switch {
	case s.is("errors-as-html"):
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body>%s</body></html>", msg)
		return
	case s.is("error-without-api-id"):
		s.json(w, status, map[string]any{"error": msg})
		return
	case s.is("auth-403") && status == http.StatusUnauthorized:
		status = http.StatusForbidden
	case s.is("wrong-method-500") && status == http.StatusMethodNotAllowed:
		status = http.StatusInternalServerError
	case s.is("error-as-message") && status >= 400:
		s.json(w, status, map[string]any{"api_id": refAPIID, "message": msg})
		return
	}
	s.json(w, status, map[string]any{"api_id": refAPIID, "error": msg})
}

func (s *refServer) json(w http.ResponseWriter, status int, v any) {
	// Every answer has its own api_id (the run's id is the request's).
	if m, ok := v.(map[string]any); ok && m["api_id"] == refAPIID {
		id := newUUID()
		m["api_id"] = id
		if m["phlo_run_id"] == refAPIID {
			m["phlo_run_id"] = id
		}
	}
	ct := "application/json"
	if s.is("content-type-text") {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func readAll(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(r.Body)
	return buf.Bytes(), err
}

// An answer is a response the deviant servers may rewrite.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// deviate wraps h so that rewrite can change each of its answers.
func deviate(h http.Handler, rewrite func(r *http.Request, a *answer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		a := &answer{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		rewrite(r, a)
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	})
}

// editJSON changes the decoded body of a JSON answer.
func editJSON(a *answer, edit func(m map[string]any)) {
	var m map[string]any
	if json.Unmarshal(a.body, &m) != nil {
		return
	}
	edit(m)
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(m)
	a.body = buf.Bytes()
}

func isFailure(a *answer) bool { return a.status >= 400 }

func textPlainErrors(_ *http.Request, a *answer) {
	if isFailure(a) {
		a.header.Set("Content-Type", "text/plain; charset=utf-8")
		a.body = []byte(fmt.Sprintf("%d %s\n", a.status, strings.ToLower(http.StatusText(a.status))))
	}
}
