package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestJournalPageByteBudget: a journal full of 64 KiB bodies of "<" (six
// bytes each in JSON) answers pages that fit their byte budget, which the
// answer reports; following next from after=0 still reads every entry once,
// and an entry larger than the budget still gets a page of its own.
func TestJournalPageByteBudget(t *testing.T) {
	const n = 100
	s := newServer(t, mockserver.Options{})
	body := strings.Repeat("<", 64<<10)
	for range n {
		do(t, s, http.MethodPost, "/v1/phlo/P1/multi_party_call/N1", "", "application/json", body)
	}
	admin := s.AdminHandler()
	get := func(query string) (reply, int) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/__admin/journal"+query, nil)
		admin.ServeHTTP(rec, req)
		var r reply
		r.status = rec.Code
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &r.body), "the answer is JSON: %.200s", rec.Body.String())
		return r, rec.Body.Len()
	}

	t.Run("latest", func(t *testing.T) {
		rp, size := get("?limit=1000")
		require.Equal(t, http.StatusOK, rp.status)
		assert.EqualValues(t, mockserver.DefaultPageBytes, rp.body["max_bytes"])
		assert.LessOrEqual(t, size, mockserver.DefaultPageBytes+200, "got a page of %d bytes, want at most the budget", size)
		entries := rp.body["entries"].([]any)
		assert.Less(t, len(entries), n, "the budget cut the page")
		assert.Equal(t, true, rp.body["earlier"])
		last := entries[len(entries)-1].(map[string]any)["seq"]
		assert.EqualValues(t, n, last, "a latest page keeps the newest")
	})

	for _, budget := range []int{mockserver.MinPageBytes, 1 << 20, mockserver.DefaultPageBytes} {
		t.Run(fmt.Sprintf("every entry once at max_bytes=%d", budget), func(t *testing.T) {
			var seqs []float64
			for after, pages := 0.0, 0; ; pages++ {
				require.Less(t, pages, n+1, "following next does not end")
				rp, size := get(fmt.Sprintf("?after=%d&limit=1000&max_bytes=%d", int(after), budget))
				entries := rp.body["entries"].([]any)
				require.NotEmpty(t, entries, "a page after %v", after)
				if len(entries) > 1 {
					assert.LessOrEqual(t, size, budget+200, "got a page of %d bytes, want at most %d", size, budget)
				}
				for _, e := range entries {
					seqs = append(seqs, e.(map[string]any)["seq"].(float64))
				}
				after = rp.body["next"].(float64)
				if rp.body["more"] != true {
					break
				}
			}
			require.Len(t, seqs, n)
			for i, seq := range seqs {
				assert.EqualValues(t, i+1, seq)
			}
		})
	}

	rp, _ := get("?max_bytes=10")
	assert.Equal(t, http.StatusBadRequest, rp.status)
	assert.Contains(t, rp.body["error"], "Invalid value provided for max_bytes.")
}
