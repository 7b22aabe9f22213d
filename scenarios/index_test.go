package scenarios

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// layeredRules is layers scenarios of n rules each, rule j of layer l aimed
// at one of three operations of PHLO "phlo-l-j" (the seed's operation for
// the last rule of each layer), as a fleet of tests sharing one fake writes
// them: the Engine side of mockserver/director's BenchmarkScaleRules.
func layeredRules(tb testing.TB, layers, n int) *Engine {
	tb.Helper()
	ops := []string{"updateMultiPartyCall", "getPhlo", "updateMember"}
	docs := make([]string, layers)
	for l := range docs {
		var y strings.Builder
		y.WriteString("version: 1\nrules:\n")
		for j := range n {
			fmt.Fprintf(&y, "  - {name: r-%d-%d, match: {operation: %s, path_params: {phlo_id: phlo-%d-%d}}, respond: {headers: {X-Rule: r}}}\n",
				l, j, ops[(n-1-j)%len(ops)], l, j)
		}
		docs[l] = y.String()
	}
	return compileYAML(tb, docs...)
}

// BenchmarkEngineRules is Match (and Closest, on a miss) with 5 rules and
// with 500 in five layers, the request matching the last rule tried or none.
func BenchmarkEngineRules(b *testing.B) {
	for _, c := range []struct {
		name      string
		layers, n int
		last      bool
	}{
		{"small-last", 1, 5, true}, {"rules-500-last", 5, 100, true},
		{"small-none", 1, 5, false}, {"rules-500-none", 5, 100, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := layeredRules(b, c.layers, c.n)
			req := callRequest()
			req.PathParams = map[string]string{"phlo_id": "P1", "node_id": "N1"}
			if c.last {
				req.PathParams["phlo_id"] = fmt.Sprintf("phlo-0-%d", c.n-1)
			}
			b.ReportAllocs()
			for b.Loop() {
				a, ok := e.Match(req)
				if ok != c.last {
					b.Fatalf("got match %v, want %v", ok, c.last)
				}
				if ok && a.RuleName != fmt.Sprintf("r-0-%d", c.n-1) {
					b.Fatalf("got rule %s", a.RuleName)
				}
				if !ok && e.Closest(&req) == nil {
					b.Fatal("got no closest rule")
				}
			}
		})
	}
}

// TestIndexSameAsTryingEach: with rules mixing every field an index can be
// keyed by (and values it must not be keyed by: numbers, booleans, null,
// patterns), Match answers each request with the rule trying each rule in
// order would, and Closest explains a miss with the same rule.
func TestIndexSameAsTryingEach(t *testing.T) {
	// Once keyed by the PHLO id, once by a body field.
	for _, bodyKeyed := range []bool{false, true} {
		t.Run(fmt.Sprintf("body-keyed-%v", bodyKeyed), func(t *testing.T) { testIndex(t, bodyKeyed) })
	}
}

func testIndex(t *testing.T, bodyKeyed bool) {
	r := rand.New(rand.NewPCG(1, 16))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	ops := []string{"updateMultiPartyCall", "updateMember", "getPhlo"}
	var y strings.Builder
	y.WriteString("version: 1\nrules:\n")
	for j := range 300 {
		var m []string
		if r.IntN(5) > 0 {
			m = append(m, "operation: "+pick(ops...))
		}
		switch r.IntN(6) {
		case 0, 1, 2:
			if bodyKeyed {
				break
			}
			m = append(m, fmt.Sprintf("path_params: {phlo_id: %q}", pick("p1", "p2", "p3", "p4", "")))
		case 3:
			m = append(m, "path: "+pick("/v1/phlo/p1", "/v1/phlo/p2/", "/v1/phlo/*", "/v1/phlo/p1/multi_party_call/n1"))
		case 4:
			m = append(m, "auth_id: "+pick("A1", "A2"))
		}
		if r.IntN(2) == 0 || bodyKeyed && r.IntN(5) > 0 {
			m = append(m, fmt.Sprintf("body: {action: %q}", pick("call", "hold", "1", "true", "null", "", "[1]")))
		}
		if r.IntN(4) == 0 {
			m = append(m, fmt.Sprintf("headers: {x-test: %q}", pick("a", "b", "")))
		}
		fmt.Fprintf(&y, "  - name: r%d\n    match: {%s}\n", j, strings.Join(m, ", "))
		y.WriteString("    respond: {headers: {X-Rule: r}}\n")
	}
	e := compileYAML(t, y.String())
	tried := 0
	for range 3000 {
		req := Request{
			OperationID: pick(ops...) + pick("", "", "", "x"),
			Method:      "POST",
			PathParams:  map[string]string{"phlo_id": pick("p1", "p2", "p3", "p9"), "node_id": "n1"},
			AuthID:      pick("A1", "A2", ""),
			Header:      http.Header{},
		}
		if r.IntN(3) > 0 {
			req.Header.Set("X-Test", pick("a", "b", ""))
		}
		req.Path = "/v1/phlo/" + req.PathParams["phlo_id"] + pick("", "/", "/multi_party_call/n1")
		switch r.IntN(6) {
		case 0:
		case 1:
			req.Body = map[string]any{"action": 1.0}
		case 2:
			req.Body = map[string]any{"action": true}
		case 3:
			req.Body = map[string]any{"action": nil}
		case 4:
			req.Body = map[string]any{"action": []any{1.0}}
		default:
			req.Body = map[string]any{"action": pick("call", "hold", "1", "")}
		}
		want := ""
		for _, cr := range e.rules {
			if cr.match.Matches(&req) {
				want = cr.name
				break
			}
		}
		a, ok := e.Match(req)
		require.Equalf(t, want != "", ok, "request %+v", req)
		if !ok {
			var best *RuleMiss
			for _, cr := range e.rules {
				if d := cr.match.Diff(&req); cr.match.endpoint(&req) && len(d) > 0 && (best == nil || len(d) < len(best.Differences)) {
					best = &RuleMiss{Rule: cr.label, Differences: d}
				}
			}
			require.Equalf(t, best, e.Closest(&req), "request %+v", req)
			continue
		}
		tried++
		require.Equalf(t, want, a.RuleName, "request %+v", req)
	}
	require.Greater(t, tried, 300, "too few requests matched a rule to test the index")
}
