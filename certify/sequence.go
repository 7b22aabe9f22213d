package certify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// A Sequence is a case played on a simulated multi-party call: the calls
// Before, then the case's own, each on the case's member (a call: to it).
// The call starts with an agent (SequenceAgent) and, unless Absent, the
// member as a customer, both connected. What each call gets is the call
// model's answer (package mockserver/multiparty): a transition it forbids
// is a 400 naming why, which the client must send all the same and surface
// as an error; Expect says which, from the model itself.
type Sequence struct {
	// Before are the operations the client performs first, in order.
	Before []string `json:"before,omitempty"`
	// Absent: the member is not on the call at the start (a hold before
	// the call that brings them in).
	Absent bool `json:"absent,omitempty"`
}

// SequenceAgent is the agent on every sequence's call; the member's call
// action names it as trigger_source.
const SequenceAgent = "+14155550100"

// sequences are the repeated and reordered member actions: the same
// action twice, an unhold before the hold, a hold before the call that
// brings the member in, an action after a hangup.
var sequences = []struct {
	name, op string
	seq      Sequence
}{
	{"twice", driver.OpHold, Sequence{Before: []string{driver.OpHold}}},
	{"before-hold", driver.OpUnhold, Sequence{Before: []string{driver.OpUnhold, driver.OpHold}}},
	{"before-call", driver.OpHold, Sequence{Before: []string{driver.OpHold, driver.OpCall}, Absent: true}},
	{"after-hangup", driver.OpHold, Sequence{Before: []string{driver.OpHangup}}},
	{"twice", driver.OpHangup, Sequence{Before: []string{driver.OpHangup}}},
}

// sequenceCases are the cases of sequences, on the member address params
// gives.
func sequenceCases(params func(op string) driver.Params) []Case {
	var cs []Case
	for _, s := range sequences {
		seq := s.seq
		cs = append(cs, Case{ID: s.op + "/" + s.name, Operation: s.op, Params: params(s.op), Sequence: &seq})
	}
	return cs
}

// steps are the case's calls in order: the sequence's, then its own.
func (c Case) steps() []Case {
	if c.Sequence == nil {
		return []Case{c}
	}
	out := make([]Case, 0, len(c.Sequence.Before)+1)
	for _, op := range c.Sequence.Before {
		out = append(out, Case{ID: c.ID, Operation: op, Params: stepParams(op, c.Params)})
	}
	step := c
	step.Sequence = nil
	return append(out, step)
}

// stepParams are a sequence's call of op on the case's member.
func stepParams(op string, p driver.Params) driver.Params {
	s := driver.Params{PhloID: p.PhloID, NodeID: p.NodeID}
	if o, _ := driver.Spec(op); o.NodeAction() {
		s.To, s.TriggerSource, s.Role = p.MemberAddress, SequenceAgent, "customer"
		return s
	}
	s.MemberAddress = p.MemberAddress
	return s
}

// An Expect is the call model's answer to one call of a sequence.
type Expect struct {
	Operation string `json:"operation"`
	// Refused: the model forbids the transition (the fake answers 400 with
	// Reason as its error).
	Refused bool   `json:"refused,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func (e Expect) String() string {
	if e.Refused {
		return e.Operation + " refused (" + e.Reason + ")"
	}
	return e.Operation + " accepted"
}

// Expect plays the case's calls on the call model, as the fake will: what
// each must get. Nil for a case that is not a sequence.
func (c Case) Expect() ([]Expect, error) {
	if c.Sequence == nil {
		return nil, nil
	}
	call, err := multiparty.NewCall(c.Params.PhloID, c.Params.NodeID, c.members(), multiparty.Options{})
	if err != nil {
		return nil, err
	}
	var out []Expect
	for _, s := range c.steps() {
		o, _ := driver.Spec(s.Operation)
		a := multiparty.Action{Kind: multiparty.Kind(o.Action), Member: s.Params.MemberAddress, To: s.Params.To,
			Role: multiparty.Role(s.Params.Role), TriggerSource: s.Params.TriggerSource}
		e := Expect{Operation: s.Operation}
		if _, err := call.Apply(a); err != nil {
			var te *multiparty.TransitionError
			if !errors.As(err, &te) {
				return nil, err
			}
			e.Refused, e.Reason = true, te.Reason.Error()
			if te.Detail != "" {
				e.Reason += " (" + te.Detail + ")"
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (c Case) members() []multiparty.Member {
	ms := []multiparty.Member{{Address: SequenceAgent, Role: multiparty.Agent, State: multiparty.Connected}}
	if !c.Sequence.Absent {
		ms = append(ms, multiparty.Member{Address: c.Params.MemberAddress, Role: multiparty.Customer, State: multiparty.Connected})
	}
	return ms
}

// describeSequences says, for the value space, what each sequence's calls
// get from the call model.
func describeSequences() string {
	var parts []string
	params := func(op string) driver.Params { return paramsFor(op) }
	for _, c := range sequenceCases(params) {
		exp, err := c.Expect()
		if err != nil {
			parts = append(parts, fmt.Sprintf("%s: %v", c.ID, err))
			continue
		}
		var calls []string
		for _, e := range exp {
			calls = append(calls, e.String())
		}
		parts = append(parts, c.ID+": "+strings.Join(calls, ", "))
	}
	return strings.Join(parts, "; ")
}
