package scripted

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
)

// A Pattern selects journal entries, WireMock-style: empty fields match
// anything, all set fields must match.
type Pattern struct {
	Operation string `json:"operation,omitempty"`
	Method    string `json:"method,omitempty"`
	// Path is a path.Match pattern ("*" is one segment), compared with the
	// path as received without its trailing slash.
	Path       string            `json:"path,omitempty"`
	PathParams map[string]string `json:"path_params,omitempty"`
	// Body fields are compared with the top-level fields of the JSON body,
	// as text: 1, "1" and 1.0 are equal.
	Body   map[string]any `json:"body,omitempty"`
	AuthID string         `json:"auth_id,omitempty"`
	Status int            `json:"status,omitempty"`
	Rule   string         `json:"rule,omitempty"`
}

// Match reports whether e is one of the requests p selects.
func (p *Pattern) Match(e *mockserver.Entry) bool { return len(p.Diff(e)) == 0 }

// Diff says, one line per field, how e differs from p: nothing when p
// matches e.
func (p *Pattern) Diff(e *mockserver.Entry) []string {
	var diffs []string
	differ := func(field string, got, want any) {
		diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", field, quoteText(got), quoteText(want)))
	}
	if p.Operation != "" && p.Operation != e.OperationID {
		differ("operation", e.OperationID, p.Operation)
	}
	if p.Method != "" && !strings.EqualFold(p.Method, e.Method) {
		differ("method", e.Method, p.Method)
	}
	if p.Path != "" {
		got := e.Path
		if len(got) > 1 {
			got = strings.TrimSuffix(got, "/")
		}
		if ok, _ := path.Match(strings.TrimSuffix(p.Path, "/"), got); !ok && p.Path != e.Path {
			differ("path", e.Path, p.Path)
		}
	}
	for _, k := range sortedKeys(p.PathParams) {
		if got, want := e.PathParams[k], p.PathParams[k]; got != want {
			differ("path_params."+k, got, want)
		}
	}
	if p.AuthID != "" && p.AuthID != e.AuthID {
		differ("auth_id", e.AuthID, p.AuthID)
	}
	if p.Status != 0 && p.Status != e.Status {
		differ("status", e.Status, p.Status)
	}
	if p.Rule != "" && p.Rule != e.Rule {
		differ("rule", e.Rule, p.Rule)
	}
	if len(p.Body) > 0 {
		var body map[string]any
		if json.Unmarshal([]byte(e.Body), &body) != nil {
			diffs = append(diffs, "body: not a JSON object")
			return diffs
		}
		for _, k := range sortedKeys(p.Body) {
			got, ok := body[k]
			switch {
			case !ok:
				diffs = append(diffs, fmt.Sprintf("body.%s: missing, want %s", k, quoteText(asText(p.Body[k]))))
			case asText(got) != asText(p.Body[k]):
				differ("body."+k, asText(got), asText(p.Body[k]))
			}
		}
	}
	return diffs
}

func quoteText(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
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

// Count returns how many entries p matches.
func Count(entries []*mockserver.Entry, p *Pattern) int {
	n := 0
	for _, e := range entries {
		if p.Match(e) {
			n++
		}
	}
	return n
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
	// (fewest differing fields, at most NearMisses), latest first.
	Near []NearMiss `json:"near,omitempty"`
}

// A NearMiss is a journal entry that a pattern almost matched.
type NearMiss struct {
	Seq         uint64   `json:"seq"`
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	OperationID string   `json:"operation_id,omitempty"`
	Differences []string `json:"differences"`
}

// NearMisses is how many near misses a verification lists.
const NearMisses = 3

// Near returns the entries p came closest to matching, at most n, fewest
// differences first, then latest first. Entries p matches are left out.
func Near(entries []*mockserver.Entry, p *Pattern, n int) []NearMiss {
	var out []NearMiss
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if d := p.Diff(e); len(d) > 0 {
			out = append(out, NearMiss{Seq: e.Seq, Method: e.Method, Path: e.Path, OperationID: e.OperationID, Differences: d})
		}
	}
	slices.SortStableFunc(out, func(a, b NearMiss) int { return len(a.Differences) - len(b.Differences) })
	return out[:min(n, len(out))]
}

func verifyHandler(journal *mockserver.Journal) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req VerifyRequest
		if !decodeJSON(w, r, &req) {
			return
		}
		if _, err := path.Match(req.Path, ""); err != nil {
			mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value provided for path. %q is not a path.Match pattern: %v.", req.Path, err))
			return
		}
		entries := journal.Entries(mockserver.Filter{})
		res := VerifyResult{Count: Count(entries, &req.Pattern), Expect: req.Expect}
		if res.Count == 0 {
			res.Near = Near(entries, &req.Pattern, NearMisses)
		}
		status := http.StatusOK
		if req.Expect != nil && *req.Expect != res.Count {
			status = http.StatusExpectationFailed
			res.Error = fmt.Sprintf("Expected %d matching requests, got %d.", *req.Expect, res.Count)
		}
		mockserver.WriteJSON(w, status, res)
	})
}
