package contract_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/phlomock/phlomock/openapi"
	"github.com/stretchr/testify/require"
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

// newReference returns a minimal server that conforms to the spec, built on
// kin-openapi's request validation: the yardstick the deviant servers bend.
// It is not the fake (package mockserver is); it only proves the suite.
func newReference(tb testing.TB) http.Handler {
	tb.Helper()
	spec, err := openapi.Load()
	require.NoError(tb, err)
	spec.Servers = openapi3.Servers{{URL: "/"}}
	router, err := legacy.NewRouter(spec)
	require.NoError(tb, err)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := router.FindRoute(r)
		switch {
		case errors.Is(err, routers.ErrMethodNotAllowed):
			refError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		case err != nil:
			refError(w, http.StatusNotFound, "not found")
			return
		}
		if id, token, ok := r.BasicAuth(); !ok || id != refAuthID || token != refToken {
			refError(w, http.StatusUnauthorized, "authentication failed")
			return
		}
		if p, ok := params["phlo_id"]; ok && p != refPhloID {
			refError(w, http.StatusNotFound, "phlo not found")
			return
		}
		if n, ok := params["node_id"]; ok && n != refNodeID {
			refError(w, http.StatusNotFound, "node not found")
			return
		}
		in := &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			refError(w, http.StatusBadRequest, "invalid request")
			return
		}
		switch route.Operation.OperationID {
		case "getPhlo":
			refJSON(w, http.StatusOK, map[string]any{"api_id": refAPIID, "phlo_id": refPhloID, "name": "p", "created_on": refCreated})
		case "getMultiPartyCall":
			refJSON(w, http.StatusOK, map[string]any{"api_id": refAPIID, "phlo_id": refPhloID, "node_id": refNodeID,
				"name": "Multi-Party Call_1", "node_type": "multi_party_call", "created_on": refCreated})
		case "runPhlo":
			refJSON(w, http.StatusCreated, map[string]any{"api_id": refAPIID, "phlo_id": refPhloID, "phlo_run_id": refAPIID, "message": "started"})
		default:
			refJSON(w, http.StatusCreated, map[string]any{"api_id": refAPIID, "error": ""})
		}
	})
}

func refError(w http.ResponseWriter, status int, msg string) {
	refJSON(w, status, map[string]any{"api_id": refAPIID, "error": msg})
}

func refJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
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
