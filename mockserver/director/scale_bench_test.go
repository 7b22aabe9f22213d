package director_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/internal/scalegen"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// The scale benchmarks (issue 16) hold the per-request cost flat as what
// the Director holds grows: each compares a request with a large structure
// to the same request with a small one, in the same run (bench/run judges
// large/small <= 1.2x).

// serveFake is the fake as `phlomock serve` builds it (the default account
// given as --auth-id/--auth-token, --log-level error, the journal on) with
// ss active, in order.
func serveFake(b *testing.B, ss ...*scenarios.Scenario) *fake.Fake {
	b.Helper()
	return serveFakeSessions(b, director.SessionOptions{}, ss...)
}

// serveFakeSessions is serveFake with sessions bounded by so.
func serveFakeSessions(b *testing.B, so director.SessionOptions, ss ...*scenarios.Scenario) *fake.Fake {
	b.Helper()
	doc, err := openapi.Load()
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	accounts := mockserver.StaticAccounts{mockserver.DefaultAuthID: mockserver.DefaultAuthToken}
	srv, err := fake.New(doc, fake.Config{Options: mockserver.Options{Logger: logger}, Accounts: accounts, Sessions: so})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Director.Activate(ss...); err != nil {
		b.Fatal(err)
	}
	return srv
}

// exchange sends one request through h and fails unless it answers want.
func exchange(tb testing.TB, h http.Handler, method, path, body string, want int) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.SetBasicAuth(mockserver.DefaultAuthID, mockserver.DefaultAuthToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		tb.Fatalf("%s %s: got %d %s, want %d", method, path, rec.Code, rec.Body, want)
	}
	return rec
}

// BenchmarkScaleCalls is one stateful step (the customer of transfer-flow's
// call put on hold, then back, in turn) with no other call and with 10,000
// other live calls (someone on each, started by requests: the registry's
// default bound).
func BenchmarkScaleCalls(b *testing.B) {
	for _, live := range []int{0, 10_000} {
		name := "small"
		if live > 0 {
			name = fmt.Sprintf("live-%d", live)
		}
		b.Run(name, func(b *testing.B) {
			flow, err := scenarios.Builtin("transfer-flow")
			if err != nil {
				b.Fatal(err)
			}
			srv := serveFake(b, flow)
			for i := range live {
				path := fmt.Sprintf("/v1/phlo/%s/multi_party_call/node-%d", phloID, i)
				exchange(b, srv.API, "POST", path, `{"action":"call","to":"+14155550100","role":"agent","trigger_source":"+14155550199"}`, http.StatusCreated)
			}
			if calls, _ := srv.Director.Calls(b.Context()); len(calls) != live+1 {
				n := len(calls)
				b.Fatalf("got %d calls, want %d", n, live+1)
			}
			member := memberPath("+14152223333")
			bodies := [2]string{`{"action":"hold"}`, `{"action":"unhold"}`}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				exchange(b, srv.API, "POST", member, bodies[i%2], http.StatusCreated)
				i++
			}
		})
	}
}

// BenchmarkScaleRules is the seed request against rules aimed at PHLOs
// other tests use (a fleet sharing one fake: each test's rules name its
// PHLO), a few in one scenario or 500 in five layered scenarios, the
// request matching the last rule tried (the first scenario's last) or
// matching none (the contract answers; the closest rule is explained).
func BenchmarkScaleRules(b *testing.B) {
	for _, c := range []struct {
		name          string
		layers, rules int
		last          bool
	}{
		{"small-last", 1, 5, true},
		{"rules-500-last", 5, 100, true},
		{"small-none", 1, 5, false},
		{"rules-500-none", 5, 100, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			ss := make([]*scenarios.Scenario, c.layers)
			for i := range ss {
				ss[i] = ruleScenario(b, i, c.rules)
			}
			srv := serveFake(b, ss...)
			phlo, want := "P1", ""
			if c.last {
				// Later scenarios are tried first: the last rule tried is
				// the first scenario's last.
				phlo, want = rulePhlo(0, c.rules-1), ruleName(0, c.rules-1)
			}
			path := "/v1/phlo/" + phlo + "/multi_party_call/N1"
			if got := exchange(b, srv.API, "POST", path, seedBody, http.StatusCreated).Header().Get("X-Rule"); got != want {
				b.Fatalf("got rule %q, want %q", got, want)
			}
			if e := srv.Journal().Entries(mockserver.Filter{Limit: 1})[0]; !c.last && e.ClosestRule == nil {
				b.Fatal("got no closest rule, want one explaining the miss")
			}
			b.ReportAllocs()
			for b.Loop() {
				exchange(b, srv.API, "POST", path, seedBody, http.StatusCreated)
			}
		})
	}
}

// ruleScenario is scalegen's layer of n rules, parsed as --scenario
// parses a file.
func ruleScenario(tb testing.TB, layer, n int) *scenarios.Scenario {
	tb.Helper()
	s, err := scalegen.ParseRuleScenario(layer, n)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func ruleName(layer, j int) string { return scalegen.RuleName(layer, j) }
func rulePhlo(layer, j int) string { return scalegen.RulePHLO(layer, j) }
