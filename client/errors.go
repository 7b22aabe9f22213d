package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinels matched by errors.Is on an *APIError, by status.
var (
	ErrBadRequest   = errors.New("bad request")  // 400
	ErrUnauthorized = errors.New("unauthorized") // 401
	ErrForbidden    = errors.New("forbidden")    // 403
	ErrNotFound     = errors.New("not found")    // 404
	ErrRateLimited  = errors.New("rate limited") // 429
	ErrServerError  = errors.New("server error") // any 5xx
	// ErrInvalidResponse matches a 2xx answer whose body is not the JSON
	// object the operation returns: the call may or may not have taken effect.
	ErrInvalidResponse = errors.New("invalid response")
)

// APIError is an answer of the server that is not a success: any non-2xx
// status, or a 2xx whose body cannot be decoded.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// APIID identifies the request at Plivo; empty when the body had none.
	APIID string
	// Message is the body's "error" text, or, when the body has none, a
	// description of what came instead, such as "Not Found (empty body)".
	Message string
	// Body is the raw body (at most 1 MiB of it).
	Body []byte
	// Err is the decoding error of a 2xx body, nil otherwise.
	Err error
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "phlorunner: %d %s", e.StatusCode, e.Message)
	if e.APIID != "" {
		fmt.Fprintf(&b, " (api_id %s)", e.APIID)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServerError:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	case ErrInvalidResponse:
		return e.StatusCode >= 200 && e.StatusCode <= 299
	}
	return false
}

// newAPIError builds the error of a non-2xx answer from whatever its body is.
func newAPIError(status int, body []byte) *APIError {
	e := &APIError{StatusCode: status, Body: body}
	text := http.StatusText(status)
	if text == "" {
		text = fmt.Sprintf("status %d", status)
	}
	// Decoded loosely: an error body with an odd shape still yields what it has.
	var fields map[string]any
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		e.Message = text + " (empty body)"
	case json.Unmarshal(body, &fields) != nil || fields == nil:
		e.Message = fmt.Sprintf("%s (not a JSON object: %s)", text, excerpt(body))
	default:
		e.APIID, _ = fields["api_id"].(string)
		e.Message, _ = fields["error"].(string)
		if e.Message == "" {
			e.Message = fmt.Sprintf("%s (no error text in body: %s)", text, excerpt(body))
		}
	}
	return e
}

// excerpt is the start of a body, on one line, for a message.
func excerpt(body []byte) string {
	const max = 120
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}
