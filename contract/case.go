package contract

import (
	"encoding/json"
	"net/http"
)

// A Case is one request of the suite and what its answer must look like.
// Cases are plain values: Generate derives them from the spec, and scenario
// interactions convert to them, so a suite is just a slice.
type Case struct {
	// ID names the case in reports; stable across runs, unique in a suite.
	ID string `json:"id"`
	// Operation is the spec's operationId the request targets, or "" when
	// the request targets no operation (a wrong method).
	Operation string `json:"operation"`
	// Safe cases cannot place a call: reads, and requests the API must
	// refuse. Unsafe ("live") cases dial real phones on a real deployment
	// and only run when Runner.Live is set.
	Safe bool `json:"safe"`
	// RealIDs marks a case that needs a PHLO and node that exist on the
	// target (Target.PhloID and Target.NodeID); it is skipped without them.
	RealIDs bool `json:"real_ids,omitempty"`
	// UnknownID marks a case that sends a PHLO or node id no target has
	// (GenerateOptions.UnknownID). A target that accepts every one of them
	// gets one finding, unknown-ids-accepted, instead of a failure each.
	UnknownID bool `json:"unknown_id,omitempty"`
	// Sequence, when set, chains the case to the others of the same
	// Sequence: they run one after another in suite order (a scenario's
	// interactions depend on the state the earlier ones left). Cases
	// without a Sequence run concurrently.
	Sequence string `json:"sequence,omitempty"`
	// Constraint is the JSON pointer into the contract of the rule the
	// case comes from; its findings cite it.
	Constraint string `json:"constraint,omitempty"`
	// Generated marks a case of the random part (GenerateOptions.Seed):
	// a failure of it is shrunk to the smallest request that still fails.
	Generated bool `json:"generated,omitempty"`
	// Description says in a sentence what the case proves.
	Description string  `json:"description,omitempty"`
	Request     Request `json:"request"`
	Expect      Expect  `json:"expect"`
}

// Auth is the credential a request carries.
type Auth string

const (
	// AuthDefault sends the target's Auth ID and Auth Token (Basic auth).
	AuthDefault Auth = ""
	// AuthNone sends no Authorization header.
	AuthNone Auth = "none"
	// AuthWrong sends the target's Auth ID with a token that is not its own.
	AuthWrong Auth = "wrong"
	// AuthBearer sends the target's Auth Token as a Bearer token.
	AuthBearer Auth = "bearer"
	// AuthMalformed sends a Basic value that is not base64.
	AuthMalformed Auth = "malformed"
	// AuthOtherID sends another account's Auth ID with the target's token.
	AuthOtherID Auth = "other-id"
)

// Request is what a case sends.
type Request struct {
	Method string `json:"method"`
	// Path is a template such as /v1/phlo/{phlo_id}. Parameters not given in
	// PathParams are filled from the Target (auth_id, phlo_id, node_id,
	// member_address).
	Path       string            `json:"path"`
	PathParams map[string]string `json:"path_params,omitempty"`
	Header     http.Header       `json:"header,omitempty"`
	Auth       Auth              `json:"auth,omitempty"`
	// Body is sent as is with Content-Type: application/json; nil sends no body.
	Body json.RawMessage `json:"body,omitempty"`
}

// Outcome is the class of answer a case requires.
type Outcome string

const (
	// OutcomeAny accepts any status the spec documents for the operation:
	// a valid action may still be refused by the state of the call.
	OutcomeAny Outcome = ""
	// OutcomeSuccess requires a 2xx.
	OutcomeSuccess Outcome = "success"
	// OutcomeAccept requires a 2xx, or a refusal for the state of the
	// call: a 400 whose text calls nothing invalid ("hold refused: the
	// member is not on the call"). A refusal that calls a valid value
	// invalid or missing is code refused-valid-request.
	OutcomeAccept Outcome = "accept"
	// OutcomeReject requires a 4xx: the request is invalid and a 2xx means
	// the API accepted it (code accepted-invalid-request).
	OutcomeReject Outcome = "reject"
)

// Expect is what a case requires of its answer beyond the spec.
type Expect struct {
	Outcome Outcome `json:"outcome,omitempty"`
	// Status, when non-zero, is the exact status required.
	Status int `json:"status,omitempty"`
	// Fields maps JSON pointers into the response body to required values.
	Fields map[string]any `json:"fields,omitempty"`
	// ErrorContains, when set, must occur in the body's error text.
	ErrorContains string `json:"error_contains,omitempty"`
	// ErrorNames, when set, is the field a refusal is about: the error
	// text must name it as a word (Plivo's texts do: "to is a mandatory
	// param.", "Invalid value provided for role."), or a client cannot
	// tell its user what to fix. Code error-field-unnamed.
	ErrorNames string `json:"error_names,omitempty"`
	// AlsoNames are the other fields really missing or invalid in the
	// request: the contract does not say in which order a server
	// validates, so a 400 naming any of them names the right field.
	AlsoNames []string `json:"also_names,omitempty"`
}
