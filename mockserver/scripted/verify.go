package scripted

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
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
func (p *Pattern) Match(e *mockserver.Entry) bool {
	if p.Operation != "" && p.Operation != e.OperationID ||
		p.Method != "" && !strings.EqualFold(p.Method, e.Method) ||
		p.AuthID != "" && p.AuthID != e.AuthID ||
		p.Status != 0 && p.Status != e.Status ||
		p.Rule != "" && p.Rule != e.Rule {
		return false
	}
	if p.Path != "" {
		got := e.Path
		if len(got) > 1 {
			got = strings.TrimSuffix(got, "/")
		}
		if ok, _ := path.Match(strings.TrimSuffix(p.Path, "/"), got); !ok && p.Path != got {
			return false
		}
	}
	for k, v := range p.PathParams {
		if e.PathParams[k] != v {
			return false
		}
	}
	if len(p.Body) == 0 {
		return true
	}
	var body map[string]any
	if json.Unmarshal([]byte(e.Body), &body) != nil {
		return false
	}
	for k, want := range p.Body {
		got, ok := body[k]
		if !ok || asText(got) != asText(want) {
			return false
		}
	}
	return true
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
		res := VerifyResult{Count: Count(journal.Entries(mockserver.Filter{}), &req.Pattern), Expect: req.Expect}
		status := http.StatusOK
		if req.Expect != nil && *req.Expect != res.Count {
			status = http.StatusExpectationFailed
			res.Error = fmt.Sprintf("Expected %d matching requests, got %d.", *req.Expect, res.Count)
		}
		mockserver.WriteJSON(w, status, res)
	})
}
