package multiparty

import (
	"fmt"
	"slices"
	"sync"
)

// Options configure calls; the zero value is a good default.
type Options struct {
	// LogSize is how many applied actions a call keeps for Log (the most
	// recent); 0 means 1024, a negative value keeps none.
	LogSize int
	// MaxCalls bounds the calls a Registry creates on first use; seeded
	// calls are not counted and never forgotten. 0 means DefaultMaxCalls, a
	// negative value sets no bound. A new call at the bound makes the
	// registry forget the least recently used calls that nobody is on (every
	// member disconnected, or none), a sixteenth of the bound at once; when
	// everyone is on some call, the new one is refused with ErrTooManyCalls.
	MaxCalls int
}

// CallState is one simulated multi-party call: the state machine alone
// (what a Registry needs to bound its calls is the Registry's). It is safe
// for concurrent use.
type CallState struct {
	phloID, nodeID string
	logSize        int

	mu       sync.Mutex
	seq      uint64
	members  []Member // in order of first arrival
	transfer *Transfer
	log      []Applied
	logHead  int // index of the oldest entry once log is full
}

// NewCall returns a call whose members are initial (copied). Initial
// members in state InTransfer are not accepted: a call starts without a
// pending transfer.
func NewCall(phloID, nodeID string, initial []Member, opts Options) (*CallState, error) {
	c := &CallState{phloID: phloID, nodeID: nodeID, logSize: opts.LogSize}
	if c.logSize == 0 {
		c.logSize = DefaultLogSize
	}
	for _, m := range initial {
		if m.Role == "" {
			m.Role = Agent
		}
		if m.State == "" {
			m.State = Connected
		}
		switch {
		case m.Address == "":
			return nil, fmt.Errorf("initial member without address: %w", ErrMissingField)
		case m.Role != Customer && m.Role != Agent:
			return nil, fmt.Errorf("initial member %s: role %q: %w", m.Address, m.Role, ErrInvalidRole)
		case m.State != Connected && m.State != OnHold && m.State != Disconnected:
			return nil, fmt.Errorf("initial member %s: state %q: want connected, on_hold or disconnected", m.Address, m.State)
		case c.find(m.Address) >= 0:
			return nil, fmt.Errorf("initial member %s: %w", m.Address, ErrAlreadyOnCall)
		}
		c.members = append(c.members, m)
	}
	return c, nil
}

// Apply performs a on the call, or refuses it with a *TransitionError and
// changes nothing.
func (c *CallState) Apply(a Action) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.applyLocked(a)
}

// applyLocked is Apply with c.mu held: the action, its sequence number and
// its log entry.
func (c *CallState) applyLocked(a Action) (Result, error) {
	before := make([]State, len(c.members))
	for i := range c.members {
		before[i] = c.members[i].State
	}
	res, err := c.apply(a)
	if err != nil {
		return Result{}, err
	}
	for i := range c.members {
		var was State
		if i < len(before) {
			was = before[i]
		}
		m := c.members[i]
		if m.State != was {
			res.Changes = append(res.Changes, Change{Index: i, Address: m.Address, Role: m.Role, From: was, To: m.State})
		}
		if m.State != Disconnected {
			res.Present++
		}
	}
	c.seq++
	res.Seq = c.seq
	if c.logSize > 0 {
		// A ring: once full, the oldest entry is overwritten in place.
		if len(c.log) < c.logSize {
			c.log = append(c.log, Applied{Seq: c.seq, Action: a})
		} else {
			c.log[c.logHead] = Applied{Seq: c.seq, Action: a}
			c.logHead = (c.logHead + 1) % c.logSize
		}
	}
	return res, nil
}

// Snapshot copies the call's state.
func (c *CallState) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshotLocked()
}

func (c *CallState) snapshotLocked() Snapshot {
	s := Snapshot{PhloID: c.phloID, NodeID: c.nodeID, Seq: c.seq, Members: slices.Clone(c.members)}
	if s.Members == nil {
		s.Members = []Member{}
	}
	if c.transfer != nil {
		t := *c.transfer
		t.Held = slices.Clone(t.Held)
		s.Transfer = &t
	}
	return s
}

// Log returns the most recent applied actions, oldest first.
func (c *CallState) Log() []Applied {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(slices.Clone(c.log[c.logHead:]), c.log[:c.logHead]...)
}

// idle reports whether nobody is on the call (c.mu held): a call that
// could be forgotten, and begun again empty, with no member noticing.
func (c *CallState) idle() bool {
	if c.transfer != nil {
		return false
	}
	for i := range c.members {
		if c.members[i].State != Disconnected {
			return false
		}
	}
	return true
}

func (c *CallState) find(addr string) int {
	for i := range c.members {
		if c.members[i].Address == addr {
			return i
		}
	}
	return -1
}

// present returns the index of addr when it is on the call (not
// disconnected), else -1.
func (c *CallState) present(addr string) int {
	i := c.find(addr)
	if i < 0 || c.members[i].State == Disconnected {
		return -1
	}
	return i
}

func (c *CallState) setState(addr string, s State) {
	if i := c.find(addr); i >= 0 {
		c.members[i].State = s
	}
}

// join adds addr or brings a disconnected member back, in state s.
func (c *CallState) join(addr string, role Role, s State) {
	if i := c.find(addr); i >= 0 {
		c.members[i].Role, c.members[i].State, c.members[i].Muted = role, s, false
		return
	}
	c.members = append(c.members, Member{Address: addr, Role: role, State: s})
}
