package callbacks

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// Outcomes of an attempt, in the journal.
const (
	// Delivered: the receiver answered 2xx.
	Delivered = "delivered"
	// Retrying: the attempt failed (non-2xx, timeout, connection) and
	// another follows.
	Retrying = "retrying"
	// GaveUp: the last attempt failed; the callback is not sent again.
	GaveUp = "gave-up"
	// Dropped: a drop fault kept the callback from being sent.
	Dropped = "dropped"
	// Refused: the URL is not on the allow-list; nothing was sent.
	Refused = "refused"
	// QueueFull: the queue was full; the callback was not queued.
	QueueFull = "queue-full"
	// Abandoned: the fake shut down before the callback was sent.
	Abandoned = "abandoned"
)

// An Attempt is one try to send one callback, as the outbound journal
// keeps it: where, what (the headers with the signature, the body), and
// what came back.
type Attempt struct {
	// ID numbers the callbacks; every attempt of one callback has its ID.
	ID uint64 `json:"id"`
	// Try is the attempt's number, from 1; 0 for a callback never tried
	// (dropped, refused, queue-full).
	Try     int       `json:"try"`
	Time    time.Time `json:"time"`
	Session string    `json:"session,omitempty"`
	PhloID  string    `json:"phlo_id"`
	NodeID  string    `json:"node_id"`
	// Seq is the sequence number of the call's action that fired it, and
	// Index its place among that action's callbacks.
	Seq      uint64            `json:"seq"`
	Index    int               `json:"index"`
	Event    Kind              `json:"event"`
	Member   string            `json:"member,omitempty"`
	CallUUID string            `json:"call_uuid,omitempty"`
	URL      string            `json:"url"`
	Method   string            `json:"method"`
	Header   map[string]string `json:"header,omitempty"`
	Body     string            `json:"body,omitempty"`
	Status   int               `json:"status,omitempty"`
	// LatencyMS is the time from sending to the status line.
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
	Outcome   string  `json:"outcome"`
	// Fault names the scenario's faults applied to it (delay, drop,
	// duplicate, reorder, bad-signature), comma-separated.
	Fault string `json:"fault,omitempty"`
	// Recovered: the callback was queued by a replica that stopped before
	// sending it, and taken over by this one (Config.Outbox).
	Recovered bool `json:"recovered,omitempty"`
}

// A Filter selects attempts; empty fields match anything but Session,
// which is always compared ("" is the default session).
type Filter struct {
	// Session is the caller's to set (the control plane sets it from the
	// request's session), never the body's.
	Session string `json:"-"`
	PhloID  string `json:"phlo_id,omitempty"`
	NodeID  string `json:"node_id,omitempty"`
	Event   Kind   `json:"event,omitempty"`
	Member  string `json:"member,omitempty"`
	URL     string `json:"url,omitempty"`
	Status  int    `json:"status,omitempty"`
	Outcome string `json:"outcome,omitempty"`
}

// Matches reports whether a is selected by f. URL matches the whole URL,
// or a prefix of it when it ends in "*".
func (f Filter) Matches(a *Attempt) bool {
	urlOK := f.URL == "" || a.URL == f.URL ||
		strings.HasSuffix(f.URL, "*") && strings.HasPrefix(a.URL, strings.TrimSuffix(f.URL, "*"))
	return urlOK && a.Session == f.Session &&
		(f.PhloID == "" || a.PhloID == f.PhloID) && (f.NodeID == "" || a.NodeID == f.NodeID) &&
		(f.Event == "" || a.Event == f.Event) && (f.Member == "" || a.Member == f.Member) &&
		(f.Status == 0 || a.Status == f.Status) && (f.Outcome == "" || a.Outcome == f.Outcome)
}

// journal is the outbound journal: a ring of the most recent attempts.
type journal struct {
	mu    sync.Mutex
	ring  []Attempt
	head  int // the oldest entry once full
	size  int
	total uint64
}

func newJournal(size int) *journal { return &journal{size: size} }

func (j *journal) add(a Attempt) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.total++
	if len(j.ring) < j.size {
		j.ring = append(j.ring, a)
		return
	}
	j.ring[j.head] = a
	j.head = (j.head + 1) % j.size
}

// list returns the attempts f selects, oldest first, and how many attempts
// were ever journaled (more than the ring holds when it wrapped).
func (j *journal) list(f Filter) ([]Attempt, uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Attempt{}
	for _, part := range [][]Attempt{j.ring[j.head:], j.ring[:j.head]} {
		for i := range part {
			if f.Matches(&part[i]) {
				out = append(out, part[i])
			}
		}
	}
	return out, j.total
}

func (j *journal) reset(session string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	all := append(slices.Clone(j.ring[j.head:]), j.ring[:j.head]...)
	j.ring = slices.DeleteFunc(all, func(a Attempt) bool { return a.Session == session })
	j.head = 0
}
