package director_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/scenarios"
)

// walkPages reads a listing page after page (?after=NEXT) with a byte
// budget and checks each page: its items' JSON within max_bytes (but for
// a page of one), the budget reported, a cursor when more follow. It
// returns the keys of every item, in order.
func walkPages(t *testing.T, base, path, field string, budget int, key func(json.RawMessage) string) []string {
	t.Helper()
	var keys []string
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "paging does not end")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		a := do(t, base, "GET", fmt.Sprintf("%s%smax_bytes=%d&after=%s", path, sep, budget, after), "")
		require.Equal(t, 200, a.status, a.raw)
		var page map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(a.raw), &page))
		var items []json.RawMessage
		require.NoError(t, json.Unmarshal(page[field], &items))
		require.NotEmpty(t, items, "page %d: %s", pages, a.raw)
		size := 0
		for _, it := range items {
			size += len(it) + 1
			keys = append(keys, key(it))
		}
		if len(items) > 1 {
			assert.LessOrEqual(t, size, budget, "page %d: %d items", pages, len(items))
		}
		assert.Equal(t, fmt.Sprint(budget), string(page["max_bytes"]), "the page reports its budget")
		if string(page["more"]) != "true" {
			return keys
		}
		require.NoError(t, json.Unmarshal(page["next"], &after))
		require.Equal(t, keys[len(keys)-1], after, "next is the last item's cursor")
	}
}

func nameOf(raw json.RawMessage) string {
	var v struct {
		Name, ID string
	}
	_ = json.Unmarshal(raw, &v)
	return v.Name + v.ID
}

// Scenarios whose descriptions are made of "<" (six bytes each in JSON):
// GET /__admin/scenarios pages them within max_bytes, every one listed
// once; a bad budget is refused naming the parameter.
func TestScenariosListingByteBudget(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	var want []string
	for i := range 12 {
		name := fmt.Sprintf("big-%02d", i)
		yaml := fmt.Sprintf("version: 1\nname: %s\ndescription: %q\nrules:\n  - match: {operation: getPhlo}\n    respond: 418\n", name, strings.Repeat("<", 3000))
		a := do(t, s.AdminURL, "POST", "/__admin/scenarios?activate=false", yaml, "Content-Type", "application/yaml")
		require.Equal(t, 201, a.status, a.raw)
		want = append(want, name)
	}
	keys := walkPages(t, s.AdminURL, "/__admin/scenarios", "available", 1<<15, nameOf)
	var got []string
	for _, k := range keys {
		if strings.HasPrefix(k, "big-") {
			got = append(got, k)
		}
	}
	assert.Equal(t, want, got)
	assert.Len(t, keys, len(scenarios.BuiltinNames())+len(want), "every scenario once")
	a := do(t, s.AdminURL, "GET", "/__admin/scenarios?max_bytes=12", "")
	assert.Equal(t, 400, a.status)
	assert.Contains(t, a.raw, "max_bytes expects an integer from 1024")
}

// POST /__admin/verify's near misses, from requests whose bodies are 64 KiB
// of "<": each difference is cut, and the list stays within its budget.
func TestVerifyNearByteBudget(t *testing.T) {
	s := faketest.NewServer(t, fake.Config{})
	big := strings.Repeat("<", 64<<10)
	for range 5 {
		r := send(t, s, "POST", nodePath, map[string]any{"action": "call", "to": big, "role": "agent", "trigger_source": big})
		require.NotZero(t, r.status)
	}
	a := do(t, s.AdminURL, "POST", "/__admin/verify", `{"method":"POST","path":"`+nodePath+`","body":{"to":"+14150000000"}}`, "Content-Type", "application/json")
	require.Equal(t, 200, a.status, a.raw[:min(len(a.raw), 500)])
	var res director.VerifyResult
	require.NoError(t, json.Unmarshal([]byte(a.raw), &res))
	require.Zero(t, res.Count)
	require.NotEmpty(t, res.Near)
	assert.Equal(t, 64<<10, res.NearMaxBytes)
	near, err := json.Marshal(res.Near)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(near), res.NearMaxBytes)
	for _, m := range res.Near {
		for _, d := range m.Differences {
			assert.LessOrEqual(t, len(d), 1100, "a difference is cut: %.80s", d)
		}
	}
}

// GET /__admin/sessions pages the sessions by id within the budget.
func TestSessionsListingPaged(t *testing.T) {
	f := newSessionFake(t, director.SessionOptions{})
	var want []string
	for range 30 {
		a := f.create(t, "")
		want = append(want, a.body["id"].(string))
	}
	keys := walkPages(t, f.admin, "/__admin/sessions?limit=1000", "sessions", 1024, nameOf)
	assert.ElementsMatch(t, want, keys, "every session once")
	assert.IsIncreasing(t, keys)
}

// GET /__admin/calls pages the calls by PHLO and node: a world of 12
// nodes read 5 at a time, then within a byte budget, each call once.
func TestCallsListingPaged(t *testing.T) {
	var nodes strings.Builder
	for i := range 12 {
		fmt.Fprintf(&nodes, "        - id: %08d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n          members: [{address: \"+1415222%04d\", role: agent}]\n", i, i)
	}
	yaml := "version: 1\nname: many\nstateful: true\nworld:\n  phlos:\n    - id: " + phloID + "\n      nodes:\n" + nodes.String()
	s := faketest.NewServer(t, fake.Config{})
	a := do(t, s.AdminURL, "POST", "/__admin/scenarios", yaml, "Content-Type", "application/yaml")
	require.Equal(t, 201, a.status, a.raw)
	callKey := func(raw json.RawMessage) string {
		var c struct {
			PhloID string `json:"phlo_id"`
			NodeID string `json:"node_id"`
		}
		require.NoError(t, json.Unmarshal(raw, &c))
		return c.PhloID + "/" + c.NodeID
	}
	byLimit := walkPages(t, s.AdminURL, "/__admin/calls?limit=5", "calls", 1<<20, callKey)
	byBytes := walkPages(t, s.AdminURL, "/__admin/calls", "calls", 1024, callKey)
	assert.Len(t, byLimit, 12)
	assert.Equal(t, byLimit, byBytes)
	assert.IsIncreasing(t, byLimit)
}

// GET /__admin/callbacks pages the attempts by callback and try, within a
// byte budget: the transfer flow's six callbacks, each once.
func TestCallbacksListingPaged(t *testing.T) {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer rcv.Close()
	f := newCallbackFake(t, callbacks.Config{}, transferCallbacks(rcv.URL+"/events", ""))
	coldTransferFlow(t, f)
	require.Eventually(t, func() bool { return f.cb.Stats().Pending == 0 && f.cb.Stats().Delivered == 6 }, 10*time.Second, 5*time.Millisecond)
	attemptKey := func(raw json.RawMessage) string {
		var a struct{ ID, Try uint64 }
		require.NoError(t, json.Unmarshal(raw, &a))
		return fmt.Sprintf("%020d.%06d", a.ID, a.Try)
	}
	keys := walkPages(t, f.admin.URL, "/__admin/callbacks", "attempts", 1024, attemptKey)
	assert.Len(t, keys, 6)
	assert.IsIncreasing(t, keys)
}
