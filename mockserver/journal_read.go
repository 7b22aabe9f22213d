package mockserver

import (
	"encoding/json"
	"slices"
	"strings"
)

// Filter selects journal entries. Its zero value selects everything.
type Filter struct {
	OperationID string
	Method      string
	Path        string // exact, as received
	Status      int
	Scenario    string // as the Responder named it (Entry.Scenario)
	Rule        string
	Limit       int // the latest Limit matching entries; 0 = all
	// Since keeps the entries after this sequence number (Entry.Seq): a
	// poller asks for what is new since the last entry it saw.
	Since uint64
}

func (f Filter) match(e *Entry) bool {
	return e.Seq > f.Since &&
		(f.OperationID == "" || e.OperationID == f.OperationID) &&
		(f.Method == "" || strings.EqualFold(e.Method, f.Method)) &&
		(f.Path == "" || e.Path == f.Path) &&
		(f.Status == 0 || e.Status == f.Status) &&
		(f.Scenario == "" || e.Scenario == f.Scenario) &&
		(f.Rule == "" || e.Rule == f.Rule)
}

// Entries returns the matching entries, oldest first. Entries are shared,
// and so are their header and path-parameter maps (between entries too):
// do not modify them. An entry still being stored by its request when
// Entries runs is left out, as if it came a moment later.
func (j *Journal) Entries(f Filter) []*Entry {
	lo, hi := j.bounds()
	if f.Since > lo {
		lo = min(f.Since, hi)
	}
	out := make([]*Entry, 0, hi-lo)
	for n := lo + 1; n <= hi; n++ {
		if e := j.slot(n); e != nil && e.Seq == n && f.match(e) {
			out = append(out, e)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}

// DefaultPageLimit is how many entries a page of the journal holds when
// PageQuery.Limit is 0 (GET /__admin/journal without limit), MaxPageLimit
// the most it may ask: a journal of 100,000 entries once answered 121 MB of
// JSON to a GET without limit.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// A PageQuery says which page of the journal to read. Its zero value is
// the first page from the oldest entry.
type PageQuery struct {
	// After is the cursor: the page holds the first Limit matching entries
	// whose Seq is above After (the previous page's Next), oldest first.
	After uint64
	// Latest asks for the latest Limit matching entries instead (After is
	// ignored), still oldest first: what GET /__admin/journal answers
	// without a cursor.
	Latest bool
	// Limit is at most MaxPageLimit; 0: DefaultPageLimit.
	Limit int
	// MaxBytes bounds the page's entries as JSON, whatever their bodies
	// hold (a body of "<" is six bytes a character in JSON): the page
	// holds as many of them as fit, and at least one. 0:
	// DefaultPageBytes.
	MaxBytes int
}

// DefaultPageBytes is the byte budget of a journal page when
// PageQuery.MaxBytes is 0: 1,000 entries of 64 KiB bodies of "<" were 1.3
// GB of JSON in one answer, held whole while it was written.
const DefaultPageBytes = 4 << 20

// The budgets GET /__admin/journal?max_bytes= may ask for.
const (
	MinPageBytes = 1 << 10
	MaxPageBytes = 16 << 20
)

func (q PageQuery) maxBytes() int { return q.Budget() }

// Budget is the page's byte budget: MaxBytes, or DefaultPageBytes. A
// JournalStore stops reading once its entries pass it (EntrySize each,
// plus a comma), keeping at least one.
func (q PageQuery) Budget() int {
	if q.MaxBytes <= 0 {
		return DefaultPageBytes
	}
	return q.MaxBytes
}

func (q PageQuery) limit() int {
	if q.Limit <= 0 {
		return DefaultPageLimit
	}
	return min(q.Limit, MaxPageLimit)
}

// A JournalPage is a page of the journal: the answer of GET
// /__admin/journal.
type JournalPage struct {
	// Entries are oldest first.
	Entries []*Entry `json:"entries"`
	// Next is the cursor of what follows the page: after=Next reads the
	// entries after its last one. It is the last entry's Seq, or the
	// cursor asked for when the page is empty.
	Next uint64 `json:"next"`
	// More: matching entries after Next were already in the journal when
	// it was read: ask again now with after=Next. False: the page reached
	// the journal's end; after=Next later gets what came since.
	More bool `json:"more"`
	// Earlier (a Latest page only): older matching entries were left out;
	// after=0 pages through them from the oldest.
	Earlier bool `json:"earlier,omitempty"`
	// MaxBytes is the page's byte budget (PageQuery.MaxBytes): its entries
	// as JSON take at most this, but for a single entry larger than it.
	MaxBytes int `json:"max_bytes"`
}

// fit cuts the page's entries to q's byte budget, as the answer encodes
// them: the newest are kept of a Latest page (Earlier says the rest was
// left out), the oldest of a page after a cursor (More says the rest
// follows, from Next). At least one entry is kept, so paging always moves.
// The entries are sized one at a time, never all encoded at once.
func (page *JournalPage) fit(q PageQuery) {
	budget := q.maxBytes()
	page.MaxBytes = budget
	n, used := len(page.Entries), 0
	keep := 0
	for i := range n {
		e := page.Entries[i]
		if q.Latest {
			e = page.Entries[n-1-i]
		}
		size := EntrySize(e) + 1 // and its comma
		if keep > 0 && used+size > budget {
			break
		}
		used += size
		keep++
	}
	if keep == n {
		return
	}
	if q.Latest {
		page.Entries = page.Entries[n-keep:]
		page.Earlier = true
	} else {
		page.Entries = page.Entries[:keep]
		page.More = true
		page.Next = page.Entries[keep-1].Seq
	}
}

// EntrySize is the length of e as a journal page encodes it.
func EntrySize(e *Entry) int {
	var c countingWriter
	_ = json.NewEncoder(&c).Encode(e)
	return int(c) - 1 // Encode's newline
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// Page returns the page q asks for of the entries match selects (nil: all),
// scanning only as far as the page needs: no copy of the whole ring. Its
// entries are shared, as Entries' are.
func (j *Journal) Page(q PageQuery, match func(*Entry) bool) JournalPage {
	lo, hi := j.bounds()
	limit := q.limit()
	page := JournalPage{Entries: make([]*Entry, 0, min(uint64(limit), hi-lo))}
	ok := func(e *Entry, n uint64) bool { return e != nil && e.Seq == n && (match == nil || match(e)) }
	if q.Latest {
		for n := hi; n > lo; n-- {
			if e := j.slot(n); ok(e, n) {
				if len(page.Entries) == limit {
					page.Earlier = true
					break
				}
				page.Entries = append(page.Entries, e)
			}
		}
		slices.Reverse(page.Entries)
	} else {
		page.Next = q.After
		for n := max(lo, q.After) + 1; n <= hi; n++ {
			if e := j.slot(n); ok(e, n) {
				if len(page.Entries) == limit {
					page.More = true
					break
				}
				page.Entries = append(page.Entries, e)
			}
		}
	}
	if len(page.Entries) > 0 {
		page.Next = page.Entries[len(page.Entries)-1].Seq
	}
	page.fit(q)
	return page
}
