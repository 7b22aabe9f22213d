package contract

import (
	"errors"
	"fmt"

	"github.com/phlomock/phlomock/internal/report"
)

// Code identifies a kind of violation. Codes are API: they never change
// meaning, and reports, JUnit types and tests key on them.
type Code string

// The violation codes. doc.go and the README keep the table of what each means.
const (
	CodeTransport          Code = "transport"
	CodeStatusUndocumented Code = "status-undocumented"
	CodeStatusUnexpected   Code = "status-unexpected"
	CodeAcceptedInvalid    Code = "accepted-invalid-request"
	CodeContentType        Code = "content-type"
	CodeBodyNotJSON        Code = "body-not-json"
	CodeBodySchema         Code = "body-schema"
	CodeAPIIDMissing       Code = "api-id-missing"
	CodeAPIIDNotUUID       Code = "api-id-not-uuid"
	CodeErrorEmpty         Code = "error-empty-on-failure"
	CodeErrorOnSuccess     Code = "error-set-on-success"
	CodeBodyField          Code = "body-field"
	CodeErrorText          Code = "error-text"
	CodeErrorFieldUnnamed  Code = "error-field-unnamed"
	CodeUnknownIDsAccepted Code = "unknown-ids-accepted"
	CodeRefusedValid       Code = "refused-valid-request"
	CodeBodyNotStrict      Code = "body-not-strict-json"
	CodeAPIIDRepeated      Code = "api-id-repeated"
	CodeIDNotEchoed        Code = "id-not-echoed"
	CodeCredentialLeaked   Code = "credential-leaked"
)

// Codes lists every code in the order of the documentation table.
func Codes() []Code {
	return []Code{
		CodeTransport, CodeStatusUndocumented, CodeStatusUnexpected, CodeAcceptedInvalid,
		CodeContentType, CodeBodyNotJSON, CodeBodySchema, CodeAPIIDMissing, CodeAPIIDNotUUID,
		CodeErrorEmpty, CodeErrorOnSuccess, CodeBodyField, CodeErrorText,
		CodeErrorFieldUnnamed, CodeUnknownIDsAccepted,
		CodeRefusedValid, CodeBodyNotStrict, CodeAPIIDRepeated, CodeIDNotEchoed, CodeCredentialLeaked,
	}
}

// ErrViolation is matched (errors.Is) by every *Violation.
var ErrViolation = errors.New("contract violation")

// A Violation is one way an answer breaks the contract.
//
// Pointer is a JSON pointer into the answer seen as the document
// {"status": ..., "headers": {...}, "body": ...}: /status, /headers/Content-Type,
// /body, /body/api_id, /body/error and so on.
type Violation struct {
	Code      Code   `json:"code"`
	Case      string `json:"case"`
	Operation string `json:"operation"`
	Pointer   string `json:"pointer"`
	Message   string `json:"message"`
	// Constraint is the JSON pointer into the contract of the rule the
	// answer broke: the case's own, or the response the answer must match.
	Constraint string `json:"constraint,omitempty"`
}

func (v *Violation) Error() string {
	op := v.Operation
	if op == "" {
		op = "-"
	}
	return fmt.Sprintf("%s: %s %s %s: %s (contract %s)", v.Case, op, v.Code, v.Pointer, v.Message, report.OrDash(v.Constraint))
}

// Is makes errors.Is(v, ErrViolation) true.
func (v *Violation) Is(target error) bool { return target == ErrViolation }
