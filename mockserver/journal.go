package mockserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// An Entry is one exchange as the fake saw it. Certification reads entries
// to judge what a client sent, so the request is kept raw: every header
// (the Basic password replaced by "[redacted]", the Auth ID kept) and the
// body byte for byte, up to the journal's body limit
// (Options.JournalBodyLimit, DefaultJournalBodyLimit): a longer body keeps
// its first bytes, with BodyTruncated and BodySize saying so; the answer
// likewise.
type Entry struct {
	Seq      uint64      `json:"seq"`
	Time     time.Time   `json:"time"`
	Method   string      `json:"method"`
	Path     string      `json:"path"`
	RawQuery string      `json:"raw_query,omitempty"`
	Header   http.Header `json:"header"`
	Body     string      `json:"body"`
	// BodyBase64 is the body again, base64-encoded, when it is not valid
	// UTF-8 (JSON would mangle it).
	BodyBase64 string `json:"body_base64,omitempty"`
	// BodyTruncated: the body was longer than the journal keeps; Body (and
	// BodyBase64) hold its first bytes, BodySize its length as sent.
	BodyTruncated bool              `json:"body_truncated,omitempty"`
	BodySize      int               `json:"body_size,omitempty"`
	AuthID        string            `json:"auth_id,omitempty"`
	OperationID   string            `json:"operation_id,omitempty"`
	PathParams    map[string]string `json:"path_params,omitempty"`
	// Lenient lists the leniencies applied before validation (role "" taken
	// as agent, "" run body taken as none...): the request worked, but a
	// strict reading of the contract would refuse it.
	Lenient    []string    `json:"lenient,omitempty"`
	Valid      bool        `json:"valid"`
	Violations []Violation `json:"violations,omitempty"`
	Status     int         `json:"status"`
	// Answer is the body sent back, without its final newline.
	Answer AnswerBody `json:"answer,omitempty"`
	// AnswerTruncated: the answer was longer than the journal keeps; Answer
	// holds its first bytes (in JSON, a string), AnswerSize its length.
	AnswerTruncated bool   `json:"answer_truncated,omitempty"`
	AnswerSize      int    `json:"answer_size,omitempty"`
	Source          string `json:"source"` // "spec", "responder" or "error"
	// Scenario, Rule and CallSeq come from the Responder's Answer.
	Scenario string `json:"scenario,omitempty"`
	Rule     string `json:"rule,omitempty"`
	CallSeq  uint64 `json:"call_seq,omitempty"`
	// Closest explains a request that matched no operation (404, 405).
	Closest *Miss `json:"closest,omitempty"`
	// ClosestRule explains a request no scenario rule answered although
	// one was aimed at its operation (Answer.ClosestRule).
	ClosestRule *RuleMiss     `json:"closest_rule,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
}

// A RuleMiss is the scenario rule that came closest to answering a request
// that no rule answered, and what differed, one line per field (`body.action:
// got "hold", want "call"`), as Hoverfly's closest miss.
type RuleMiss struct {
	Scenario    string   `json:"scenario,omitempty"`
	Rule        string   `json:"rule"`
	Differences []string `json:"differences"`
}

// AnswerBody is the body of an answer as sent. It encodes as itself when it
// is JSON, else (a scenario's verbatim HTML page) as a JSON string: as raw
// JSON it would fail the whole journal page. It decodes as json.RawMessage.
type AnswerBody []byte

// MarshalJSON returns a, or a as a JSON string when it is not JSON.
func (a AnswerBody) MarshalJSON() ([]byte, error) {
	switch {
	case a == nil:
		return []byte("null"), nil
	case json.Valid(a):
		return a, nil
	}
	return json.Marshal(string(a))
}

// UnmarshalJSON sets *a to a copy of data.
func (a *AnswerBody) UnmarshalJSON(data []byte) error {
	*a = append((*a)[0:0], data...)
	return nil
}

// A Journal is a bounded ring of the latest exchanges, safe for concurrent
// use, bounded in bytes too: an entry keeps at most bodyLimit bytes of its
// body and of its answer. Adding an entry takes no lock: a request claims
// the next sequence number with one atomic add and stores its entry in that
// number's slot, so concurrent requests never wait on each other to be
// journaled.
type Journal struct {
	slots []atomic.Pointer[Entry]
	seq   atomic.Uint64 // the last sequence number given
	floor atomic.Uint64 // entries up to this number were reset away
	// bodyLimit is the most bytes of a body, and of an answer, an entry
	// keeps; negative: no limit.
	bodyLimit int
	// What most entries repeat (the same few header sets, path parameters
	// and Auth IDs) is kept once and shared by the entries: with a map per
	// entry, a 100,000-entry journal of the seed exchange took 1.6 KB an
	// entry, most of it maps (BenchmarkJournalMemory).
	headers internTable[http.Header]
	params  internTable[map[string]string]
	authIDs internTable[string]
	// shared, when set (SetStore), is given every entry too.
	shared JournalStore
}

// DefaultJournalSize is the number of exchanges kept when Options.JournalSize is 0.
const DefaultJournalSize = 1000

// DefaultJournalBodyLimit is the most bytes of a request body, and of an
// answer, a journal entry keeps when Options.JournalBodyLimit is 0. The
// PHLO API's bodies are well under 1 KiB; the limit keeps a client sending
// 1 MiB bodies from making the journal hold gigabytes.
const DefaultJournalBodyLimit = 64 << 10

// NewJournal returns an empty journal of size entries (0:
// DefaultJournalSize), each keeping bodyLimit bytes of its body and answer
// (0: DefaultJournalBodyLimit; negative: whole bodies), as
// Options.JournalSize and JournalBodyLimit: a session's own journal
// (State.Journal).
func NewJournal(size, bodyLimit int) *Journal { return newJournal(size, bodyLimit) }

func newJournal(size, bodyLimit int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	if bodyLimit == 0 {
		bodyLimit = DefaultJournalBodyLimit
	}
	return &Journal{slots: make([]atomic.Pointer[Entry], size), bodyLimit: bodyLimit}
}

func (j *Journal) add(e *Entry) { j.addEntry(e, false) }

// addRouted is add for the pipeline's entries, whose path parameters are
// the router's: the shared map already when they can be shared
// (router.find), so compact does not build their key again (2% of the
// CPU samples of BenchmarkColdTransferParallel).
func (j *Journal) addRouted(e *Entry) { j.addEntry(e, true) }

func (j *Journal) addEntry(e *Entry, routed bool) {
	j.trim(e)
	j.compact(e, routed)
	e.Seq = j.seq.Add(1)
	j.store(e)
	if j.shared != nil {
		j.shared.Add(e)
	}
}

// store puts e in its slot, unless a later entry has taken it: a request
// held up between claiming its number and storing its entry, while the ring
// went round, would otherwise overwrite the newer entry, and both would be
// lost (Entries keeps a slot's entry only when its number is the one the
// slot stands for).
func (j *Journal) store(e *Entry) {
	slot := &j.slots[(e.Seq-1)%uint64(len(j.slots))]
	for {
		old := slot.Load()
		if old != nil && old.Seq > e.Seq {
			return // e was already out of the ring
		}
		if slot.CompareAndSwap(old, e) {
			return
		}
	}
}

// trim keeps the first bodyLimit bytes of e's body and answer, copied, so
// the whole body they came from can be collected.
func (j *Journal) trim(e *Entry) {
	limit := j.bodyLimit
	if limit < 0 {
		return
	}
	if len(e.Body) > limit {
		e.BodyTruncated, e.BodySize = true, len(e.Body)
		if e.BodyBase64 == "" { // valid UTF-8: it stays so
			e.Body = strings.Clone(e.Body[:runeStart(e.Body, limit)])
		} else {
			e.Body = strings.Clone(e.Body[:limit])
			e.BodyBase64 = base64.StdEncoding.EncodeToString([]byte(e.Body))
		}
	}
	if len(e.Answer) > limit {
		e.AnswerTruncated, e.AnswerSize = true, len(e.Answer)
		// Not JSON any more: AnswerBody encodes it as a JSON string.
		e.Answer = bytes.Clone(e.Answer[:runeStart(e.Answer, limit)])
	}
}

// compact replaces e's path parameters (unless routed: the router's are
// shared already) and Auth ID by the journal's shared copies, and gives
// its answer back the bytes it does not use (an answer built in a buffer
// larger than itself).
func (j *Journal) compact(e *Entry, routed bool) {
	if len(e.PathParams) > 0 && !routed {
		var buf [256]byte
		if key, ok := paramsKey(buf[:0], e.PathParams); ok {
			if m, ok := j.params.get(key); ok {
				e.PathParams = m
			} else {
				e.PathParams = j.params.put(key, e.PathParams)
			}
		}
	}
	if e.AuthID != "" {
		if id, ok := j.authIDs.get([]byte(e.AuthID)); ok {
			e.AuthID = id
		} else {
			id := strings.Clone(e.AuthID) // not the whole "id:token" it was cut from
			e.AuthID = j.authIDs.put([]byte(id), id)
		}
	}
	if cap(e.Answer)-len(e.Answer) > 32 {
		e.Answer = bytes.Clone(e.Answer)
	}
}

// paramsKey appends m's pairs, in key order, to dst; false when m has too
// many to be worth sharing.
func paramsKey(dst []byte, m map[string]string) ([]byte, bool) {
	var arr [8]string
	if len(m) > len(arr) {
		return nil, false
	}
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.IndexByte(m[k], 0) >= 0 {
			return nil, false // {a: "x\x00b\x00y"} would be {a: "x", b: "y"}
		}
		dst = append(append(append(append(dst, k...), 0), m[k]...), 0)
	}
	return dst, true
}

// header is h redacted (redactHeader), as a request's entry keeps it: a
// header set seen before is the journal's shared copy, not a new map.
// Entries are read-only, and so is the map returned.
func (j *Journal) header(h http.Header) http.Header {
	var buf [1024]byte
	key, ok := headerKey(buf[:0], h)
	if !ok {
		return redactHeader(h)
	}
	if m, ok := j.headers.get(key); ok {
		return m
	}
	return j.headers.put(key, redactHeader(h))
}

// headerKey appends h, redacted, names in order, to dst; false when h is
// too big to be worth sharing.
func headerKey(dst []byte, h http.Header) ([]byte, bool) {
	var arr [16]string
	if len(h) > len(arr) {
		return nil, false
	}
	names := arr[:0]
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		dst = append(append(dst, k...), 0)
		credential := slices.Contains(credentialHeaders, k)
		for _, v := range h[k] {
			if credential {
				dst = appendRedacted(dst, v)
			} else {
				dst = append(dst, v...)
			}
			dst = append(dst, 1)
		}
		dst = append(dst, 0)
		if len(dst) > 4096 {
			return nil, false
		}
	}
	return dst, true
}

// internTableMax is how many distinct values an internTable keeps: beyond
// it, values are not shared (a client sending a new trace header each
// request makes every header set new).
const internTableMax = 1024

// An internTable shares equal values between journal entries. Lookups take
// no lock (a map replaced, never changed, once it is published); puts copy
// the map, at most internTableMax times.
type internTable[T any] struct {
	mu sync.Mutex
	m  atomic.Pointer[map[string]T]
}

func (t *internTable[T]) get(key []byte) (T, bool) {
	if m := t.m.Load(); m != nil {
		v, ok := (*m)[string(key)]
		return v, ok
	}
	var zero T
	return zero, false
}

// put returns the table's value for key: v, added, or the one another
// request added first; v itself, not added, when the table is full.
func (t *internTable[T]) put(key []byte, v T) T {
	t.mu.Lock()
	defer t.mu.Unlock()
	var old map[string]T
	if m := t.m.Load(); m != nil {
		old = *m
	}
	if w, ok := old[string(key)]; ok {
		return w
	}
	if len(old) >= internTableMax {
		return v
	}
	m := make(map[string]T, len(old)+1)
	maps.Copy(m, old)
	m[string(key)] = v
	t.m.Store(&m)
	return v
}

// runeStart returns the largest i <= n (n < len(s)) at which a character of
// s starts, n itself if none does in the 3 bytes before it.
func runeStart[S ~string | ~[]byte](s S, n int) int {
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return i
		}
	}
	return n
}

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
	return page
}

// bounds returns the sequence numbers the ring may hold: (lo, hi].
func (j *Journal) bounds() (lo, hi uint64) {
	lo = j.floor.Load() // first: the floor is a past value of seq, so lo <= hi
	hi = j.seq.Load()
	if size := uint64(len(j.slots)); hi-lo > size {
		lo = hi - size
	}
	return lo, hi
}

func (j *Journal) slot(n uint64) *Entry { return j.slots[(n-1)%uint64(len(j.slots))].Load() }

// Reset empties the journal. Sequence numbers go on from where they were.
func (j *Journal) Reset() {
	floor := j.seq.Load()
	j.floor.Store(floor)
	for i := range j.slots {
		// Free the slot, unless a request added since has taken it.
		if e := j.slots[i].Load(); e != nil && e.Seq <= floor {
			j.slots[i].CompareAndSwap(e, nil)
		}
	}
}

// credentialHeaders carry a secret in the Authorization syntax: a client
// behind a proxy sends its credentials for the proxy too, and the journal is
// served to anyone who reaches the control plane.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization"}

// redactHeader copies h with the secret of every credential header
// replaced (a Basic Auth ID is kept, for certification to read).
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, name := range credentialHeaders {
		for i, v := range out[name] {
			out[name][i] = redactAuthorization(v)
		}
	}
	return out
}

func redactAuthorization(v string) string {
	var buf [128]byte
	return string(appendRedacted(buf[:0], v))
}

// appendRedacted appends v, a credential header's value, redacted, to dst.
func appendRedacted(dst []byte, v string) []byte {
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return append(dst, "[redacted]"...)
	}
	cred = strings.TrimSpace(cred)
	var buf [128]byte // a usual credential decodes here, not on the heap
	raw := buf[:0]
	if n := base64.StdEncoding.DecodedLen(len(cred)); n > len(buf) {
		raw = make([]byte, 0, n)
	}
	raw, err := base64.StdEncoding.AppendDecode(raw, []byte(cred))
	if err != nil {
		return append(append(dst, scheme...), " [redacted: not base64]"...)
	}
	id, _, ok := bytes.Cut(raw, []byte(":"))
	if !ok { // no "id:secret": the whole value may be a secret
		return append(append(dst, scheme...), " [redacted: no Auth ID]"...)
	}
	dst = append(append(append(dst, scheme...), ' '), id...)
	return append(dst, ":[redacted]"...)
}
