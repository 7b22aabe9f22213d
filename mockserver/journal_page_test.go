package mockserver_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/mockserver"
)

// GET /__admin/journal answers a page: the latest entries without a cursor,
// the first after it with after= (since=, its former name, the same), and
// says where the next page starts and whether it is there yet.
func TestJournalPaging(t *testing.T) {
	s := newServer(t, mockserver.Options{})
	for range 5 {
		do(t, s, http.MethodGet, "/v1/phlo/P1", "", "", "")
	}
	do(t, s, http.MethodGet, "/v1/nowhere", "", "", "") // seq 6, a 404
	admin := s.AdminHandler()
	type page struct {
		seqs    []any
		next    float64
		more    bool
		earlier bool
		link    string
	}
	get := func(query string) page {
		rp := do(t, admin, http.MethodGet, "/__admin/journal"+query, "-", "", "")
		require.Equal(t, http.StatusOK, rp.status, query)
		var p page
		for _, e := range rp.body["entries"].([]any) {
			p.seqs = append(p.seqs, e.(map[string]any)["seq"])
		}
		p.next, p.more = rp.body["next"].(float64), rp.body["more"].(bool)
		p.earlier, _ = rp.body["earlier"].(bool)
		p.link = rp.header.Get("Link")
		return p
	}
	tests := []struct {
		query string
		want  page
	}{
		{"", page{seqs: []any{1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, next: 6}},
		{"?limit=2", page{seqs: []any{5.0, 6.0}, next: 6, earlier: true}},
		{"?after=0&limit=2", page{seqs: []any{1.0, 2.0}, next: 2, more: true, link: `<?after=2&limit=2>; rel="next"`}},
		{"?after=2&limit=2", page{seqs: []any{3.0, 4.0}, next: 4, more: true, link: `<?after=4&limit=2>; rel="next"`}},
		{"?after=4&limit=2", page{seqs: []any{5.0, 6.0}, next: 6}},
		{"?after=6", page{next: 6}},
		{"?after=99", page{next: 99}},
		{"?since=2&limit=1&status=200", page{seqs: []any{3.0}, next: 3, more: true, link: `<?after=3&limit=1&status=200>; rel="next"`}},
		{"?status=404", page{seqs: []any{6.0}, next: 6}},
		{"?after=0&status=201", page{}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, get(tt.query), "GET /__admin/journal%s", tt.query)
	}
	for _, tt := range []struct{ query, param string }{
		{"?since=-1", "since"}, {"?after=x", "after"}, {"?after=1.5", "after"},
		{"?limit=0", "limit"}, {"?limit=1001", "limit"}, {"?limit=-1", "limit"}, {"?limit=ten", "limit"},
		{"?after=1&since=1", "since"}, {"?status=x", "status"},
	} {
		rp := do(t, admin, http.MethodGet, "/__admin/journal"+tt.query, "-", "", "")
		assert.Equal(t, http.StatusBadRequest, rp.status, tt.query)
		assert.Contains(t, rp.body["error"], "Invalid value provided for "+tt.param+".", tt.query)
	}
	rp := do(t, admin, http.MethodGet, "/__admin/journal?limit=1001", "-", "", "")
	assert.Equal(t, "Invalid value provided for limit. limit expects an integer from 1 to 1000 (default 100): a page holds at most 1000 entries, and the answer's next is the cursor of the page after.", rp.body["error"])
}

// A page without limit holds DefaultPageLimit entries, and following next
// from after=0 reads every entry once, in order.
func TestJournalPagesReadEverything(t *testing.T) {
	const n = 2*mockserver.DefaultPageLimit + 7
	s := newServer(t, mockserver.Options{})
	for range n {
		do(t, s, http.MethodGet, "/v1/phlo/P1", "", "", "")
	}
	admin := s.AdminHandler()
	rp := do(t, admin, http.MethodGet, "/__admin/journal", "-", "", "")
	assert.Len(t, rp.body["entries"], mockserver.DefaultPageLimit)
	assert.Equal(t, true, rp.body["earlier"])

	var seqs []uint64
	pages := 0
	for after, more := uint64(0), true; more; pages++ {
		require.Less(t, pages, n, "following next does not end")
		page := s.Journal().Page(mockserver.PageQuery{After: after}, nil)
		for _, e := range page.Entries {
			seqs = append(seqs, e.Seq)
		}
		after, more = page.Next, page.More
	}
	assert.Equal(t, 3, pages)
	require.Len(t, seqs, n)
	for i, seq := range seqs {
		assert.Equal(t, uint64(i+1), seq, fmt.Sprintf("entry %d", i))
	}
}
