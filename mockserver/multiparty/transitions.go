package multiparty

import (
	"fmt"
	"slices"
	"strings"
)

// refuse is the *TransitionError of an action the state machine does not allow.
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
