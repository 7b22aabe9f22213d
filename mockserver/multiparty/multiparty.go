package multiparty

import (
	"errors"
	"fmt"
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
