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
	Lenient []string `json:"lenient,omitempty"`
	// Note explains an answer whose body must stay the real API's: which
	// accounts the fake accepts, for a 401 to credentials it does not.
	Note       string      `json:"note,omitempty"`
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
	// creds are the spec's credentials, redacted in every entry.
	creds Credentials
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
	e.RawQuery = j.creds.redactQuery(e.RawQuery)
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
	key, ok := j.creds.headerKey(buf[:0], h)
	if !ok {
		return j.creds.redactHeader(h)
	}
	if m, ok := j.headers.get(key); ok {
		return m
	}
	return j.headers.put(key, j.creds.redactHeader(h))
}

// headerKey appends h, redacted, names in order, to dst; false when h is
// too big to be worth sharing.
func (c Credentials) headerKey(dst []byte, h http.Header) ([]byte, bool) {
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
		credential := c.header(k)
		for _, v := range h[k] {
			if credential {
				dst = c.redactValue(dst, k, v)
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
