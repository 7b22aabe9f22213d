package certify

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/phlomock/phlomock/certify/driver"
)

// The ids every case uses. They are UUIDs, as the contract requires, and
// fixed, so that reports are deterministic.
const (
	PhloID        = "3f6d2c9e-5c1a-4c4e-9b7e-2a3c4d5e6f70"
	NodeID        = "7a1b2c3d-0e9f-4a8b-8c7d-6e5f4a3b2c1d"
	MemberAddress = "+14152223333"
	SIPAddress    = "sip:alice123@phone.plivo.com"
	ToAddress     = "+14152225555"
)

// A Case is one call the client under test makes, and what the fake
// answers to it.
type Case struct {
	// ID is "OPERATION/NAME", e.g. "coldTransfer/bad-role"; --cases globs
	// match it.
	ID string `json:"id"`
	// Operation is the driver protocol's operation (driver.OpColdTransfer...).
	Operation string `json:"operation"`
	// Params are what the driver passes to the client.
	Params driver.Params `json:"params"`
	// Trouble, when set, is what the fake answers to the operation instead
	// of the contract's success: one of the Troubles. The requests the
	// client makes before the operation (plivo-go reads the PHLO and the
	// node first) are answered normally.
	Trouble *Trouble `json:"trouble,omitempty"`
	// Switch: the call goes to the fake's second address with a second
	// account's credentials, after a case that used the first ones: a
	// client that keeps its first base URL or credentials sends them
	// (CodeSentStaleConfig).
	Switch bool `json:"switch,omitempty"`
	// Sequence, when set, plays the case on a simulated multi-party call
	// (package mockserver/multiparty): the client makes the Before calls,
	// then the case's own, on one call whose state answers each (a hold
	// twice, an unhold without a hold, an action after a hangup). Each
	// call is judged on its own requests.
	Sequence *Sequence `json:"sequence,omitempty"`
}

// A Trouble is an error answer a case arranges through the scenario engine.
type Trouble struct {
	// Name is the second half of the case id: "auth-failure", ...
	Name   string `json:"name"`
	Status int    `json:"status"`
	// Error is the "error" text of the JSON answer; "" with Body set.
	Error string `json:"error,omitempty"`
	// Header is added to the answer (Retry-After).
	Header map[string]string `json:"header,omitempty"`
	// Body, when set, is sent instead of the JSON error, as is: "" sends
	// no body at all.
	Body *string `json:"body,omitempty"`
	// ContentType replaces application/json when set.
	ContentType string `json:"content_type,omitempty"`
	// Drop: the fake closes the connection without answering (Status 0).
	Drop bool `json:"drop,omitempty"`
	// Hold: the fake holds the answer past the call's timeout budget (the
	// driver's call timeout), then drops the connection: a client must
	// give up on its own (CodeClientNoTimeout).
	Hold bool `json:"hold,omitempty"`
	// Slow: the fake answers the contract's success after SlowDelay: a
	// client whose timeout is under a second gives up on a valid answer
	// (CodeClientTimeoutTooShort).
	Slow bool `json:"slow,omitempty"`
	// RetryAt, with a 429, sends Retry-After as an HTTP date this far
	// ahead of the answer (RFC 9110 allows seconds or a date): a client
	// that reads only seconds, or ignores the date, retries too soon.
	RetryAt time.Duration `json:"retry_at,omitempty"`
}

// The operations whose cases include every Trouble: a read, a node action
// and a member action, so that a client that fails early on one kind of
// operation is still judged on the others.
var troubledOperations = []string{driver.OpGetPhlo, driver.OpColdTransfer, driver.OpHold}

// Troubles are the error answers of the certification, for operation op
// (the 400's message names a parameter op has).
func Troubles(op string) []Trouble {
	bad := Trouble{Name: "bad-request", Status: 400, Error: "Invalid value provided for phlo_id."}
	switch op {
	case driver.OpCall, driver.OpWarmTransfer, driver.OpColdTransfer:
		bad = Trouble{Name: "bad-role", Status: 400, Error: "Invalid value provided for role. Allowed values are customer, agent."}
	case driver.OpAbortTransfer, driver.OpHold, driver.OpUnhold, driver.OpHangup, driver.OpResumeCall, driver.OpVoicemailDrop:
		bad = Trouble{Name: "bad-request", Status: 400, Error: "Invalid value provided for member_address."}
	}
	empty, text := "", "<html><body><h1>502 Bad Gateway</h1></body></html>"
	return []Trouble{
		bad,
		{Name: "auth-failure", Status: 401, Error: "Authentication failed: invalid Auth ID or Auth Token."},
		{Name: "unknown-phlo", Status: 404, Error: "PHLO " + PhloID + " not found."},
		{Name: "rate-limited", Status: 429, Error: "Too many requests: retry after 1 second.", Header: map[string]string{"Retry-After": "1"}},
		{Name: "rate-limited-date", Status: 429, Error: "Too many requests: retry after the date in Retry-After.", RetryAt: RetryAtDelay},
		// Not "Internal server error.": a text that differs from the status
		// line's reason phrase in case only would pass a client that shows
		// nothing but the status line, now that texts compare without case.
		{Name: "server-error", Status: 500, Error: "Internal server error: the PHLO runner failed, try again later."},
		{Name: "empty-body", Status: 400, Body: &empty},
		{Name: "not-json", Status: 502, Body: &text, ContentType: "text/html"},
		{Name: "dropped", Drop: true},
	}
}

// noAnswer is the trouble of the one case whose answer never comes in
// time: getPhlo/no-answer. slow is the case whose valid answer comes late.
var (
	noAnswer = Trouble{Name: "no-answer", Hold: true}
	slow     = Trouble{Name: "slow", Slow: true}
)

// RetryAtDelay is how far ahead the rate-limited-date case's Retry-After
// date is: at least a second once rounded up to HTTP's whole seconds.
const RetryAtDelay = 2 * time.Second

// SlowDelay is how late the slow case's valid answer comes: past a
// sub-second timeout, well within the budget a sane client waits.
const SlowDelay = 1500 * time.Millisecond

// firstOffered are the cases that judge the client's handling of time and
// configuration on one operation: getPhlo, or the first operation the
// client offers when it does not offer getPhlo (Runner.Run retargets
// them).
func firstOffered(c Case) bool {
	return c.Switch || c.Trouble != nil && (c.Trouble.Hold || c.Trouble.Slow)
}

// retarget moves the firstOffered cases to the first operation of the
// protocol the client offers, when it does not offer theirs: a client
// that only transfers must still show it has a timeout.
func retarget(cases []Case, hello driver.HelloInfo) []Case {
	out := make([]Case, len(cases))
	for i, c := range cases {
		out[i] = c
		if !firstOffered(c) || hello.Supports(c.Operation) {
			continue
		}
		for _, op := range driver.Operations {
			if hello.Supports(op) {
				_, name, _ := strings.Cut(c.ID, "/")
				c.ID, c.Operation, c.Params = op+"/"+name, op, paramsFor(op)
				out[i] = c
				break
			}
		}
	}
	return out
}

// paramsFor is the valid input of an operation's ok case.
func paramsFor(op string) driver.Params {
	node := driver.Params{PhloID: PhloID, NodeID: NodeID}
	switch op {
	case driver.OpRunPhlo:
		return driver.Params{PhloID: PhloID, Payload: map[string]string{"from": MemberAddress, "to": ToAddress}}
	case driver.OpGetPhlo:
		return driver.Params{PhloID: PhloID}
	case driver.OpGetMultiPartyCall:
		return node
	case driver.OpCall, driver.OpWarmTransfer, driver.OpColdTransfer:
		node.To, node.TriggerSource, node.Role = ToAddress, MemberAddress, "agent"
		if op == driver.OpCall {
			node.Role = "customer"
		}
		return node
	}
	node.MemberAddress = MemberAddress
	return node
}

// Cases returns the certification's cases, in the order they run: every
// operation with valid input (OP/ok), the variants a client must get right
// (no role, no payload, a SIP member address), then every Trouble on
// getPhlo, coldTransfer and hold, and last getPhlo/no-answer.
func Cases() []Case {
	node := driver.Params{PhloID: PhloID, NodeID: NodeID}
	transfer := func(role string) driver.Params {
		p := node
		p.To, p.Role, p.TriggerSource = ToAddress, role, MemberAddress
		return p
	}
	member := func(addr string) driver.Params {
		p := node
		p.MemberAddress = addr
		return p
	}
	params := func(op string) driver.Params {
		switch op {
		case driver.OpRunPhlo:
			return driver.Params{PhloID: PhloID, Payload: map[string]string{"from": MemberAddress, "to": ToAddress}}
		case driver.OpGetPhlo:
			return driver.Params{PhloID: PhloID}
		case driver.OpGetMultiPartyCall:
			return node
		case driver.OpCall:
			return transfer("customer")
		case driver.OpWarmTransfer, driver.OpColdTransfer:
			return transfer("agent")
		}
		return member(MemberAddress)
	}
	var cs []Case
	for _, op := range driver.Operations {
		cs = append(cs, Case{ID: op + "/ok", Operation: op, Params: params(op)})
		switch op {
		case driver.OpRunPhlo:
			cs = append(cs, Case{ID: op + "/no-payload", Operation: op, Params: driver.Params{PhloID: PhloID}})
		case driver.OpCall, driver.OpWarmTransfer, driver.OpColdTransfer:
			cs = append(cs, Case{ID: op + "/no-role", Operation: op, Params: transfer("")})
		case driver.OpHold:
			cs = append(cs, Case{ID: op + "/sip-address", Operation: op, Params: member(SIPAddress)})
		}
	}
	// Repeated and reordered member actions, on a simulated call.
	cs = append(cs, sequenceCases(params)...)
	for _, op := range troubledOperations {
		for _, t := range Troubles(op) {
			cs = append(cs, Case{ID: op + "/" + t.Name, Operation: op, Params: params(op), Trouble: &t})
		}
	}
	// A valid answer that comes late; the base URL and credentials
	// changed between two calls.
	sl := slow
	cs = append(cs, Case{ID: driver.OpGetPhlo + "/" + sl.Name, Operation: driver.OpGetPhlo, Params: params(driver.OpGetPhlo), Trouble: &sl},
		Case{ID: driver.OpGetPhlo + "/switched-account", Operation: driver.OpGetPhlo, Params: params(driver.OpGetPhlo), Switch: true})
	// Last: a client that does not give up costs a restart of the driver.
	t := noAnswer
	cs = append(cs, Case{ID: driver.OpGetPhlo + "/" + t.Name, Operation: driver.OpGetPhlo, Params: params(driver.OpGetPhlo), Trouble: &t})
	return cs
}

// Select keeps the cases whose ID matches one of the comma-separated glob
// patterns (path.Match syntax: "coldTransfer/*", "*/ok,hold/*"). An empty
// selection keeps every case. A pattern that matches nothing is an error,
// so that a typo does not certify an empty run.
func Select(cases []Case, patterns string) ([]Case, error) {
	if strings.TrimSpace(patterns) == "" {
		return cases, nil
	}
	var globs []string
	for _, p := range strings.Split(patterns, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("cases %q: %w", p, err)
			}
			globs = append(globs, p)
		}
	}
	hit := make([]bool, len(globs))
	var out []Case
	for _, c := range cases {
		keep := false
		for i, g := range globs {
			if ok, _ := path.Match(g, c.ID); ok {
				hit[i], keep = true, true
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	for i, g := range globs {
		if !hit[i] {
			return nil, fmt.Errorf("cases %q: %w", g, ErrNoCase)
		}
	}
	return out, nil
}
