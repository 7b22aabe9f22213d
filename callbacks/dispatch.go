package callbacks

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// A Notice is one transition of a call, with what its callbacks need
// besides the events: the account that signs them, the node's targets
// and the scenario's faults.
type Notice struct {
	Transition
	// Session and Scope name whose callbacks these are: Session for the
	// journal, Scope (the active set of scenarios) for Fault.Nth's count.
	Session, Scope string
	// AuthID and Token are the account's: callbacks are signed with the
	// token of the account whose request fired them.
	AuthID, Token string
	// Targets are the node's, from the world; a target set at run time
	// (SetTargets) replaces them.
	Targets []Target
	Faults  []Fault
}

// Stats are the Dispatcher's counts since it started.
type Stats struct {
	Queued    uint64 `json:"queued"`
	Delivered uint64 `json:"delivered"`
	GaveUp    uint64 `json:"gave_up"`
	Dropped   uint64 `json:"dropped"`
	Refused   uint64 `json:"refused"`
	QueueFull uint64 `json:"queue_full"`
	// Pending are queued and not finished yet.
	Pending int64 `json:"pending"`
}

// A Dispatcher sends callbacks off the request path: Notify queues them and
// returns at once; workers sign, send, retry and journal them. A full
// queue drops the new callback (counted in Stats.QueueFull, logged,
// journaled as queue-full): Notify never waits.
type Dispatcher struct {
	cfg     Config
	client  *httpSender
	journal *journal
	queues  []chan *delivery
	wg      sync.WaitGroup
	stop    context.Context // done when Close gives up waiting
	abort   context.CancelFunc

	mu      sync.RWMutex
	closed  bool
	targets map[targetKey][]Target // set at run time
	nth     map[nthKey]int         // per session and scope: callbacks queued so far

	instance string // names this Dispatcher's callbacks in the outbox
	closing  chan struct{}

	ids                                               atomic.Uint64
	queued, delivered, gaveUp, dropped, refused, full atomic.Uint64
	pending, lastWarn                                 atomic.Int64
}

type targetKey struct{ session, phloID, nodeID string }

type nthKey struct{ session, scope string }

// delivery is one callback to one target.
type delivery struct {
	id  uint64
	key string // unique across replicas: X-Phlomock-Callback-Id, the outbox's key
	// recovered: taken over from a replica that stopped (Config.Outbox).
	recovered bool
	notice    *Notice
	event     Event
	target    Target
	fault     Fault // the effects that apply (merged)
	faults    string
	partKey   string
}

// New starts a Dispatcher's workers; Close stops them.
func New(cfg Config) *Dispatcher {
	cfg = cfg.withDefaults()
	d := &Dispatcher{cfg: cfg, journal: newJournal(cfg.JournalSize), closing: make(chan struct{}),
		targets: map[targetKey][]Target{}, nth: map[nthKey]int{}}
	d.client = newSender(cfg)
	d.instance = newInstance()
	d.stop, d.abort = context.WithCancel(context.Background())
	per := max(1, (cfg.QueueSize+cfg.Workers-1)/cfg.Workers)
	for range cfg.Workers {
		q := make(chan *delivery, per)
		d.queues = append(d.queues, q)
		d.wg.Add(1)
		go d.work(q)
	}
	if cfg.Outbox != nil {
		d.wg.Add(1)
		go d.takeOver()
	}
	return d
}

// Config is the configuration in use, defaults filled in.
func (d *Dispatcher) Config() Config { return d.cfg }

// SetTargets replaces the targets of a node (in a session: "" is the
// default) at run time, over the world's; nil targets go back to the
// world's. Every target is checked first: on error nothing changes.
func (d *Dispatcher) SetTargets(session, phloID, nodeID string, targets []Target) error {
	var errs []error
	for _, t := range targets {
		if err := CheckTarget(t); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	k := targetKey{session, phloID, nodeID}
	if targets == nil {
		delete(d.targets, k)
		return nil
	}
	d.targets[k] = append([]Target{}, targets...)
	return nil
}

// Targets returns the targets set at run time for a node, false when none.
func (d *Dispatcher) Targets(session, phloID, nodeID string) ([]Target, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	t, ok := d.targets[targetKey{session, phloID, nodeID}]
	return append([]Target{}, t...), ok
}

// Wants reports whether a transition of the node has anywhere to go: the
// caller can skip building a Notice when it has not.
func (d *Dispatcher) Wants(session, phloID, nodeID string, world []Target) bool {
	if len(world) > 0 {
		return true
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.targets[targetKey{session, phloID, nodeID}]) > 0
}

// Notify queues the callbacks of one transition and returns at once.
func (d *Dispatcher) Notify(n Notice) {
	// Under the lock from end to end: the Nth counts follow the order of
	// the notices, and Close never closes a queue being sent to. Nothing
	// in here waits.
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	targets := n.Targets
	if t, ok := d.targets[targetKey{n.Session, n.PhloID, n.NodeID}]; ok {
		targets = t
	}
	if len(targets) == 0 {
		d.mu.Unlock()
		return
	}
	events := Events(n.Transition)
	for _, f := range n.Faults {
		if f.Fail && f.selects(string(n.Action.Kind), "", 0) && f.Event == "" && f.Nth == 0 {
			events = []Event{FailedEvent(n.Transition)}
			break
		}
	}
	var out []*delivery
	nk := nthKey{n.Session, n.Scope}
	for _, ev := range events {
		for _, t := range targets {
			d.nth[nk]++
			dl := &delivery{notice: &n, event: ev, target: t, partKey: n.Session + "\x00" + n.PhloID + "\x00" + n.NodeID}
			var names []string
			for _, f := range n.Faults {
				if f.Fail || !f.selects(string(n.Action.Kind), ev.Kind, d.nth[nk]) {
					continue
				}
				dl.fault = merge(dl.fault, f)
				names = append(names, f.String())
			}
			dl.faults = joinNonEmpty(names)
			out = append(out, dl)
		}
	}
	var ready []*delivery
	for _, dl := range out {
		copies := 1 + dl.fault.Duplicate
		for c := range copies {
			cp := *dl
			cp.id = d.ids.Add(1)
			cp.key = d.instance + "-" + strconv.FormatUint(cp.id, 10)
			if c > 0 {
				cp.fault.Delay, cp.fault.DelayMax, cp.fault.Reorder = 0, 0, false
			}
			ready = append(ready, &cp)
		}
	}
	if d.cfg.Outbox == nil {
		for _, dl := range ready {
			d.enqueue(dl)
		}
		d.mu.Unlock()
		return
	}
	d.mu.Unlock()
	// Kept in the store before they are queued (one round trip, outside
	// the lock): a replica that dies leaves them to the others.
	d.keep(ready)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return // kept: another replica sends them
	}
	for _, dl := range ready {
		d.enqueue(dl)
	}
}

func merge(a, b Fault) Fault {
	a.Delay, a.DelayMax = max(a.Delay, b.Delay), max(a.DelayMax, b.DelayMax)
	a.Drop = a.Drop || b.Drop
	a.Duplicate = max(a.Duplicate, b.Duplicate)
	a.Reorder = a.Reorder || b.Reorder
	a.BadSignature = a.BadSignature || b.BadSignature
	return a
}

func joinNonEmpty(names []string) string {
	s := ""
	for _, n := range names {
		if n == "" {
			continue
		}
		if s != "" {
			s += ","
		}
		s += n
	}
	return s
}

func (d *Dispatcher) enqueue(dl *delivery) {
	if dl.fault.Drop {
		d.dropped.Add(1)
		d.record(dl, Attempt{Outcome: Dropped})
		d.finish(dl)
		return
	}
	h := fnv.New32a()
	h.Write([]byte(dl.partKey))
	q := d.queues[int(h.Sum32()%uint32(len(d.queues)))]
	d.pending.Add(1)
	select {
	case q <- dl:
		d.queued.Add(1)
	default:
		d.pending.Add(-1)
		d.full.Add(1)
		d.finish(dl)
		d.record(dl, Attempt{Outcome: QueueFull, Error: fmt.Sprintf("the callback queue is full (%d): raise --callback-queue or speed up the receiver", d.cfg.QueueSize)})
		d.warnFull()
	}
}

// warnFull logs a full queue at most once a second.
func (d *Dispatcher) warnFull() {
	now := time.Now().UnixNano()
	last := d.lastWarn.Load()
	if now-last < int64(time.Second) || !d.lastWarn.CompareAndSwap(last, now) {
		return
	}
	d.cfg.Logger.Warn("callback queue full: callbacks dropped", "queue", d.cfg.QueueSize, "dropped_total", d.full.Load())
}

// work sends one partition's callbacks in order; a reorder fault holds one
// back until the next arrives (or ReorderWait passes).
func (d *Dispatcher) work(q chan *delivery) {
	defer d.wg.Done()
	var held *delivery
	var timer <-chan time.Time
	for {
		select {
		case dl, ok := <-q:
			if !ok {
				if held != nil {
					d.send(held)
				}
				return
			}
			if dl.fault.Reorder && held == nil {
				held, timer = dl, time.After(d.cfg.ReorderWait)
				continue
			}
			d.send(dl)
			if held != nil && held.partKey == dl.partKey {
				d.send(held)
				held, timer = nil, nil
			}
		case <-timer:
			d.send(held)
			held, timer = nil, nil
		}
	}
}

// send makes the attempts of one callback: the first after its delay,
// then one per retry on a non-2xx, a timeout or a failed connection.
func (d *Dispatcher) send(dl *delivery) {
	defer d.pending.Add(-1)
	if d.stop.Err() != nil {
		d.record(dl, Attempt{Outcome: Abandoned, Error: "the fake shut down before it was sent"})
		return
	}
	if wait := dl.fault.Delay; wait > 0 {
		if dl.fault.DelayMax > wait {
			wait += rand.N(dl.fault.DelayMax - wait)
		}
		if !d.sleep(wait) {
			d.record(dl, Attempt{Outcome: Abandoned, Error: "the fake shut down"})
			return
		}
	}
	backoff := d.cfg.Backoff
	for try := 1; ; try++ {
		a := d.client.attempt(d.stop, dl, d.cfg.Format)
		a.Try = try
		switch {
		case a.Outcome == Refused:
			d.refused.Add(1)
			d.record(dl, a)
			d.finish(dl)
			d.cfg.Logger.Warn("callback refused by the allow-list", "url", dl.target.URL, "error", a.Error)
			return
		case a.Status >= 200 && a.Status < 300:
			a.Outcome = Delivered
			d.delivered.Add(1)
			d.record(dl, a)
			d.finish(dl)
			return
		case try > d.cfg.Retries:
			a.Outcome = GaveUp
			d.gaveUp.Add(1)
			d.record(dl, a)
			d.finish(dl)
			d.cfg.Logger.Warn("callback given up", "url", dl.target.URL, "event", dl.event.Kind, "tries", try, "status", a.Status, "error", a.Error)
			return
		}
		a.Outcome = Retrying
		d.record(dl, a)
		if !d.sleep(backoff) {
			d.record(dl, Attempt{Outcome: Abandoned, Try: try, Error: "the fake shut down before the retry"})
			return
		}
		backoff *= 2
	}
}

// sleep waits, false when the Dispatcher is stopping for good.
func (d *Dispatcher) sleep(wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-d.stop.Done():
		return false
	}
}

// record journals an attempt of dl, filling in what dl says.
func (d *Dispatcher) record(dl *delivery, a Attempt) {
	n := dl.notice
	a.ID, a.Session, a.PhloID, a.NodeID = dl.id, n.Session, n.PhloID, n.NodeID
	a.Seq, a.Index, a.Event, a.Member = dl.event.Seq, dl.event.Index, dl.event.Kind, dl.event.Member
	a.CallUUID = dl.event.Params["call_uuid"]
	a.URL, a.Method, a.Fault, a.Recovered = dl.target.URL, dl.target.method(), dl.faults, dl.recovered
	if a.Time.IsZero() {
		a.Time = time.Now()
	}
	d.journal.add(a)
}

// Journal lists the attempts f selects, oldest first, and how many were
// ever journaled (the journal keeps Config.JournalSize, all sessions
// together). f.Session "" is the default session's.
func (d *Dispatcher) Journal(f Filter) ([]Attempt, uint64) { return d.journal.list(f) }

// Count is how many journaled attempts f selects (f.Session "": the
// default session's).
func (d *Dispatcher) Count(f Filter) int {
	l, _ := d.journal.list(f)
	return len(l)
}

// Stats returns the counts since the Dispatcher started.
func (d *Dispatcher) Stats() Stats {
	return Stats{Queued: d.queued.Load(), Delivered: d.delivered.Load(), GaveUp: d.gaveUp.Load(),
		Dropped: d.dropped.Load(), Refused: d.refused.Load(), QueueFull: d.full.Load(), Pending: d.pending.Load()}
}

// Rewind starts a session's Nth counts of the faults over, as the fake's
// reset rewinds its rules' counters.
func (d *Dispatcher) Rewind(session string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := range d.nth {
		if k.session == session {
			delete(d.nth, k)
		}
	}
}

// Forget drops what the Dispatcher keeps of an ended session: its
// targets, counts and journal. Its callbacks already queued are sent.
func (d *Dispatcher) Forget(session string) {
	d.Rewind(session)
	d.ClearJournal(session)
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := range d.targets {
		if k.session == session {
			delete(d.targets, k)
		}
	}
}

// ClearJournal empties the outbound journal of a session ("": the
// default session's).
// Callbacks queued are still sent and journaled.
func (d *Dispatcher) ClearJournal(session string) { d.journal.reset(session) }

// AllTargets returns the targets set at run time in a session, by node.
func (d *Dispatcher) AllTargets(session string) map[[2]string][]Target {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := map[[2]string][]Target{}
	for k, t := range d.targets {
		if k.session == session {
			out[[2]string{k.phloID, k.nodeID}] = append([]Target{}, t...)
		}
	}
	return out
}

// Close stops taking callbacks and waits for the queued ones to be sent
// until ctx is done; then it abandons the rest (journaled as abandoned,
// and left in the Outbox for another replica) and returns ctx's error.
// It closes Config.Outbox when that has a Close method.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.closing)
	for _, q := range d.queues {
		close(q)
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	if c, ok := d.cfg.Outbox.(interface{ Close() }); ok {
		defer c.Close()
	}
	select {
	case <-done:
		d.abort()
		return nil
	case <-ctx.Done():
		d.abort()
		<-done
		return ctx.Err()
	}
}
