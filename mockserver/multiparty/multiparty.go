package multiparty

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Role of a member.
type Role string

// The roles the contract allows.
const (
	Customer Role = "customer"
	Agent    Role = "agent"
)

// State of a member.
type State string

// Member states.
const (
	// Connected: in the conference, hearing and heard by the others.
	Connected State = "connected"
	// OnHold: muted, hearing hold music, after hold or while a warm
	// transfer it is part of is pending (the transferred party, U2).
	OnHold State = "on_hold"
	// InTransfer: in the private warm-transfer leg (the initiator U1 and
	// the target U3).
	InTransfer State = "in_transfer"
	// Disconnected: left the call (hangup, voicemail_drop, cold transfer of
	// the initiator, completed warm transfer of the initiator).
	Disconnected State = "disconnected"
)

// Kind names an action as the API does.
type Kind string

// Node actions (POST .../multi_party_call/{node_id}).
const (
	Call         Kind = "call"
	WarmTransfer Kind = "warm_transfer"
	ColdTransfer Kind = "cold_transfer"
)

// Member actions (POST .../members/{member_address}).
const (
	AbortTransfer Kind = "abort_transfer"
	Hold          Kind = "hold"
	Unhold        Kind = "unhold"
	Hangup        Kind = "hangup"
	ResumeCall    Kind = "resume_call"
	VoicemailDrop Kind = "voicemail_drop"
	// Mute and Unmute come from plivo-python (member.mute()/unmute()),
	// not from Plivo's PHLO documentation. Mute is not hold: the member
	// stays in the conversation and hears it, only the others stop
	// hearing them; it is a flag beside the state (Member.Muted).
	Mute   Kind = "mute"
	Unmute Kind = "unmute"
)

// IsNodeAction reports whether k is posted on the node path.
func (k Kind) IsNodeAction() bool { return k == Call || k == WarmTransfer || k == ColdTransfer }

// Action is one request on a call. Node actions use To, Role and
// TriggerSource; member actions use Member (the address in the path).
type Action struct {
	Kind          Kind   `json:"action"`
	Member        string `json:"member,omitempty"`
	To            string `json:"to,omitempty"`
	Role          Role   `json:"role,omitempty"`
	TriggerSource string `json:"trigger_source,omitempty"`
}

func (a Action) subject() string {
	if a.Kind.IsNodeAction() {
		if a.Kind == Call {
			return a.To
		}
		return a.TriggerSource
	}
	return a.Member
}

// Sentinels wrapped by TransitionError: the reasons a transition is refused.
var (
	ErrUnknownAction     = errors.New("unknown action")
	ErrMissingField      = errors.New("missing field")
	ErrInvalidRole       = errors.New("invalid role")
	ErrNotOnCall         = errors.New("member is not on the call")
	ErrAlreadyOnCall     = errors.New("member is already on the call")
	ErrSelfTransfer      = errors.New("cannot transfer to oneself")
	ErrNoOtherParty      = errors.New("no other member to transfer")
	ErrNoOtherConnected  = errors.New("no other member is connected to hand over")
	ErrTransferPending   = errors.New("a warm transfer is pending")
	ErrNoPendingTransfer = errors.New("no transfer is pending")
	ErrNotInitiator      = errors.New("member did not start the pending transfer")
	ErrNotConnected      = errors.New("member is not connected")
	ErrNotOnHold         = errors.New("member is not on hold")
	ErrNothingToResume   = errors.New("member is neither on hold nor in a transfer")
	ErrAlreadyMuted      = errors.New("member is already muted")
	ErrNotMuted          = errors.New("member is not muted")
)

// TransitionError is a transition the model forbids. The fake answers it
// with 400 and Error() as the error text.
type TransitionError struct {
	Action Kind
	Member string
	Reason error // one of the sentinels above
	Detail string
}

func (e *TransitionError) Error() string {
	msg := fmt.Sprintf("%s refused for %s: %v", e.Action, e.Member, e.Reason)
	if e.Member == "" {
		msg = fmt.Sprintf("%s refused: %v", e.Action, e.Reason)
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

func (e *TransitionError) Unwrap() error { return e.Reason }

// Member is one participant of a call.
type Member struct {
	Address string `json:"address"`
	Role    Role   `json:"role"`
	State   State  `json:"state"`
	// Muted: the others do not hear the member (mute), whatever its
	// state; a member who leaves and is called again starts unmuted.
	Muted bool `json:"muted,omitempty"`
}

// Transfer is a pending warm transfer: Initiator (U1) talks privately with
// Target (U3) while Held (U2...) wait on hold.
type Transfer struct {
	Initiator string   `json:"initiator"`
	Target    string   `json:"target"`
	Held      []string `json:"held"`
}

// Applied is an action the call accepted, with its sequence number.
type Applied struct {
	Seq    uint64 `json:"seq"`
	Action Action `json:"action"`
}

// Result is what an accepted action did.
type Result struct {
	// Seq numbers the accepted actions of a call from 1, in the order
	// they took effect.
	Seq uint64
	// Completed is set when the action completed a pending warm transfer,
	// Aborted when it cancelled one.
	Completed, Aborted bool
	// Changes are the members whose state the action changed, in the
	// order of their first arrival on the call: what an observer of the
	// call (the event callbacks) reports.
	Changes []Change
	// Present is how many members are on the call after the action (not
	// disconnected): 0 when the last one left.
	Present int
}

// A Change is one member's state before and after an action. From is ""
// for a member who was never on the call.
type Change struct {
	// Index is the member's place in the order of first arrival, from 0:
	// the same for a member however often it leaves and comes back.
	Index   int    `json:"index"`
	Address string `json:"address"`
	Role    Role   `json:"role"`
	From    State  `json:"from"`
	To      State  `json:"to"`
}

// Snapshot is the state of a call at one sequence number.
type Snapshot struct {
	PhloID   string    `json:"phlo_id"`
	NodeID   string    `json:"node_id"`
	Seq      uint64    `json:"seq"`
	Members  []Member  `json:"members"`
	Transfer *Transfer `json:"transfer"`
}

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

func refuse(a Action, reason error, detail string) error {
	return &TransitionError{Action: a.Kind, Member: a.subject(), Reason: reason, Detail: detail}
}

func (c *CallState) apply(a Action) (Result, error) {
	switch a.Kind {
	case Call:
		return c.call(a)
	case ColdTransfer, WarmTransfer:
		return c.transferStart(a)
	case AbortTransfer, Hold, Unhold, Hangup, ResumeCall, VoicemailDrop, Mute, Unmute:
		if a.Member == "" {
			return Result{}, refuse(a, ErrMissingField, "member address")
		}
		i := c.present(a.Member)
		if i < 0 {
			return Result{}, refuse(a, ErrNotOnCall, "")
		}
		return c.memberAction(a, i)
	}
	return Result{}, refuse(a, ErrUnknownAction, string(a.Kind))
}

func role(a Action) (Role, error) {
	switch a.Role {
	case "":
		// plivo-go sends "role":"" and the docs say role defaults to agent.
		return Agent, nil
	case Customer, Agent:
		return a.Role, nil
	}
	return "", refuse(a, ErrInvalidRole, fmt.Sprintf("%q: allowed values are customer and agent", a.Role))
}

func (c *CallState) call(a Action) (Result, error) {
	if a.To == "" {
		return Result{}, refuse(a, ErrMissingField, "to")
	}
	r, err := role(a)
	if err != nil {
		return Result{}, err
	}
	if c.present(a.To) >= 0 {
		return Result{}, refuse(a, ErrAlreadyOnCall, "")
	}
	c.join(a.To, r, Connected)
	return Result{}, nil
}

// transferStart checks and applies cold_transfer and warm_transfer: U1 is
// TriggerSource, U3 is To, U2 are the other members present.
func (c *CallState) transferStart(a Action) (Result, error) {
	switch {
	case a.TriggerSource == "":
		return Result{}, refuse(a, ErrMissingField, "trigger_source")
	case a.To == "":
		return Result{}, refuse(a, ErrMissingField, "to")
	}
	r, err := role(a)
	if err != nil {
		return Result{}, err
	}
	u1 := c.present(a.TriggerSource)
	switch {
	case u1 < 0:
		return Result{}, refuse(a, ErrNotOnCall, "")
	case c.transfer != nil:
		return Result{}, refuse(a, ErrTransferPending, "abort or complete it first")
	case c.members[u1].State != Connected:
		return Result{}, refuse(a, ErrNotConnected, string(c.members[u1].State))
	case a.To == a.TriggerSource:
		return Result{}, refuse(a, ErrSelfTransfer, "")
	case c.present(a.To) >= 0:
		return Result{}, refuse(a, ErrAlreadyOnCall, a.To)
	}
	// U2: the others present (for a warm transfer, those connected: they
	// are the ones put on hold and handed over).
	var others []string
	for _, m := range c.members {
		if m.Address == a.TriggerSource || m.State == Disconnected || (a.Kind == WarmTransfer && m.State != Connected) {
			continue
		}
		others = append(others, m.Address)
	}
	if len(others) == 0 {
		// A warm transfer hands over the connected members: when the
		// others are there but none is connected (all on hold), say so,
		// not that nobody is there to transfer.
		var held []string
		for _, m := range c.members {
			if m.Address != a.TriggerSource && m.State != Disconnected {
				held = append(held, m.Address+" is "+string(m.State))
			}
		}
		if len(held) > 0 {
			return Result{}, refuse(a, ErrNoOtherConnected, strings.Join(held, ", "))
		}
		return Result{}, refuse(a, ErrNoOtherParty, "")
	}
	if a.Kind == ColdTransfer {
		c.members[u1].State = Disconnected
		c.join(a.To, r, Connected)
		return Result{}, nil
	}
	t := &Transfer{Initiator: a.TriggerSource, Target: a.To}
	for _, addr := range others {
		c.setState(addr, OnHold)
		t.Held = append(t.Held, addr)
	}
	c.members[u1].State = InTransfer
	c.join(a.To, r, InTransfer)
	c.transfer = t
	return Result{}, nil
}

// inTransfer reports whether addr takes part in the pending transfer.
func (c *CallState) inTransfer(addr string) bool {
	t := c.transfer
	return t != nil && (addr == t.Initiator || addr == t.Target || slices.Contains(t.Held, addr))
}

// complete ends the pending transfer with everyone in it connected.
func (c *CallState) complete() {
	t := c.transfer
	c.setState(t.Initiator, Connected)
	c.setState(t.Target, Connected)
	for _, h := range t.Held {
		c.setState(h, Connected)
	}
	c.transfer = nil
}

// abort cancels the pending transfer: the target leaves, the others are
// back as before.
func (c *CallState) abort() {
	t := c.transfer
	c.setState(t.Target, Disconnected)
	c.setState(t.Initiator, Connected)
	for _, h := range t.Held {
		c.setState(h, Connected)
	}
	c.transfer = nil
}

func (c *CallState) memberAction(a Action, i int) (Result, error) {
	m := &c.members[i]
	t := c.transfer
	switch a.Kind {
	case AbortTransfer:
		switch {
		case t == nil:
			return Result{}, refuse(a, ErrNoPendingTransfer, "")
		case t.Initiator != a.Member:
			return Result{}, refuse(a, ErrNotInitiator, "post abort_transfer on "+t.Initiator)
		}
		c.abort()
		return Result{Aborted: true}, nil

	case Hold:
		switch {
		case c.inTransfer(a.Member):
			return Result{}, refuse(a, ErrTransferPending, "")
		case m.State != Connected:
			return Result{}, refuse(a, ErrNotConnected, string(m.State))
		}
		m.State = OnHold
		return Result{}, nil

	case Unhold:
		switch {
		case c.inTransfer(a.Member):
			return Result{}, refuse(a, ErrTransferPending, "")
		case m.State != OnHold:
			return Result{}, refuse(a, ErrNotOnHold, string(m.State))
		}
		m.State = Connected
		return Result{}, nil

	case ResumeCall:
		if c.inTransfer(a.Member) {
			// Resuming from any leg of a warm transfer brings U2 in:
			// U1, U2 and U3 all talk.
			c.complete()
			return Result{Completed: true}, nil
		}
		if m.State != OnHold {
			return Result{}, refuse(a, ErrNothingToResume, string(m.State))
		}
		m.State = Connected
		return Result{}, nil

	case Mute:
		if m.Muted {
			return Result{}, refuse(a, ErrAlreadyMuted, "")
		}
		m.Muted = true
		return Result{}, nil

	case Unmute:
		if !m.Muted {
			return Result{}, refuse(a, ErrNotMuted, "")
		}
		m.Muted = false
		return Result{}, nil

	case Hangup, VoicemailDrop:
		if t == nil || !c.inTransfer(a.Member) {
			m.State = Disconnected
			return Result{}, nil
		}
		switch a.Member {
		case t.Initiator:
			// The attended-transfer convention: the initiator hanging up
			// hands U2 over to U3.
			c.complete()
			c.setState(a.Member, Disconnected)
			return Result{Completed: true}, nil
		case t.Target:
			// The target leaving (or its voicemail answering) cancels.
			c.abort()
			return Result{Aborted: true}, nil
		}
		// One of the held parties leaves; the transfer goes on, or is
		// cancelled when nobody is left to hand over.
		t.Held = slices.DeleteFunc(t.Held, func(h string) bool { return h == a.Member })
		m.State = Disconnected
		if len(t.Held) == 0 {
			c.abort()
			return Result{Aborted: true}, nil
		}
		return Result{}, nil
	}
	return Result{}, refuse(a, ErrUnknownAction, string(a.Kind))
}

// ActionFrom builds an action from a validated request: body is the decoded
// JSON body of a node or member action, member the {member_address} path
// parameter ("" on the node path). Fields that are not strings are left
// empty, for Apply to refuse.
func ActionFrom(member string, body map[string]any) Action {
	str := func(k string) string { s, _ := body[k].(string); return s }
	a := Action{Kind: Kind(str("action")), Member: member}
	if member == "" {
		a.To, a.Role, a.TriggerSource = str("to"), Role(str("role")), str("trigger_source")
	}
	return a
}
