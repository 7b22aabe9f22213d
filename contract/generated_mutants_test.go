package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// A genMutant is the faithful fake bent at one constraint of the contract:
// req may rewrite the request before the fake sees it (or answer in its
// place), ans the answer after.
type genMutant struct {
	name       string
	constraint string // the JSON pointer of the constraint it breaks
	req        func(op string, r *http.Request, body map[string]any) *mutAnswer
	ans        func(op string, r *http.Request, a *mutAnswer)
	// needsStatus, when set, is the status the mutant bends (of
	// needsOp, or of any operation): a fake that never answers it in a
	// run makes the mutant equivalent to the fake, and it is left out.
	needsOp     string
	needsStatus int
}

type mutAnswer struct {
	status int
	header http.Header
	body   []byte
}

const (
	mutPhlo = "phlo-under-test"
	mutNode = "node-under-test"
)

// generateMutants derives the mutants from contract.Constraints: one per
// constraint and way to break it, and the classes of answers every
// operation shares (a repeated api_id, a charset, duplicate keys, a
// token in each error status, a size limit).
func generateMutants(spec *openapi3.T) []genMutant {
	var out []genMutant
	words := []string{"supervisor", "moderator", "conference", "listener", "barge"}
	for i, c := range contract.Constraints(spec) {
		c := c
		onBody := func(r *http.Request, op string, body map[string]any) bool {
			if op != c.Operation || body == nil {
				return false
			}
			return c.Variant == "" || body["action"] == c.Variant
		}
		name := fmt.Sprintf("%s/%s/%s", c.Operation, c.Kind, strings.Trim(c.Variant+"/"+c.Field, "/"))
		switch c.Kind {
		case contract.KindEnum, contract.KindDiscriminator:
			extra := words[i%len(words)]
			out = append(out, genMutant{name: name + "/widened-" + extra, constraint: c.Pointer,
				req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
					if op == c.Operation && body != nil && body[c.Field] == extra {
						body[c.Field] = c.Values[0]
					}
					return nil
				}})
			// The ways a normalising server widens an enum (enumwords.go
			// derives a word for each): it trims, unifies separators and
			// case, matches a part of a value, or takes any word.
			for _, w := range widenings(c.Values) {
				out = append(out, genMutant{name: name + "/widened-" + w.name, constraint: c.Pointer,
					req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
						if s, ok := body[c.Field].(string); ok && op == c.Operation && !slices.Contains(c.Values, s) {
							if v, ok := w.accept(s); ok {
								body[c.Field] = v
							}
						}
						return nil
					}})
			}
			for _, v := range c.Values {
				out = append(out, genMutant{name: name + "/narrowed-" + v, constraint: c.Pointer,
					req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
						if op == c.Operation && body != nil && body[c.Field] == v && (c.Kind == contract.KindDiscriminator || onBody(r, op, body)) {
							return refusal(400, "Invalid value provided for "+c.Field+".")
						}
						return nil
					}})
			}
		case contract.KindPattern:
			re := regexp.MustCompile(c.Pattern)
			valid := "+14152225555"
			if c.In == "path" {
				out = append(out, genMutant{name: name + "/pattern-dropped", constraint: c.Pointer,
					req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
						return nil // the path is rewritten in serve
					}})
				continue
			}
			out = append(out, genMutant{name: name + "/pattern-dropped", constraint: c.Pointer,
				req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
					if s, ok := body[c.Field].(string); ok && onBody(r, op, body) && !re.MatchString(s) {
						body[c.Field] = valid
					}
					return nil
				}})
		case contract.KindRequired:
			out = append(out, genMutant{name: name + "/required-dropped", constraint: c.Pointer,
				req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
					if _, ok := body[c.Field]; !ok && onBody(r, op, body) {
						body[c.Field] = "+14152225555"
					}
					return nil
				}})
		case contract.KindType:
			out = append(out, genMutant{name: name + "/type-ignored", constraint: c.Pointer,
				req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
					if v, ok := body[c.Field]; ok && onBody(r, op, body) && c.Schema.VisitJSON(v) != nil && v != nil {
						if len(c.Schema.Enum) > 0 {
							body[c.Field] = c.Schema.Enum[0]
						} else {
							body[c.Field] = fmt.Sprint(v)
						}
					}
					return nil
				}})
		case contract.KindSecurity:
			out = append(out, genMutant{name: name + "/bearer-accepted", constraint: c.Pointer,
				req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
					if op == c.Operation && r.Header.Get("Authorization") == "Bearer "+mockserver.DefaultAuthToken {
						r.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
					}
					return nil
				}})
		case contract.KindAccount:
			out = append(out, genMutant{name: name + "/account-ignored", constraint: c.Pointer,
				req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
					if op == c.Operation {
						r.URL.Path = strings.Replace(r.URL.Path, "/account/"+contract.OtherAccountID+"/", "/account/"+mockserver.DefaultAuthID+"/", 1)
					}
					return nil
				}})
		case contract.KindStatus:
			out = append(out, genMutant{name: fmt.Sprintf("%s/%d-changed", name, c.Status), constraint: c.Pointer, needsOp: c.Operation, needsStatus: c.Status,
				ans: func(op string, r *http.Request, a *mutAnswer) {
					if op == c.Operation && a.status == c.Status {
						a.status = http.StatusAccepted
					}
				}})
		case contract.KindEcho:
			out = append(out, genMutant{name: name + "/not-echoed", constraint: c.Pointer, needsOp: c.Operation, needsStatus: c.Status,
				ans: func(op string, r *http.Request, a *mutAnswer) {
					if op == c.Operation && a.status == c.Status {
						editMut(a, func(m map[string]any) {
							if s, ok := m[c.Field].(string); ok {
								m[c.Field] = s + "-other"
							}
						})
					}
				}})
		case contract.KindUniqueID:
			out = append(out, genMutant{name: fmt.Sprintf("%s/%d-repeated", name, c.Status), constraint: c.Pointer, needsOp: c.Operation, needsStatus: c.Status,
				ans: func(op string, r *http.Request, a *mutAnswer) {
					if op == c.Operation && a.status == c.Status {
						editMut(a, func(m map[string]any) { m["api_id"] = "5f0b4cb2-3a4e-4a8f-9d3c-1a2b3c4d5e6f" })
					}
				}})
		}
	}
	// Each error status any operation documents: the token in its text.
	statuses := map[int]bool{}
	for _, path := range spec.Paths.InMatchingOrder() {
		for _, op := range spec.Paths.Value(path).Operations() {
			for code := range op.Responses.Map() {
				if s, err := strconv.Atoi(code); err == nil && s >= 400 {
					statuses[s] = true
				}
			}
		}
	}
	statuses[http.StatusMethodNotAllowed] = true // answered to a method no path defines
	for _, s := range sortedInts(statuses) {
		out = append(out, genMutant{name: fmt.Sprintf("error-%d/token-leaked", s), constraint: "/components/securitySchemes", needsStatus: s,
			ans: func(op string, r *http.Request, a *mutAnswer) {
				if a.status == s {
					editMut(a, func(m map[string]any) {
						m["error"] = fmt.Sprint(m["error"], " (expected token ", mockserver.DefaultAuthToken, ")")
					})
				}
			}})
	}
	out = append(out,
		genMutant{name: "answers/duplicate-keys", constraint: "/components/schemas/Error",
			ans: func(op string, r *http.Request, a *mutAnswer) {
				if a.status >= 400 {
					a.body = bytes.Replace(a.body, []byte(`{`), []byte(`{"error":"x",`), 1)
				}
			}},
		genMutant{name: "answers/trailing-data", constraint: "/components/schemas/ActionResult",
			ans: func(op string, r *http.Request, a *mutAnswer) {
				if a.status < 300 {
					a.body = append(bytes.TrimSpace(a.body), []byte("{}")...)
				}
			}},
		genMutant{name: "answers/charset-latin1", constraint: "/components/responses/Error/content",
			ans: func(op string, r *http.Request, a *mutAnswer) {
				a.header.Set("Content-Type", "application/json; charset=iso-8859-1")
			}},
		genMutant{name: "requests/fail-above-300-bytes", constraint: "/components/schemas",
			req: func(op string, r *http.Request, body map[string]any) *mutAnswer {
				if r.ContentLength > 300 {
					return refusal(500, "internal error")
				}
				return nil
			}},
	)
	return out
}

func sortedInts(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func refusal(status int, text string) *mutAnswer {
	body, _ := json.Marshal(map[string]string{"api_id": newUUID(), "error": text})
	return &mutAnswer{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

func editMut(a *mutAnswer, edit func(m map[string]any)) {
	var m map[string]any
	if json.Unmarshal(a.body, &m) != nil || m == nil {
		return
	}
	edit(m)
	a.body, _ = json.Marshal(m)
}

// opMatcher finds the operation of a request by its method and path.
type opMatcher struct {
	routes []struct {
		re     *regexp.Regexp
		method string
		id     string
	}
}

func newOpMatcher(spec *openapi3.T) *opMatcher {
	m := &opMatcher{}
	for _, path := range spec.Paths.InMatchingOrder() {
		pattern := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "/?$"
		for method, op := range spec.Paths.Value(path).Operations() {
			m.routes = append(m.routes, struct {
				re     *regexp.Regexp
				method string
				id     string
			}{regexp.MustCompile(pattern), method, op.OperationID})
		}
	}
	return m
}

func (m *opMatcher) match(r *http.Request) string {
	for _, rt := range m.routes {
		if rt.method == r.Method && rt.re.MatchString(r.URL.Path) {
			return rt.id
		}
	}
	return ""
}

// mutate wraps the fake with one mutant. The path-pattern mutant rewrites
// a path parameter that breaks its pattern to a valid one.
func mutate(fake http.Handler, ops *opMatcher, m genMutant, pathPattern *regexp.Regexp) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := ops.match(r)
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		if m.req != nil {
			if a := m.req(op, r, body); a != nil {
				writeMut(w, a)
				return
			}
			if body != nil {
				raw, _ = json.Marshal(body)
			}
		}
		if pathPattern != nil {
			segs := strings.Split(r.URL.Path, "/")
			last := segs[len(segs)-1]
			if strings.Contains(r.URL.Path, "/members/") && !pathPattern.MatchString(last) {
				segs[len(segs)-1] = "+14152223333"
				r.URL.Path, r.URL.RawPath = strings.Join(segs, "/"), ""
			}
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(raw)), int64(len(raw))
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		a := &mutAnswer{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		if m.ans != nil {
			m.ans(ops.match(r), r, a)
		}
		writeMut(w, a)
	})
}

func writeMut(w http.ResponseWriter, a *mutAnswer) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// handlerTransport serves requests with a handler, without a socket: the
// mutants are many, and each runs the whole suite.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI, r.RemoteAddr, r.Host = r.URL.RequestURI(), "127.0.0.1:1234", r.URL.Host
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func conformLive(t testing.TB, spec *openapi3.T, cases []contract.Case, h http.Handler) *contract.Report {
	runner := &contract.Runner{Spec: spec, Live: true, NoShrink: true, Concurrency: 16,
		Client: &http.Client{Transport: handlerTransport{h}},
		Target: contract.Target{BaseURL: "http://fake.test", AuthID: mockserver.DefaultAuthID, AuthToken: mockserver.DefaultAuthToken, PhloID: mutPhlo, NodeID: mutNode}}
	rep, err := runner.Run(context.Background(), cases)
	require.NoError(t, err)
	return rep
}

// TestGeneratedMutants is the judge mutation-tested by construction: a
// server mutant per constraint of the contract (contract.Constraints) and
// way of breaking it, each the faithful fake with that one deviation.
// conform --live must pass the faithful fake with no finding and fail
// every mutant; the test prints how many mutants it generated and the
// score.
func TestGeneratedMutants(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	seed := rand.Uint64() % 1_000_000
	cases, err := contract.Generate(spec, contract.GenerateOptions{Seed: seed, MaxExamples: 20})
	require.NoError(t, err)
	t.Logf("seed %d, %d cases", seed, len(cases))
	fake, err := mockserver.New(spec, mockserver.Options{Store: mockserver.State{World: world{mutPhlo, mutNode}}, StrictIDs: true})
	require.NoError(t, err)
	ops := newOpMatcher(spec)

	control := conformLive(t, spec, cases, mutate(fake, ops, genMutant{name: "faithful"}, nil))
	for _, res := range control.Results {
		assert.Empty(t, res.Violations, "faithful fake (seed %d), case %s", seed, res.Case.ID)
	}

	answered := map[string]bool{}
	for _, res := range control.Results {
		answered[fmt.Sprint(res.Case.Operation, res.Status)] = true
		answered[fmt.Sprint("", res.Status)] = true
	}
	var mutants []genMutant
	var equivalent []string
	for _, m := range generateMutants(spec) {
		if m.needsStatus != 0 && !answered[fmt.Sprint(m.needsOp, m.needsStatus)] {
			equivalent = append(equivalent, m.name)
			continue
		}
		mutants = append(mutants, m)
	}
	t.Logf("left out %d mutants of statuses the faithful fake never answers in a run (equivalent to it): %s", len(equivalent), strings.Join(equivalent, ", "))
	var mu sync.Mutex
	caught := 0
	var missed []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, m := range mutants {
		var pathPattern *regexp.Regexp
		if strings.HasSuffix(m.name, "/pattern-dropped") && m.req != nil && strings.Contains(m.constraint, "/parameters/") {
			for _, c := range contract.Constraints(spec) {
				if c.Pointer == m.constraint {
					pathPattern = regexp.MustCompile(c.Pattern)
				}
			}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rep := conformLive(t, spec, cases, mutate(fake, ops, m, pathPattern))
			_, _, failed, _ := rep.Counts()
			mu.Lock()
			defer mu.Unlock()
			if failed > 0 {
				caught++
			} else {
				missed = append(missed, m.name+" ("+m.constraint+")")
			}
		}()
	}
	wg.Wait()
	slices.Sort(missed)
	for _, m := range missed {
		t.Errorf("mutant %s: conform --live passed it (seed %d), want it to fail", m, seed)
	}
	t.Logf("generated mutants: %d; caught %d of %d (score %.0f%%); faithful fake: %d cases, 0 findings wanted", len(mutants), caught, len(mutants), 100*float64(caught)/float64(len(mutants)), len(control.Results))
}

// A widening is a server's lenient reading of an enum: accept says which
// allowed value it takes a word outside the enum for.
type widening struct {
	name   string
	accept func(word string) (string, bool)
}

func widenings(values []string) []widening {
	in := func(w string) (string, bool) { return w, slices.Contains(values, w) }
	ws := []widening{
		{"trimmed", func(w string) (string, bool) { return in(strings.TrimSpace(w)) }},
		{"normalised", func(w string) (string, bool) {
			var b strings.Builder
			for i, r := range strings.TrimSpace(w) {
				switch {
				case r == ' ' || r == '-':
					b.WriteByte('_')
				case r >= 'A' && r <= 'Z' && i > 0:
					b.WriteByte('_')
					b.WriteRune(r + 'a' - 'A')
				default:
					b.WriteRune(r)
				}
			}
			if v, ok := in(strings.ToLower(b.String())); ok {
				return v, true
			}
			for _, v := range values { // the separators dropped
				if strings.ReplaceAll(v, "_", "") == strings.ToLower(w) {
					return v, true
				}
			}
			return "", false
		}},
		{"any-word", func(w string) (string, bool) {
			return values[0], regexp.MustCompile(`^[a-z]+$`).MatchString(w)
		}},
	}
	for _, v := range values {
		if strings.Contains(v, "_") { // a part of a value matches it
			ws = append(ws, widening{"by-part", func(w string) (string, bool) {
				for _, v := range values {
					if w != "" && slices.Contains(strings.Split(v, "_"), w) {
						return v, true
					}
				}
				return "", false
			}})
			break
		}
	}
	return ws
}
