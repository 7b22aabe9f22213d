package director_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// plane is a fake with scenarios and its control plane on its own port,
// and a second one with the same scenarios whose control plane is on the
// API's port under a prefix, behind a token (fake.Config.AdminPrefix), as
// serve --admin-prefix runs it.
type plane struct {
	*fake.Fake
	admin  *httptest.Server // own port
	single *httptest.Server // the second fake: API + control plane under /mock
}

const planeToken = "s3cret"

func newPlane(tb testing.TB, active ...*scenarios.Scenario) *plane {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	build := func(cfg fake.Config) *fake.Fake {
		cfg.Active = active
		f, err := fake.New(doc, cfg)
		require.NoError(tb, err)
		tb.Cleanup(func() { _ = f.Close(context.Background()) })
		return f
	}
	f := build(fake.Config{})
	prefixed := build(fake.Config{AdminPrefix: "/mock", AdminToken: planeToken})
	p := &plane{Fake: f, admin: httptest.NewServer(f.AdminHandler()), single: httptest.NewServer(prefixed.Handler())}
	tb.Cleanup(p.admin.Close)
	tb.Cleanup(p.single.Close)
	return p
}

type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func do(tb testing.TB, base, method, path, body string, header ...string) answer {
	tb.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	require.NoError(tb, err)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(tb, err)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && method != "HEAD" {
		require.NoErrorf(tb, json.Unmarshal(raw, &a.body), "body %q", raw)
	}
	return a
}

// errorIs asserts that a is the control plane's error answer: status, a
// JSON {"api_id", "error"} with exactly that error, nothing else.
func errorIs(tb testing.TB, a answer, status int, msg string) {
	tb.Helper()
	assert.Equal(tb, status, a.status, "body %s", a.raw)
	assert.Equal(tb, "application/json", a.header.Get("Content-Type"))
	require.Len(tb, a.body, 2, "body %s", a.raw)
	assert.NotEmpty(tb, a.body["api_id"])
	assert.Equal(tb, msg, a.body["error"])
}

// TestControlPlaneRoutes: one round trip per route, on the control plane's
// own port.
func TestControlPlaneRoutes(t *testing.T) {
	flow, err := scenarios.Builtin("transfer-flow")
	require.NoError(t, err)
	p := newPlane(t, flow)
	api := httptest.NewServer(p.API)
	defer api.Close()
	r := do(t, api.URL, "POST", nodePath, `{"action":"call","to":"+14155550100","role":"agent","trigger_source":"+14152225555"}`,
		"Content-Type", "application/json", "Authorization", basic())
	require.Equal(t, 201, r.status, r.raw)
	a := p.admin.URL

	tests := []struct {
		name, method, path, body string
		status                   int
		check                    func(t *testing.T, a answer)
	}{
		{"healthz", "GET", "/healthz", "", 200, func(t *testing.T, a answer) { assert.Equal(t, "ok", a.body["status"]) }},
		{"healthz HEAD", "HEAD", "/healthz", "", 200, nil},
		{"readyz", "GET", "/readyz", "", 200, func(t *testing.T, a answer) { assert.Equal(t, "ready", a.body["status"]) }},
		{"journal.list", "GET", "/__admin/journal?operation=updateMultiPartyCall&path=/v1/phlo/*/multi_party_call/*", "", 200, func(t *testing.T, a answer) {
			assert.Len(t, a.body["entries"], 1)
		}},
		{"journal.list by glob finds nothing else", "GET", "/__admin/journal?path=/v1/phlo/*", "", 200, func(t *testing.T, a answer) {
			assert.Empty(t, a.body["entries"])
		}},
		{"scenarios.list", "GET", "/__admin/scenarios", "", 200, func(t *testing.T, a answer) {
			assert.Equal(t, []any{"transfer-flow"}, a.body["active"])
		}},
		{"calls.list", "GET", "/__admin/calls", "", 200, func(t *testing.T, a answer) { assert.Equal(t, true, a.body["stateful"]) }},
		{"calls.get", "GET", "/__admin/calls/" + phloID + "/" + nodeID, "", 200, func(t *testing.T, a answer) {
			assert.Equal(t, phloID, a.body["phlo_id"])
		}},
		{"calls.history", "GET", "/__admin/calls/" + phloID + "/" + nodeID + "/history", "", 200, nil},
		{"verify", "POST", "/__admin/verify", `{"operation":"updateMultiPartyCall","body":{"action":"call"},"expect":1}`, 200, func(t *testing.T, a answer) {
			assert.Equal(t, 1.0, a.body["count"])
		}},
		{"scenarios.upload", "POST", "/__admin/scenarios?file=teapot.yaml&activate=false", "version: 1\nname: teapot\n", 201, func(t *testing.T, a answer) {
			assert.Equal(t, []any{"transfer-flow"}, a.body["active"])
		}},
		{"scenarios.delete", "DELETE", "/__admin/scenarios/teapot", "", 200, func(t *testing.T, a answer) {
			assert.Equal(t, []any{"transfer-flow"}, a.body["active"])
		}},
		{"scenarios.activate", "PUT", "/__admin/scenarios/active", `{"names":["transfer-flow","slow"]}`, 200, func(t *testing.T, a answer) {
			assert.Equal(t, []any{"transfer-flow", "slow"}, a.body["active"])
		}},
		{"reset", "POST", "/__admin/reset", "", 200, func(t *testing.T, a answer) { assert.Equal(t, "reset", a.body["status"]) }},
		{"ui.index (redirected)", "GET", "/__admin/ui", "", 200, func(t *testing.T, a answer) { assert.Contains(t, a.raw, "<!doctype html") }},
		{"ui", "GET", "/__admin/ui/", "", 200, func(t *testing.T, a answer) { assert.Contains(t, a.raw, "<!doctype html") }},
		{"journal.delete", "DELETE", "/__admin/journal", "", 204, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, a, tt.method, tt.path, tt.body)
			require.Equal(t, tt.status, got.status, "body %s", got.raw)
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func basic() string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	return req.Header.Get("Authorization")
}

// TestControlPlaneErrors: the bodies of the control plane's 404, 405 and
// 400s, exactly.
func TestControlPlaneErrors(t *testing.T) {
	p := newPlane(t)
	a := p.admin.URL
	tests := []struct {
		name, method, path, body string
		status                   int
		error                    string
		allow                    string
	}{
		{name: "no route", method: "GET", path: "/__admin/nope", status: 404,
			error: "No control plane route for GET /__admin/nope."},
		{name: "the API's path", method: "GET", path: "/v1/phlo/x", status: 404,
			error: "No control plane route for GET /v1/phlo/x. GET /v1/phlo/x is the API's (getPhlo): send it to the API's port."},
		{name: "a near miss", method: "PUT", path: "/__admin/scenario/active", status: 404,
			error: `No control plane route for PUT /__admin/scenario/active. Did you mean PUT /__admin/scenarios/active? segment 2: got "scenario", want "scenarios".`},
		{name: "no base", method: "POST", path: "/reset", status: 404,
			error: `No control plane route for POST /reset. Did you mean POST /__admin/reset? the documented paths start with /__admin.`},
		{name: "wrong method", method: "DELETE", path: "/__admin/reset", status: 405,
			error: "Method DELETE is not allowed on /__admin/reset: it takes POST.", allow: "POST"},
		{name: "wrong method, two routes", method: "POST", path: "/__admin/scenarios/active", status: 405,
			error: "Method POST is not allowed on /__admin/scenarios/active: it takes DELETE, PUT.", allow: "DELETE, PUT"},
		{name: "wrong method, several allowed", method: "PUT", path: "/__admin/journal", status: 405,
			error: "Method PUT is not allowed on /__admin/journal: it takes DELETE, GET, HEAD.", allow: "DELETE, GET, HEAD"},
		{name: "unknown query parameter, with a guess", method: "GET", path: "/__admin/journal?operationId=getPhlo", status: 400,
			error: `Unknown query parameter "operationId" (did you mean "operation"?): GET /__admin/journal takes operation, method, path, auth_id, status, scenario, rule, limit, after, since, max_bytes, format, consumer, provider, session.`},
		{name: "unknown query parameters", method: "GET", path: "/__admin/journal?x=1&y=2", status: 400,
			error: `Unknown query parameter "x", "y": GET /__admin/journal takes operation, method, path, auth_id, status, scenario, rule, limit, after, since, max_bytes, format, consumer, provider, session.`},
		{name: "a listing's parameters", method: "GET", path: "/__admin/scenarios?all=true", status: 400,
			error: `Unknown query parameter "all": GET /__admin/scenarios takes after, limit, max_bytes, session.`},
		{name: "journal path is a pattern", method: "GET", path: "/__admin/journal?path=%5B", status: 400,
			error: `Invalid value provided for path. "[" is not a path.Match pattern: syntax error in pattern.`},
		{name: "verify: a type error names the field, not a Go type", method: "POST", path: "/__admin/verify", body: `{"expect":"one"}`, status: 400,
			error: "Invalid JSON body: expect: got a string, want an integer."},
		{name: "activate: a type error names the field, not a Go type", method: "PUT", path: "/__admin/scenarios/active", body: `{"names":"success"}`, status: 400,
			error: "Invalid JSON body: names: got a string, want a list of strings."},
		{name: "activate: not an object", method: "PUT", path: "/__admin/scenarios/active", body: `["success"]`, status: 400,
			error: "Invalid JSON body: got a list, want an object."},
		{name: "activate: an unknown field", method: "PUT", path: "/__admin/scenarios/active", body: `{"name":["success"]}`, status: 400,
			error: `Invalid JSON body: unknown field "name" (did you mean "names"?): want names, times.`},
		{name: "verify: an unknown field", method: "POST", path: "/__admin/verify", body: `{"operaton":"getPhlo"}`, status: 400,
			error: `Invalid JSON body: unknown field "operaton" (did you mean "operation"?): want operation, method, path, path_params, body, headers, auth_id, status, scenario, rule, expect.`},
		{name: "not JSON", method: "POST", path: "/__admin/verify", body: `{"operation":}`, status: 400,
			error: `Invalid JSON body: not JSON at byte 14: '}' looking for beginning of value.`},
		{name: "empty", method: "POST", path: "/__admin/verify", body: ``, status: 400,
			error: `Invalid JSON body: the body is empty: want a JSON object.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, a, tt.method, tt.path, tt.body)
			errorIs(t, got, tt.status, tt.error)
			assert.Equal(t, tt.allow, got.header.Get("Allow"))
			assert.NotContains(t, got.raw, "director.", "no Go type in an answer")
		})
	}
}

// TestControlPlaneUnderPrefix: on the API's port under the prefix, every
// route needs the token but the probes and the dashboard's files; the
// prefix replaces /__admin; everything else is the API's.
func TestControlPlaneUnderPrefix(t *testing.T) {
	p := newPlane(t)
	s := p.single.URL
	bearer := []string{"Authorization", "Bearer " + planeToken}
	const unauthorized = "The control plane needs the header Authorization: Bearer TOKEN, with the token serve was given (--admin-token or PHLOMOCK_ADMIN_TOKEN)."

	assert.Equal(t, 200, do(t, s, "GET", "/mock/healthz", "").status, "probes need no token")
	assert.Equal(t, 200, do(t, s, "GET", "/mock/readyz", "").status)
	assert.Equal(t, 200, do(t, s, "GET", "/mock/ui/", "").status, "the dashboard's files need no token")

	got := do(t, s, "GET", "/mock/scenarios", "")
	errorIs(t, got, 401, unauthorized)
	assert.Equal(t, `Bearer realm="phlomock control plane"`, got.header.Get("WWW-Authenticate"))
	errorIs(t, do(t, s, "GET", "/mock/scenarios", "", "Authorization", "Bearer nope"), 401, unauthorized)
	errorIs(t, do(t, s, "GET", "/mock/nope", ""), 401, unauthorized) // no route discovery without the token
	errorIs(t, do(t, s, "DELETE", "/mock/reset", ""), 401, unauthorized)

	got = do(t, s, "GET", "/mock/scenarios", "", bearer...)
	assert.Equal(t, 200, got.status, got.raw)
	errorIs(t, do(t, s, "GET", "/mock/nope", "", bearer...), 404, "No control plane route for GET /mock/nope.")
	got = do(t, s, "DELETE", "/mock/reset", "", bearer...)
	errorIs(t, got, 405, "Method DELETE is not allowed on /mock/reset: it takes POST.")
	assert.Equal(t, "POST", got.header.Get("Allow"))
	errorIs(t, do(t, s, "GET", "/mock/journal?operationId=x", "", bearer...), 400,
		`Unknown query parameter "operationId" (did you mean "operation"?): GET /__admin/journal takes operation, method, path, auth_id, status, scenario, rule, limit, after, since, max_bytes, format, consumer, provider, session.`)
	errorIs(t, do(t, s, "GET", "/mock/calls/P/N", "", bearer...), 404,
		"No call is simulated: no active scenario is stateful (activate transfer-flow, or a scenario with stateful: true).")

	// The API's own paths, and paths that only start like the prefix.
	got = do(t, s, "GET", phloPath, "", "Authorization", basic())
	assert.Equal(t, 200, got.status, got.raw)
	assert.Equal(t, phloID, got.body["phlo_id"])
	got = do(t, s, "GET", "/mockery", "", bearer...)
	assert.Equal(t, 404, got.status)
	assert.NotContains(t, got.raw, "control plane", "the API's 404, not the control plane's")
	got = do(t, s, "GET", "/v1//phlo/"+phloID, "", "Authorization", basic())
	assert.NotEqual(t, 301, got.status, "a path is never redirected to a cleaned one")
}

func TestAdminPrefixRefusesBadMounts(t *testing.T) {
	doc, err := openapi.Load()
	require.NoError(t, err)
	for _, tt := range []struct{ prefix, token, want string }{
		{"mock", "t", `admin prefix "mock": want a path such as /__admin (leading slash, no trailing slash)`},
		{"/mock/", "t", `admin prefix "/mock/": want a path such as /__admin (leading slash, no trailing slash)`},
		{"/v1/admin", "t", `admin prefix "/v1/admin": it would hide the API's own paths (/v1/...)`},
		{"/mock", "", "admin prefix: the control plane on the API port needs a bearer token"},
	} {
		_, err := fake.New(doc, fake.Config{AdminPrefix: tt.prefix, AdminToken: tt.token})
		require.Error(t, err)
		assert.Equal(t, tt.want, err.Error())
	}
}

// TestDeleteScenario: uploaded scenarios can be deleted, built-ins cannot,
// an active one is refused until another set is active, and a deleted
// scenario that shadowed a built-in gives the name back to the built-in.
func TestDeleteScenario(t *testing.T) {
	p := newPlane(t)
	a := p.admin.URL
	const shadow = "version: 1\nname: server-error\ndescription: my own\nrules: [{respond: 418}]\n"
	up := do(t, a, "POST", "/__admin/scenarios?file=server-error.yaml&activate=false", shadow)
	require.Equal(t, 201, up.status, up.raw)
	assert.Equal(t, []any{`server-error.yaml: scenario "server-error" shadows the built-in scenario of that name: the name now means this file's; rename it to keep both`}, up.body["warnings"])
	require.Equal(t, 201, do(t, a, "POST", "/__admin/scenarios?file=teapot.yaml", "version: 1\nname: teapot\n").status)

	errorIs(t, do(t, a, "DELETE", "/__admin/scenarios/success", ""), 400,
		`Built-in scenario "success" cannot be deleted: only uploaded scenarios can (built-ins are part of phlomock).`)
	errorIs(t, do(t, a, "DELETE", "/__admin/scenarios/nope", ""), 404,
		`Unknown scenario "nope": the uploaded scenarios are server-error, teapot.`)
	errorIs(t, do(t, a, "DELETE", "/__admin/scenarios/teapot", ""), 409,
		`Active scenario "teapot" cannot be deleted while active: activate another set first (PUT /__admin/scenarios/active).`)
	assert.Equal(t, []string{"teapot"}, p.Director.Active(), "a refused delete changes nothing")

	api := httptest.NewServer(p.API)
	defer api.Close()
	r := do(t, api.URL, "GET", phloPath, "", "Authorization", basic(), director.HeaderScenario, "server-error")
	assert.Equal(t, 418, r.status, "the upload shadows the built-in")
	got := do(t, a, "DELETE", "/__admin/scenarios/server-error", "")
	require.Equal(t, 200, got.status, got.raw)
	assert.Equal(t, []any{"teapot"}, got.body["active"])
	r = do(t, api.URL, "GET", phloPath, "", "Authorization", basic(), director.HeaderScenario, "server-error")
	assert.Equal(t, 500, r.status, "deleted: the built-in answers again")

	require.Equal(t, 200, do(t, a, "PUT", "/__admin/scenarios/active", `{"names":["success"]}`).status)
	require.Equal(t, 200, do(t, a, "DELETE", "/__admin/scenarios/teapot", "").status)
	errorIs(t, do(t, a, "DELETE", "/__admin/scenarios/teapot", ""), 404, `Unknown scenario "teapot": the uploaded scenarios are none.`)
	require.NoError(t, p.Director.ActivateNames("success"))
	err := p.Director.ActivateNames("teapot")
	assert.ErrorIs(t, err, director.ErrUnknownScenario)
	assert.ErrorIs(t, p.Director.Unload("success"), director.ErrBuiltinScenario)
}

func TestShadowWarnings(t *testing.T) {
	mine, err := scenarios.Parse("dir/success.yaml", []byte("version: 1\n"))
	require.NoError(t, err)
	other, err := scenarios.Parse("dir/mine.yaml", []byte("version: 1\nname: mine\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{`dir/success.yaml: scenario "success" shadows the built-in scenario of that name: the name now means this file's; rename it to keep both`},
		director.ShadowWarnings(mine, other, nil))
	assert.Empty(t, director.ShadowWarnings(other))
}

// TestControlPlaneDocs: the error answers docs/control-plane.md quotes are
// the ones the control plane gives.
func TestControlPlaneDocs(t *testing.T) {
	raw, err := os.ReadFile("../../docs/control-plane.md")
	require.NoError(t, err)
	doc := string(raw)
	p := newPlane(t)
	a := p.admin.URL
	require.Equal(t, 201, do(t, a, "POST", "/__admin/scenarios?file=teapot.yaml", "version: 1\nname: teapot\n").status)
	for _, tt := range []struct{ method, path, body, want string }{
		{"GET", "/__admin/nope", "", "No control plane route for GET /__admin/nope."},
		{"DELETE", "/__admin/reset", "", "Method DELETE is not allowed on /__admin/reset: it takes POST."},
		{"GET", "/__admin/journal?operationId=x", "", `Unknown query parameter "operationId" (did you mean "operation"?): GET /__admin/journal takes operation, method, path, auth_id, status, scenario, rule, limit, after, since, max_bytes, format, consumer, provider, session.`},
		{"PUT", "/__admin/scenarios/active", `{"names":"success"}`, "Invalid JSON body: names: got a string, want a list of strings."},
		{"PUT", "/__admin/scenarios/active", `{"name":["success"]}`, `Invalid JSON body: unknown field "name" (did you mean "names"?): want names, times.`},
		{"PUT", "/__admin/scenarios/active", `{"names":["success"]} {}`, "Invalid JSON body: data after the JSON value."},
		{"GET", "/__admin/journal?path=%5B", "", `Invalid value provided for path. "[" is not a path.Match pattern: syntax error in pattern.`},
		{"DELETE", "/__admin/scenarios/success", "", `Built-in scenario "success" cannot be deleted: only uploaded scenarios can (built-ins are part of phlomock).`},
		{"DELETE", "/__admin/scenarios/nope", "", `Unknown scenario "nope": the uploaded scenarios are teapot.`},
		{"DELETE", "/__admin/scenarios/teapot", "", `Active scenario "teapot" cannot be deleted while active: activate another set first (PUT /__admin/scenarios/active).`},
	} {
		got := do(t, a, tt.method, tt.path, tt.body)
		assert.Equal(t, tt.want, got.body["error"], "%s %s", tt.method, tt.path)
		assert.Contains(t, doc, "`"+tt.want+"`", "the docs quote it")
	}
}
