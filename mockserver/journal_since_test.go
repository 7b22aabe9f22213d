package mockserver_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phlomock/phlomock/mockserver"
)

// since= is the dashboard's cursor: it polls for the entries after the last
// one it saw.
func TestJournalSince(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	for range 4 {
		do(t, s, http.MethodGet, "/v1/phlo/P1", "", "", "")
	}
	admin := s.AdminHandler()
	seqs := func(query string) []any {
		rp := do(t, admin, http.MethodGet, "/__admin/journal"+query, "-", "", "")
		assert.Equal(t, http.StatusOK, rp.status, query)
		var out []any
		for _, e := range rp.body["entries"].([]any) {
			out = append(out, e.(map[string]any)["seq"])
		}
		return out
	}
	tests := []struct {
		query string
		want  []any
	}{
		{"?since=0", []any{1.0, 2.0, 3.0, 4.0}},
		{"?since=2", []any{3.0, 4.0}},
		{"?since=2&limit=1", []any{4.0}},
		{"?since=4", nil},
		{"?since=99", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, seqs(tt.query), "got seqs for %s", tt.query)
	}
	assert.Len(t, s.Journal().Entries(mockserver.Filter{Since: 3}), 1)
	for _, bad := range []string{"-1", "x", "1.5"} {
		rp := do(t, admin, http.MethodGet, "/__admin/journal?since="+bad, "-", "", "")
		assert.Equal(t, http.StatusBadRequest, rp.status, bad)
		assert.Contains(t, rp.body["error"], "since")
	}
}
