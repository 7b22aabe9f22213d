package director

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/phlomock/phlomock/mockserver"
)

// The control plane's listings (calls, scenarios, sessions, callbacks) are
// paged as the journal is: at most limit items and max_bytes bytes of
// their JSON, whatever they hold (a scenario's description of "<" is six
// bytes a character), at least one item so paging always moves; the
// answer says its budget, whether more follow and the cursor to ask for
// them (?after=NEXT). Items are listed by their cursor key, ascending.

// ListQuery are the paging parameters of a listing.
var ListQuery = []string{"after", "limit", "max_bytes"}

// listQuery is a listing's paging: after is the key of the last item of
// the previous page ("" from the first).
type listQuery struct {
	after    string
	limit    int
	maxBytes int
}

// Paging is what a listing's answer says of its page.
type Paging struct {
	// Next is the cursor of the page after this one (?after=Next), the
	// key of its last item; "" when the page is empty.
	Next string `json:"next,omitempty"`
	// More: items after Next were left out of this page.
	More bool `json:"more"`
	// MaxBytes is the page's byte budget: its items as JSON take at most
	// this, but for a single item larger than it.
	MaxBytes int `json:"max_bytes"`
}

// parseListQuery reads after, limit (1 to mockserver.MaxPageLimit,
// default the most) and max_bytes (mockserver.MinPageBytes to
// MaxPageBytes, default DefaultPageBytes): a bad value answers 400 naming
// the parameter and its rule, and ok is false.
func parseListQuery(w http.ResponseWriter, r *http.Request) (q listQuery, ok bool) {
	v := r.URL.Query()
	q = listQuery{after: v.Get("after"), limit: mockserver.MaxPageLimit, maxBytes: mockserver.DefaultPageBytes}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > mockserver.MaxPageLimit {
			mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value provided for limit. limit expects an integer from 1 to %d (default %d).", mockserver.MaxPageLimit, mockserver.MaxPageLimit))
			return q, false
		}
		q.limit = n
	}
	if s := v.Get("max_bytes"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < mockserver.MinPageBytes || n > mockserver.MaxPageBytes {
			mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value provided for max_bytes. max_bytes expects an integer from %d to %d (default %d): the most bytes of JSON a page's items take; the answer's next is the cursor of the page after.", mockserver.MinPageBytes, mockserver.MaxPageBytes, mockserver.DefaultPageBytes))
			return q, false
		}
		q.maxBytes = n
	}
	return q, true
}

// pageOf is the page of items (sorted by key, ascending) q asks for: the
// items after q.after, as many as fit q's limit and byte budget (at least
// one). Each item is sized once, as json.Marshal writes it, plus a comma.
func pageOf[T any](items []T, key func(*T) string, q listQuery) ([]T, Paging) {
	p := Paging{MaxBytes: q.maxBytes}
	out := make([]T, 0, min(len(items), q.limit))
	used := 0
	for i := range items {
		k := key(&items[i])
		if q.after != "" && k <= q.after {
			continue
		}
		size := jsonSize(&items[i]) + 1
		if len(out) == q.limit || len(out) > 0 && used+size > q.maxBytes {
			p.More = true
			break
		}
		used += size
		out = append(out, items[i])
		p.Next = k
	}
	return out, p
}

func jsonSize(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}
