package callbacks

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/mockserver/multiparty"
)

// Kind is the value of the event variable.
type Kind string

// The events a multi-party call node reports. The first three are the
// values Plivo documents for the event variable; Completed and Failed are
// the node's documented end states, sent as events of their own (how PHLO
// reports them is not public: phlomock's choice).
const (
	ConferenceEnter Kind = "ConferenceEnter"
	ConferenceExit  Kind = "ConferenceExit"
	Redirect        Kind = "Redirect"
	Completed       Kind = "Completed"
	Failed          Kind = "Failed"
)

// Kinds lists every event kind, for the parsers and the error messages.
var Kinds = []Kind{ConferenceEnter, ConferenceExit, Redirect, Completed, Failed}

// A Transition is one action the call model accepted, with what the
// callbacks of its node need: which node, which account signs them, and
// what changed.
type Transition struct {
	PhloID, NodeID string
	// NodeName is the conference_name of the events.
	NodeName string
	// From is the caller id the node dials from (the designer's From);
	// empty: each member's own address, and direction inbound.
	From string
	// Seq is the action's sequence number on its call (multiparty.Result.Seq).
	Seq    uint64
	Action multiparty.Action
	// Result says which members changed, and how many are left (the node
	// completes when nobody is).
	Result multiparty.Result
}

// An Event is one callback's variables, before it is addressed and signed.
type Event struct {
	Kind Kind
	// Member is the address of the member the event is about ("" for
	// the node's Completed and Failed).
	Member string
	// Seq is the sequence number of the action that fired the event; Index
	// its place among the events of that action, from 0.
	Seq   uint64
	Index int
	// Params are the variables sent, by name.
	Params map[string]string
}

// Events returns the events a transition fires, in the order they are
// sent: a Redirect for a transfer (about its initiator), then the members
// who entered the conference, then those who left, then Completed when
// nobody is left. Hold, unhold, mute and the states inside a warm
// transfer change no event: Plivo documents none for them.
func Events(t Transition) []Event {
	var out []Event
	add := func(kind Kind, ch *multiparty.Change, extra map[string]string) {
		p := map[string]string{
			"event":           string(kind),
			"conference_name": t.NodeName,
			"conference_uuid": ConferenceUUID(t.PhloID, t.NodeID),
			"call_status":     "in-progress",
		}
		member := ""
		if ch != nil {
			member = ch.Address
			from, direction := t.From, "outbound"
			if from == "" {
				from, direction = ch.Address, "inbound"
			}
			p["call_uuid"] = CallUUID(t.PhloID, t.NodeID, ch.Address)
			p["member_id"] = strconv.Itoa(ch.Index + 1)
			p["from"], p["to"], p["direction"], p["caller_name"] = from, ch.Address, direction, from
			p["from_iso2"], p["to_iso2"] = ISO2(from), ISO2(ch.Address)
			p["bill_rate"] = "0"
			if kind == ConferenceExit {
				p["call_status"] = "completed"
			}
		}
		if kind == Completed || kind == Failed {
			p["call_status"] = "completed"
			p["state"] = string(kind)
		}
		for k, v := range extra {
			p[k] = v
		}
		out = append(out, Event{Kind: kind, Member: member, Seq: t.Seq, Index: len(out), Params: p})
	}
	changes := t.Result.Changes
	present := func(s multiparty.State) bool { return s != "" && s != multiparty.Disconnected }
	if k := t.Action.Kind; k == multiparty.ColdTransfer || k == multiparty.WarmTransfer {
		for i := range changes {
			if changes[i].Address == t.Action.TriggerSource {
				add(Redirect, &changes[i], map[string]string{"transfer_to": t.Action.To, "transfer_type": strings.TrimSuffix(string(k), "_transfer")})
			}
		}
	}
	for i := range changes {
		if !present(changes[i].From) && present(changes[i].To) {
			add(ConferenceEnter, &changes[i], nil)
		}
	}
	for i := range changes {
		if present(changes[i].From) && !present(changes[i].To) {
			add(ConferenceExit, &changes[i], nil)
		}
	}
	if t.Result.Present == 0 && len(out) > 0 && out[len(out)-1].Kind == ConferenceExit {
		add(Completed, nil, nil)
	}
	return out
}

// FailedEvent is the event of a node that fails (a scenario's fail fault)
// after the action t.
func FailedEvent(t Transition) Event {
	return Event{Kind: Failed, Seq: t.Seq, Params: map[string]string{
		"event": string(Failed), "state": string(Failed), "call_status": "failed",
		"conference_name": t.NodeName, "conference_uuid": ConferenceUUID(t.PhloID, t.NodeID),
	}}
}

// CallUUID is the call_uuid of a member: the same in every event about it,
// on every replica, derived from the node and the address.
func CallUUID(phloID, nodeID, address string) string {
	return uuidOf("call", phloID, nodeID, address)
}

// ConferenceUUID is the conference_uuid of a node's call.
func ConferenceUUID(phloID, nodeID string) string {
	return uuidOf("conference", phloID, nodeID)
}

// uuidOf is a name-based UUID (version 5's layout, SHA-256 of the parts).
func uuidOf(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// iso2 maps calling codes to the country Plivo would name, longest first.
var iso2 = []struct{ prefix, code string }{
	{"+1", "US"}, {"+44", "GB"}, {"+91", "IN"}, {"+61", "AU"}, {"+33", "FR"},
	{"+49", "DE"}, {"+34", "ES"}, {"+39", "IT"}, {"+31", "NL"}, {"+65", "SG"},
	{"+81", "JP"}, {"+55", "BR"}, {"+52", "MX"}, {"+353", "IE"}, {"+971", "AE"},
}

// ISO2 is the country of a phone number by its calling code ("" for a SIP
// endpoint or an unknown code). +1 is US: the NANP's other countries share
// it, and a fake has no number plan to tell them apart.
func ISO2(address string) string {
	best := ""
	for _, c := range iso2 {
		if strings.HasPrefix(address, c.prefix) && len(c.prefix) > len(best) {
			best = c.prefix
		}
	}
	for _, c := range iso2 {
		if c.prefix == best {
			return c.code
		}
	}
	return ""
}
