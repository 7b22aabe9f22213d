package certify

import (
	"errors"
	"fmt"
)

// Code identifies a kind of finding. Codes are API: they never change
// meaning, and reports, JUnit types and tests key on them. doc.go and the
// README keep the table of what each means.
type Code string

// What the client SENT, judged from the fake's journal.
const (
	CodeSentNothing           Code = "sent-nothing"
	CodeSentWrongOperation    Code = "sent-wrong-operation"
	CodeSentContractViolation Code = "sent-contract-violation"
	CodeSentNoAuth            Code = "sent-no-auth"
	CodeSentWrongContentType  Code = "sent-wrong-content-type"
	CodeSentWrongValue        Code = "sent-wrong-value"
	CodeSentStrayField        Code = "sent-stray-field"
	CodeSentExtraRequests     Code = "sent-extra-requests"
	// Added by issue 13: each class the first outside review found missed.
	CodeSentBodyOnBodiless     Code = "sent-body-on-bodiless"
	CodeSentActionRetried      Code = "sent-action-retried"
	CodeSentRetryTooSoon       Code = "sent-retry-too-soon"
	CodeSentUndeclaredQuery    Code = "sent-undeclared-query"
	CodeSentCredentialsExposed Code = "sent-credentials-exposed"
)

// What the client DID with an answer that never came, judged from the
// driver's silence.
const (
	// CodeClientNoTimeout: the fake held the answer past the call's
	// timeout budget and the client did not give up: the driver did not
	// answer within the call's timeout. The driver is restarted and the run
	// goes on.
	CodeClientNoTimeout Code = "client-no-timeout"
)

// What the client SURFACED, judged from the driver's result against the
// answer the fake actually gave.
const (
	CodeSurfacedNoAPIID            Code = "surfaced-no-api-id"
	CodeSurfacedWrongField         Code = "surfaced-wrong-field"
	CodeSurfacedErrorOnSuccess     Code = "surfaced-error-on-success"
	CodeSurfacedSuccessOnError     Code = "surfaced-success-on-error"
	CodeSurfacedSuccessWithoutSend Code = "surfaced-success-without-request"
	CodeSurfacedNoStatus           Code = "surfaced-no-status"
	CodeSurfacedWrongStatus        Code = "surfaced-wrong-status"
	CodeSurfacedNoMessage          Code = "surfaced-no-message"
	CodeDriverError                Code = "driver-error"
)

// Codes lists every code in the order of the documentation table.
func Codes() []Code {
	return []Code{
		CodeSentNothing, CodeSentWrongOperation, CodeSentContractViolation, CodeSentNoAuth,
		CodeSentWrongContentType, CodeSentWrongValue, CodeSentStrayField, CodeSentExtraRequests,
		CodeSentBodyOnBodiless, CodeSentActionRetried, CodeSentRetryTooSoon, CodeSentUndeclaredQuery,
		CodeSentCredentialsExposed, CodeSentWrongHost, CodeSentStaleConfig, CodeSentAfterReturn,
		CodeClientNoTimeout, CodeClientTimeoutTooShort, CodeClientCredentialsInOutput,
		CodeSurfacedNoAPIID, CodeSurfacedWrongField, CodeSurfacedErrorOnSuccess, CodeSurfacedSuccessOnError,
		CodeSurfacedSuccessWithoutSend, CodeSurfacedNoStatus, CodeSurfacedWrongStatus, CodeSurfacedNoMessage,
		CodeDriverError,
	}
}

// ErrFinding is matched (errors.Is) by every *Finding.
var ErrFinding = errors.New("certification finding")

// A Finding is one way a client failed a case. Message is deterministic:
// it never quotes the fresh api_ids of the fake, so that reports of the
// same client are byte-identical from run to run.
type Finding struct {
	Code    Code   `json:"code"`
	Case    string `json:"case"`
	Message string `json:"message"`
}

func (f *Finding) Error() string { return fmt.Sprintf("%s: %s: %s", f.Case, f.Code, f.Message) }

// Is makes errors.Is(f, ErrFinding) true.
func (f *Finding) Is(target error) bool { return target == ErrFinding }
