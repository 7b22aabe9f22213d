package driver

import (
	"encoding/json"
	"fmt"
	"slices"
)

// ProtocolVersion is the newest version of the driver protocol this
// package speaks, the one phlomock opens with. MinProtocolVersion is the
// oldest it still accepts: a version 1 driver keeps working, without the
// per-call timeout budget of version 2 (CallMessage.TimeoutMS).
const (
	ProtocolVersion    = 2
	MinProtocolVersion = 1
)

// Message types: the value of every message's "type".
const (
	TypeHello  = "hello"
	TypeCall   = "call"
	TypeResult = "result"
	TypeBye    = "bye"
)

// Operations a driver may list in its hello, one per client method of the
// PHLO runner API.
const (
	OpRunPhlo           = "runPhlo"
	OpGetPhlo           = "getPhlo"
	OpGetMultiPartyCall = "getMultiPartyCall"
	OpCall              = "call"
	OpWarmTransfer      = "warmTransfer"
	OpColdTransfer      = "coldTransfer"
	OpAbortTransfer     = "abortTransfer"
	OpHold              = "hold"
	OpUnhold            = "unhold"
	OpHangup            = "hangup"
	OpResumeCall        = "resumeCall"
	OpVoicemailDrop     = "voicemailDrop"
)

// An OperationSpec is where a protocol operation lands in the contract: the
// operationId of its request and, for the node and member actions, the
// value of the body's "action". It is the one table of the protocol's
// operations: the judge reads what a request should be from it, and the
// reference driver which client call to make.
type OperationSpec struct {
	Name        string // the protocol's name, as listed in a hello
	OperationID string // the contract's operationId
	Action      string // the body's "action"; "" when the operation has none
}

// The contract's operation ids of the actions.
const (
	opIDNodeAction   = "updateMultiPartyCall"
	opIDMemberAction = "updateMember"
)

// NodeAction reports whether the operation is an action on a multi-party
// call node (call, warm or cold transfer): its body carries to, role and
// trigger_source besides the action.
func (o OperationSpec) NodeAction() bool { return o.OperationID == opIDNodeAction }

// MemberAction reports whether the operation is an action on one member of
// a call: its body is the action alone.
func (o OperationSpec) MemberAction() bool { return o.OperationID == opIDMemberAction }

// operationSpecs is every operation of protocol version 1, in the order of
// the protocol document's table.
var operationSpecs = []OperationSpec{
	{OpRunPhlo, "runPhlo", ""},
	{OpGetPhlo, "getPhlo", ""},
	{OpGetMultiPartyCall, "getMultiPartyCall", ""},
	{OpCall, opIDNodeAction, "call"},
	{OpWarmTransfer, opIDNodeAction, "warm_transfer"},
	{OpColdTransfer, opIDNodeAction, "cold_transfer"},
	{OpAbortTransfer, opIDMemberAction, "abort_transfer"},
	{OpHold, opIDMemberAction, "hold"},
	{OpUnhold, opIDMemberAction, "unhold"},
	{OpHangup, opIDMemberAction, "hangup"},
	{OpResumeCall, opIDMemberAction, "resume_call"},
	{OpVoicemailDrop, opIDMemberAction, "voicemail_drop"},
}

// Operations lists every operation of protocol version 1, in the order of
// the protocol document's table.
var Operations = func() []string {
	names := make([]string, len(operationSpecs))
	for i, o := range operationSpecs {
		names[i] = o.Name
	}
	return names
}()

// Spec returns where the protocol operation op lands in the contract, and
// false for a name the protocol does not have.
func Spec(op string) (OperationSpec, bool) {
	for _, o := range operationSpecs {
		if o.Name == op {
			return o, true
		}
	}
	return OperationSpec{}, false
}

// HelloRequest is phlomock's opening message.
type HelloRequest struct {
	Type     string `json:"type"`
	Protocol int    `json:"protocol"`
}

// HelloInfo is the driver's answer to the hello: who it is and what its
// client offers.
type HelloInfo struct {
	Type       string   `json:"type"`
	Protocol   int      `json:"protocol"`
	Client     string   `json:"client"`
	Version    string   `json:"version"`
	Operations []string `json:"operations"`
}

// Supports reports whether the driver listed op in its hello.
func (h HelloInfo) Supports(op string) bool { return slices.Contains(h.Operations, op) }

// CallMessage asks the driver to perform one operation with its client.
// Type is set by Driver.Call; callers leave it empty.
type CallMessage struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Operation string `json:"operation"`
	BaseURL   string `json:"base_url"`
	AuthID    string `json:"auth_id"`
	AuthToken string `json:"auth_token"`
	Params    Params `json:"params"`
	// TimeoutMS (protocol 2) is the client's timeout budget for this call,
	// in milliseconds: the driver gives the client an HTTP timeout of at
	// most this long (for the whole call, retries included), so that an
	// answer the fake holds back becomes an error result. Zero (protocol 1)
	// leaves the choice to the driver, below the call's own timeout.
	TimeoutMS int `json:"timeout_ms,omitempty"`
}

// Params are an operation's parameters. An empty string means "not given":
// it is left out of the message, and the driver must not pass it to the
// client at all.
type Params struct {
	PhloID        string `json:"phlo_id,omitempty"`
	NodeID        string `json:"node_id,omitempty"`
	MemberAddress string `json:"member_address,omitempty"`
	To            string `json:"to,omitempty"`
	Role          string `json:"role,omitempty"`
	TriggerSource string `json:"trigger_source,omitempty"`
	// Payload is runPhlo's data; nil means the PHLO is run without data.
	Payload map[string]string `json:"payload,omitempty"`
}

// Outcome says how the client's call ended.
type Outcome string

const (
	// OutcomeSuccess: the client returned a value; Result.Fields holds what it surfaced.
	OutcomeSuccess Outcome = "success"
	// OutcomeError: the client returned or threw an error; Result.Error holds it.
	OutcomeError Outcome = "error"
	// OutcomeUnsupported: the client cannot perform the operation.
	OutcomeUnsupported Outcome = "unsupported"
	// OutcomeDriverError: the driver itself failed, not the client.
	OutcomeDriverError Outcome = "driver_error"
)

func (o Outcome) valid() bool {
	switch o {
	case OutcomeSuccess, OutcomeError, OutcomeUnsupported, OutcomeDriverError:
		return true
	}
	return false
}

// Result is the driver's report of one call.
type Result struct {
	Type    string  `json:"type"`
	ID      string  `json:"id"`
	Outcome Outcome `json:"outcome"`
	// Fields are the values the client surfaced on success, under the API's
	// snake_case names (api_id, phlo_id, ...), as strings.
	Fields map[string]string `json:"fields,omitempty"`
	// Error is what the client exposed of an error (outcome "error").
	Error *ClientError `json:"error,omitempty"`
	// Message explains an "unsupported" or "driver_error" outcome.
	Message string `json:"message,omitempty"`
}

// ClientError is an error as the client under test exposed it.
type ClientError struct {
	// Status is the HTTP status as the client exposes it; 0 when it does not.
	Status int `json:"status"`
	// Message is the error's text as the application sees it.
	Message string `json:"message"`
	// APIID is the request id, when the client exposes one.
	APIID string `json:"api_id,omitempty"`
}

// ByeMessage ends the session.
type ByeMessage struct {
	Type string `json:"type"`
}

// envelope reads only the type of a message.
type envelope struct {
	Type string `json:"type"`
}

// decodeHello checks a driver's hello line.
func decodeHello(line []byte) (HelloInfo, error) {
	var h HelloInfo
	if err := decodeMessage(line, TypeHello, &h); err != nil {
		return HelloInfo{}, err
	}
	if h.Protocol < MinProtocolVersion || h.Protocol > ProtocolVersion {
		return HelloInfo{}, fmt.Errorf("%w: driver speaks protocol %d, phlomock speaks %d to %d", ErrProtocol, h.Protocol, MinProtocolVersion, ProtocolVersion)
	}
	return h, nil
}

// decodeResult checks a driver's answer to the call with the given id.
func decodeResult(line []byte, id string) (Result, error) {
	var r Result
	if err := decodeMessage(line, TypeResult, &r); err != nil {
		return Result{}, err
	}
	if r.ID != id {
		return Result{}, fmt.Errorf("%w: result for id %q, want %q", ErrProtocol, r.ID, id)
	}
	if !r.Outcome.valid() {
		return Result{}, fmt.Errorf("%w: unknown outcome %q", ErrProtocol, r.Outcome)
	}
	if r.Outcome == OutcomeError && r.Error == nil {
		return Result{}, fmt.Errorf("%w: outcome \"error\" without an \"error\" object", ErrProtocol)
	}
	return r, nil
}

// decodeMessage decodes one line into v after checking its type. Unknown
// fields are ignored, as the protocol requires.
func decodeMessage(line []byte, wantType string, v any) error {
	var env envelope
	if err := json.Unmarshal(line, &env); err != nil {
		return fmt.Errorf("%w: not a JSON object: %s: %q", ErrProtocol, jsonErr(err), clip(line))
	}
	if env.Type != wantType {
		return fmt.Errorf("%w: got a message of type %q, want %q: %q", ErrProtocol, env.Type, wantType, clip(line))
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("%w: bad %s message: %s: %q", ErrProtocol, wantType, jsonErr(err), clip(line))
	}
	return nil
}

func jsonErr(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("field %q must be %s, not %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
