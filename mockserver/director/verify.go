package director

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/phlomock/phlomock/internal/jsonread"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// A Pattern selects journal entries, WireMock-style: empty fields match
// anything, all set fields must match. The request fields are those of a
// scenario rule's match and are compared by the same matcher
// (scenarios.Matcher: path.Match paths with the trailing slash ignored,
// body fields as text), so a pattern that selects a journal entry is one a
// rule would have matched; Status, Scenario and Rule select what answered.
//
// A journal entry keeps the body as sent, so body fields are those the
// client wrote, before the fake's leniencies (a rule sees them after).
type Pattern struct {
	Operation  string            `json:"operation,omitempty"`
	Method     string            `json:"method,omitempty"`
	Path       string            `json:"path,omitempty"`
	PathParams map[string]string `json:"path_params,omitempty"`
	Body       map[string]any    `json:"body,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	AuthID     string            `json:"auth_id,omitempty"`
	Status     int               `json:"status,omitempty"`
	Scenario   string            `json:"scenario,omitempty"`
	Rule       string            `json:"rule,omitempty"`
}

// Match reports whether e is one of the requests p selects (a pattern with
// a bad path selects nothing).
func (p *Pattern) Match(e *mockserver.Entry) bool {
	m, err := p.compile()
	return err == nil && m.match(e)
}

// Diff says, one line per field, how e differs from p: nothing when p
// matches e.
func (p *Pattern) Diff(e *mockserver.Entry) []string {
	m, err := p.compile()
	if err != nil {
		return []string{"path: " + err.Error()}
	}
	return lines(m.diff(e))
}

func lines(ds []scenarios.Difference) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

// patternMatcher is a Pattern compiled once for a walk over the journal.
type patternMatcher struct {
	p       *Pattern
	m       *scenarios.Matcher
	hasBody bool
	// fields is the body of the entry being matched, reused from one
	// entry to the next: a walk is one goroutine's.
	fields map[string]any
}

func (p *Pattern) compile() (*patternMatcher, error) {
	body := make(map[string]string, len(p.Body))
	for k, v := range p.Body {
		body[k] = asText(v)
	}
	m, err := scenarios.NewMatcher(scenarios.Match{
		Operation: p.Operation, Method: p.Method, Path: p.Path, PathParams: p.PathParams,
		Body: body, Headers: p.Headers, AuthID: p.AuthID,
	})
	if err != nil {
		return nil, err
	}
	return &patternMatcher{p: p, m: m, hasBody: len(p.Body) > 0, fields: make(map[string]any, 8)}, nil
}

// request is e as the matcher sees a request.
func (pm *patternMatcher) request(e *mockserver.Entry) *scenarios.Request {
	req := &scenarios.Request{
		OperationID: e.OperationID, Method: e.Method, Path: e.Path, PathParams: e.PathParams,
		Header: e.Header, AuthID: e.AuthID,
	}
	if pm.hasBody {
		// The journal's bodies are mostly flat objects of strings, which
		// jsonread reads as encoding/json does, several times faster.
		if jsonread.ParseInto(strings.TrimSpace(e.Body), pm.fields) {
			req.Body = pm.fields
		} else {
			_ = json.Unmarshal([]byte(e.Body), &req.Body) // not an object: no fields
		}
	}
	return req
}

// match reads e's body only when everything else matches and the pattern
// names body fields, and a flat body without decoding it
// (scenarios.Matcher.MatchesRaw): a walk over a full journal allocates
// nothing per entry.
func (pm *patternMatcher) match(e *mockserver.Entry) bool {
	p := pm.p
	if (p.Status != 0 && p.Status != e.Status) || (p.Scenario != "" && p.Scenario != e.Scenario) || (p.Rule != "" && p.Rule != e.Rule) {
		return false
	}
	req := scenarios.Request{
		OperationID: e.OperationID, Method: e.Method, Path: e.Path, PathParams: e.PathParams,
		Header: e.Header, AuthID: e.AuthID,
	}
	return pm.m.MatchesRaw(&req, e.Body)
}

func (pm *patternMatcher) diff(e *mockserver.Entry) []scenarios.Difference {
	p := pm.p
	ds := pm.m.Diff(pm.request(e))
	if p.Status != 0 && p.Status != e.Status {
		ds = append(ds, scenarios.Difference{Field: "status", Want: strconv.Itoa(p.Status), Got: strconv.Itoa(e.Status)})
	}
	if p.Scenario != "" && p.Scenario != e.Scenario {
		ds = append(ds, scenarios.Difference{Field: "scenario", Want: p.Scenario, Got: e.Scenario})
	}
	if p.Rule != "" && p.Rule != e.Rule {
		ds = append(ds, scenarios.Difference{Field: "rule", Want: p.Rule, Got: e.Rule})
	}
	return ds
}

// asText is a JSON value as the text a scenario file would write for it.
func asText(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// count returns how many entries m matches.
func count(entries []*mockserver.Entry, m *patternMatcher) int {
	n := 0
	for _, e := range entries {
		if m.match(e) {
			n++
		}
	}
	return n
}

// journalQuery are the query parameters of GET /__admin/journal: the
// fields of a Pattern that a query can hold, and the page's.
var journalQuery = append([]string{"operation", "method", "path", "auth_id", "status", "scenario", "rule", "limit", "after", "since", "max_bytes"}, mockserver.JournalFormatQuery...)

// journalHandler answers a page of the journal entries a Pattern given in
// the query selects (mockserver.ParsePageQuery: the latest limit of them,
// or the first limit after a cursor): the same matcher as verification, so
// a path filter is a path.Match pattern there too.
func journalHandler(journal *mockserver.Journal) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p := Pattern{Operation: q.Get("operation"), Method: q.Get("method"), Path: q.Get("path"), AuthID: q.Get("auth_id"),
			Scenario: q.Get("scenario"), Rule: q.Get("rule")}
		if v := q.Get("status"); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 {
				mockserver.WriteError(w, http.StatusBadRequest, "Invalid value provided for status. status expects a/an non-negative integer.")
				return
			}
			p.Status = i
		}
		pq, err := mockserver.ParsePageQuery(q)
		if err != nil {
			mockserver.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		m, err := p.compile()
		if err != nil {
			mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value provided for path. %q is not a path.Match pattern: %v.", p.Path, errors.Unwrap(err)))
			return
		}
		if mockserver.ServeJournalFormat(w, r, journal, m.match) {
			return
		}
		page, err := journal.PageContext(r.Context(), pq, m.match)
		if err != nil {
			writeStoreError(w, err)
			return
		}
		mockserver.WriteJournalPage(w, r, page)
	})
}

// VerifyRequest is the body of POST /__admin/verify: a pattern and,
// optionally, the count it must have.
type VerifyRequest struct {
	Pattern
	Expect *int `json:"expect,omitempty"`
}

// VerifyResult is the answer of POST /__admin/verify: 200, or 417 when
// Expect was given and differs from Count.
type VerifyResult struct {
	Count  int    `json:"count"`
	Expect *int   `json:"expect,omitempty"`
	Error  string `json:"error,omitempty"`
	// Near lists, when nothing matched, the requests that came closest
	// (fewest differing fields, at most three), latest first. Each
	// difference is cut to nearLineBytes, and the list to NearMaxBytes of
	// JSON (at least one), whatever the requests' bodies hold.
	Near []NearMiss `json:"near,omitempty"`
	// NearMaxBytes is Near's byte budget, NearMore that near misses were
	// left out for it (there is no cursor: they are the closest three).
	NearMaxBytes int  `json:"near_max_bytes,omitempty"`
	NearMore     bool `json:"near_more,omitempty"`
}

// A NearMiss is a journal entry that a pattern almost matched.
type NearMiss struct {
	Seq         uint64   `json:"seq"`
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	OperationID string   `json:"operation_id,omitempty"`
	Differences []string `json:"differences"`
}

// nearMisses is how many near misses a verification lists, nearBytes the
// most bytes of JSON they take (but for one larger than it), and
// nearLineBytes the most bytes of a difference (a body can be quoted).
const (
	nearMisses    = 3
	nearBytes     = 64 << 10
	nearLineBytes = 1 << 10
)

// cut shortens a difference to nearLineBytes, saying how long it was.
func cut(line string) string {
	if len(line) <= nearLineBytes {
		return line
	}
	end := nearLineBytes
	for end > 0 && !utf8.RuneStart(line[end]) {
		end--
	}
	return fmt.Sprintf("%s... (%d bytes)", line[:end], len(line))
}

// near returns the entries m came closest to matching, at most n, fewest
// differences first, then latest first. Entries m matches are left out.
func near(entries []*mockserver.Entry, m *patternMatcher, n int) []NearMiss {
	// The best n so far, kept sorted: a whole journal of misses is never
	// held, only n of them.
	out := make([]NearMiss, 0, n+1)
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		d := m.diff(e)
		if len(d) == 0 || len(out) == n && len(d) >= len(out[n-1].Differences) {
			continue
		}
		diffs := lines(d)
		for i := range diffs {
			diffs[i] = cut(diffs[i])
		}
		miss := NearMiss{Seq: e.Seq, Method: e.Method, Path: cut(e.Path), OperationID: e.OperationID, Differences: diffs}
		at, _ := slices.BinarySearchFunc(out, len(diffs)+1, func(x NearMiss, k int) int { return len(x.Differences) - k })
		// at: after every kept miss with as few differences (latest first).
		out = slices.Insert(out, at, miss)
		if len(out) > n {
			out = out[:n]
		}
	}
	return out
}

// fitNear cuts res.Near to nearBytes of JSON, keeping at least one.
func fitNear(res *VerifyResult) {
	if len(res.Near) == 0 {
		return
	}
	res.NearMaxBytes = nearBytes
	used := 0
	for i := range res.Near {
		size := jsonSize(&res.Near[i]) + 1
		if i > 0 && used+size > nearBytes {
			res.Near, res.NearMore = res.Near[:i], true
			return
		}
		used += size
	}
}

func verifyHandler(journal *mockserver.Journal) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req VerifyRequest
		if !decodeJSON(w, r, &req) {
			return
		}
		m, err := req.Pattern.compile()
		if err != nil {
			mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value provided for path. %q is not a path.Match pattern: %v.", req.Path, errors.Unwrap(err)))
			return
		}
		entries, err := journal.EntriesContext(r.Context(), mockserver.Filter{})
		if err != nil {
			writeStoreError(w, err)
			return
		}
		res := VerifyResult{Count: count(entries, m), Expect: req.Expect}
		if res.Count == 0 {
			res.Near = near(entries, m, nearMisses)
			fitNear(&res)
		}
		status := http.StatusOK
		if req.Expect != nil && *req.Expect != res.Count {
			status = http.StatusExpectationFailed
			res.Error = fmt.Sprintf("Expected %d matching requests, got %d.", *req.Expect, res.Count)
		}
		mockserver.WriteJSON(w, status, res)
	})
}
