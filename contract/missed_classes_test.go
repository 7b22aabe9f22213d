package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// missedClasses are the deviations conform let through before it derived
// its cases from the contract (issue 25), each written as a server would
// ship it, on top of the faithful fake. The test uses only the API conform
// had then (Generate, Runner, Report), so it runs against that code too,
// where every "caught" row failed.
var missedClasses = []struct {
	name string
	// rewrite bends the fake: the request before it, the answer after.
	before func(r *http.Request, body []byte) []byte
	after  func(r *http.Request, status *int, h http.Header, body []byte) []byte
	caught bool // false: a faithful server conform must not flag
}{
	{name: "api-id-constant", after: func(r *http.Request, st *int, h http.Header, b []byte) []byte {
		return setField(b, "api_id", "5f0b4cb2-3a4e-4a8f-9d3c-1a2b3c4d5e6f")
	}, caught: true},
	{name: "role-customer-refused", after: refuseWhen(`"role":"customer"`, "Invalid value provided for role."), caught: true},
	{name: "member-mute-refused", after: refuseWhen(`"action":"mute"`, "Invalid value provided for action."), caught: true},
	{name: "token-in-401", after: func(r *http.Request, st *int, h http.Header, b []byte) []byte {
		if *st != http.StatusUnauthorized {
			return b
		}
		return setField(b, "error", "Authentication failed: expected token "+mockserver.DefaultAuthToken)
	}, caught: true},
	{name: "fails-above-300-bytes", before: func(r *http.Request, b []byte) []byte {
		if len(b) > 300 {
			return []byte("fail-500")
		}
		return b
	}, caught: true},
	{name: "to-pattern-ignored", before: func(r *http.Request, b []byte) []byte {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil && m != nil {
			if s, ok := m["to"].(string); ok && s != "" && s != "+14152225555" && !strings.HasPrefix(s, "sip:") {
				m["to"] = "+14152225555"
				b, _ = json.Marshal(m)
			}
		}
		return b
	}, caught: true},
	{name: "duplicate-keys", after: func(r *http.Request, st *int, h http.Header, b []byte) []byte {
		return bytes.Replace(b, []byte("{"), []byte(`{"api_id":"5f0b4cb2-3a4e-4a8f-9d3c-1a2b3c4d5e6f",`), 1)
	}, caught: true},
	{name: "charset-latin1", after: func(r *http.Request, st *int, h http.Header, b []byte) []byte {
		h.Set("Content-Type", "application/json; charset=iso-8859-1")
		return b
	}, caught: true},
	{name: "other-account-accepted", before: func(r *http.Request, b []byte) []byte {
		if i := strings.Index(r.URL.Path, "/account/"); i >= 0 {
			rest := r.URL.Path[i+len("/account/"):]
			if j := strings.Index(rest, "/"); j >= 0 {
				r.URL.Path = r.URL.Path[:i] + "/account/" + mockserver.DefaultAuthID + rest[j:]
				r.URL.RawPath = ""
			}
		}
		return b
	}, caught: true},
	{name: "phlo-id-not-echoed", after: func(r *http.Request, st *int, h http.Header, b []byte) []byte {
		if *st < 300 && strings.Contains(string(b), `"phlo_id"`) {
			return setField(b, "phlo_id", "another-phlo")
		}
		return b
	}, caught: true},
	{name: "role-widened-supervisor", before: func(r *http.Request, b []byte) []byte {
		return bytes.ReplaceAll(b, []byte(`"role":"supervisor"`), []byte(`"role":"agent"`))
	}, caught: true},
	{name: "validates-to-before-action", before: func(r *http.Request, b []byte) []byte {
		// A faithful server that checks the fields a node action needs
		// before the action: {"action":"hold"} on a node path lacks to.
		if strings.Contains(r.URL.Path, "/multi_party_call/") && !strings.Contains(r.URL.Path, "/members/") &&
			!bytes.Contains(b, []byte(`"to"`)) && bytes.Contains(b, []byte(`"action":"hold"`)) {
			return []byte("to-first")
		}
		return b
	}, caught: false},
}

// refuseWhen refuses, with a 400 saying text, the requests the fake
// accepted whose body contains substr.
func refuseWhen(substr, text string) func(r *http.Request, st *int, h http.Header, b []byte) []byte {
	return func(r *http.Request, st *int, h http.Header, b []byte) []byte {
		if sent, _ := r.Context().Value(sentBody{}).([]byte); *st < 300 && bytes.Contains(sent, []byte(substr)) {
			*st = http.StatusBadRequest
			return []byte(`{"api_id":"` + newUUID() + `","error":"` + text + `"}`)
		}
		return b
	}
}

// sentBody keys the request body in the request's context, for after.
type sentBody struct{}

func setField(b []byte, k string, v any) []byte {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil || m == nil {
		return b
	}
	m[k] = v
	out, _ := json.Marshal(m)
	return out
}

func TestMissedClasses(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := contract.Generate(spec, contract.GenerateOptions{})
	require.NoError(t, err)
	fake, err := mockserver.New(spec, mockserver.Options{Store: mockserver.State{World: world{mutPhlo, mutNode}}, StrictIDs: true})
	require.NoError(t, err)
	for _, mc := range missedClasses {
		t.Run(mc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if mc.before != nil {
					body = mc.before(r, body)
					switch {
					case string(body) == "fail-500":
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusInternalServerError)
						_, _ = w.Write([]byte(`{"api_id":"` + newUUID() + `","error":"internal error"}`))
						return
					case string(body) == "to-first" || strings.HasPrefix(string(body), "refuse:"):
						text := "to is a mandatory param."
						if s, ok := strings.CutPrefix(string(body), "refuse:"); ok {
							text = s
						}
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusBadRequest)
						_, _ = w.Write([]byte(`{"api_id":"` + newUUID() + `","error":"` + text + `"}`))
						return
					}
				}
				r = r.WithContext(context.WithValue(r.Context(), sentBody{}, body))
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
				rec := httptest.NewRecorder()
				fake.ServeHTTP(rec, r)
				st, hdr, b := rec.Code, rec.Header().Clone(), rec.Body.Bytes()
				if mc.after != nil {
					b = mc.after(r, &st, hdr, b)
				}
				for k, v := range hdr {
					w.Header()[k] = v
				}
				w.Header().Del("Content-Length")
				w.WriteHeader(st)
				_, _ = w.Write(b)
			})
			srv := httptest.NewServer(h)
			defer srv.Close()
			runner := &contract.Runner{Spec: spec, Live: true, Client: srv.Client(),
				Target: contract.Target{BaseURL: srv.URL, AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken, PhloID: mutPhlo, NodeID: mutNode}}
			rep, err := runner.Run(context.Background(), cases)
			require.NoError(t, err)
			_, _, failed, _ := rep.Counts()
			if mc.caught {
				assert.NotZero(t, failed, "%s: conform --live passed a server with this deviation", mc.name)
				return
			}
			for _, res := range rep.Results {
				assert.Empty(t, res.Violations, "%s: a faithful server flagged on %s", mc.name, res.Case.ID)
			}
		})
	}
}
