package scenarios

import (
	"fmt"
	"time"
)

// Version is the only format version this package reads.
const Version = 1

// Pos is where a value was written in its file. The zero Pos means the value
// was built in Go rather than parsed.
type Pos struct {
	Line   int
	Column int
}

// A Scenario is one parsed file: the world the fake starts from, the rules
// that override the contract's answers, and the interactions a conformance run
// sends. Values built by Parse carry their positions so that Validate can name
// file:line:column.
type Scenario struct {
	File        string
	Version     int
	Name        string
	Description string
	// Stateful makes the fake simulate the multi-party calls (see package
	// mockserver/multiparty): a transition the model forbids answers 400.
	Stateful     bool
	World        World
	Rules        []Rule
	Interactions []Interaction
	// Callbacks are the faults the event callbacks are delivered with
	// (the targets are the world's nodes': Node.Callbacks).
	Callbacks Callbacks
	// Source is the file as Parse or Check read it; nil for a Scenario
	// built in Go. Replicas of the fake that share their scenarios through
	// a store send each other the source, and parse it again.
	Source []byte
}

// World is what exists before the first request: accounts, PHLOs, their
// multi-party call nodes and the members already on those calls.
type World struct {
	Accounts []Account
	PHLOs    []PHLO
}

// Account is a pair of credentials the fake accepts.
type Account struct {
	Pos       Pos
	AuthID    string
	AuthToken string
}

// PHLO is one PHLO of the world.
type PHLO struct {
	Pos       Pos
	ID        string
	Name      string
	CreatedOn string
	Nodes     []Node
}

// Node is a multi-party call node of a PHLO.
type Node struct {
	Pos       Pos
	ID        string
	Name      string
	CreatedOn string
	Members   []Member
	// Callbacks are where the node sends its event callbacks; nil: none.
	Callbacks *NodeCallbacks
}

// Member is someone already on a node's call when the fake starts.
type Member struct {
	Pos     Pos
	Address string
	Role    string // customer or agent
	State   string // connected, on_hold, in_transfer or disconnected; empty means connected
}

// A Rule overrides the contract's answer for the requests it matches. Rules
// are tried in file order; the first that matches answers.
type Rule struct {
	Pos   Pos
	Name  string
	Match Match
	// Respond is the answer; exactly one of Respond and Sequence is set.
	Respond *Response
	// Sequence answers the first matching request with its first step, and
	// so on; the last step answers every request after that.
	Sequence []Step
	// Times, when positive, is how many requests the rule answers; after
	// that it no longer matches and the request falls through to the next
	// rule or to the contract.
	Times int
}

// Match selects requests. Empty fields match anything; all set fields must
// match. Matcher (NewMatcher) says how each field is compared; the control
// plane's verification and journal filters compare the same way.
type Match struct {
	Operation    string
	OperationPos Pos
	Method       string
	MethodPos    Pos
	// Path is a pattern in the syntax of path.Match ("*" is one segment),
	// compared with the request path; a trailing slash is ignored on both.
	Path       string
	PathPos    Pos
	PathParams map[string]string
	// Body fields are compared with the top-level fields of the JSON body,
	// as text: 1, "1" and 1.0 are equal.
	Body    map[string]string
	Headers map[string]string
	// KeyPos and ValuePos hold where each name of path_params and body,
	// and each body value, was written, keyed "path_params.NAME" and
	// "body.NAME" (for CheckRules). Nil for a Match built in Go.
	KeyPos   map[string]Pos
	ValuePos map[string]Pos
	// AuthID is the Basic-auth user (the credentials' Auth ID).
	AuthID string
}

// Response is one answer of a rule.
type Response struct {
	Pos Pos
	// Status 0 (no status) keeps the contract's answer: the rule only adds
	// a delay or headers.
	Status  int
	Headers map[string]string
	// Body is the body template: a JSON value (objects are map[string]any)
	// or, when BodyRaw is true, raw text. Nil means the default body, the
	// contract's error shape {"api_id", "error"}.
	Body    any
	BodyRaw bool
	Delay   Delay
	// Drop closes the connection without answering.
	Drop bool
}

// Step is one answer of a sequence, used Times times (default 1).
type Step struct {
	Response
	Times int
}

// Delay is a fixed latency (Min == Max) or a range drawn uniformly.
type Delay struct {
	Pos Pos
	Min time.Duration
	Max time.Duration
}

// IsZero reports whether d adds no latency.
func (d Delay) IsZero() bool { return d.Min == 0 && d.Max == 0 }

func (d Delay) String() string {
	if d.Min == d.Max {
		return d.Min.String()
	}
	return fmt.Sprintf("%s..%s", d.Min, d.Max)
}

// An Interaction is a request a conformance run sends for this scenario and
// what it must see.
type Interaction struct {
	Pos     Pos
	Name    string
	Request InteractionRequest
	Expect  Expect
}

// Auth values of an interaction request.
const (
	AuthDefault = "default" // the run's credentials
	AuthNone    = "none"    // no Authorization header
	AuthWrong   = "wrong"   // the run's Auth ID with a wrong token
)

// InteractionRequest describes a request by operation; the conformance suite
// builds the method and path from the contract unless Method or Path is set.
type InteractionRequest struct {
	Operation    string
	OperationPos Pos
	Method       string
	Path         string
	PathParams   map[string]string
	Headers      map[string]string
	Auth         string // AuthDefault (when empty), AuthNone or AuthWrong
	Body         any    // a JSON value; nil sends no body
}

// Expect is what an interaction's answer must show.
type Expect struct {
	Pos    Pos
	Status int
	// Body lists top-level fields the JSON answer must carry with these
	// values (other fields are ignored).
	Body map[string]any
	// Error must be a substring of the answer's "error" field.
	Error string
}
