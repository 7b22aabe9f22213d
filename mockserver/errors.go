package mockserver

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
)

// Code classifies why the fake refused a request. Codes are API: the journal,
// the certifier and scripts compare them; never compare error texts.
type Code string

// The codes of refused requests and failed answers.
const (
	CodeMissing          Code = "missing"            // a required field or parameter is absent
	CodeInvalidValue     Code = "invalid-value"      // not one of the allowed values (enum, discriminator)
	CodeWrongType        Code = "wrong-type"         // the JSON type differs from the schema's
	CodePattern          Code = "pattern"            // a string does not match the schema's pattern
	CodeLength           Code = "length"             // a string or array is too long or too short
	CodeInvalid          Code = "invalid"            // any other schema rule
	CodeMalformedBody    Code = "malformed-body"     // the body is not JSON
	CodeUnauthorized     Code = "unauthorized"       // missing or wrong Basic credentials
	CodeNotFound         Code = "not-found"          // no such path, PHLO or node
	CodeMethodNotAllowed Code = "method-not-allowed" // the path exists with other methods
	CodeBodyTooLarge     Code = "body-too-large"     // over Options.MaxBodyBytes
	CodeMediaType        Code = "unsupported-media"  // a body that is not application/json
	CodeBadAnswer        Code = "bad-answer"         // the fake's own answer broke the spec
	CodeInternal         Code = "internal"           // a bug in the fake
	CodeUnavailable      Code = "unavailable"        // the Store could not give the request its state
	CodeUnknownSession   Code = "unknown-session"    // a session that ended or never existed
)

// ErrStateLost is wrapped by the errors of a store shared by replicas
// that lost the fake's state (a Redis restarted empty, FLUSHALL): the
// fake answers 503 naming what was lost rather than answer from a
// rewound state, until a reset starts over (redisstore's generation).
var ErrStateLost = errors.New("the store lost the fake's state")

// statusOf is the one map from codes to HTTP statuses.
var statusOf = map[Code]int{
	CodeMissing:          http.StatusBadRequest,
	CodeInvalidValue:     http.StatusBadRequest,
	CodeWrongType:        http.StatusBadRequest,
	CodePattern:          http.StatusBadRequest,
	CodeLength:           http.StatusBadRequest,
	CodeInvalid:          http.StatusBadRequest,
	CodeMalformedBody:    http.StatusBadRequest,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeBodyTooLarge:     http.StatusRequestEntityTooLarge,
	CodeMediaType:        http.StatusUnsupportedMediaType,
	CodeBadAnswer:        http.StatusInternalServerError,
	CodeInternal:         http.StatusInternalServerError,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeUnknownSession:   http.StatusBadRequest,
}

// Codes lists every code, sorted. Codes are spelled as contract's and
// certify's are: lower case words joined by hyphens.
func Codes() []Code { return slices.Sorted(maps.Keys(statusOf)) }

// Status is the HTTP status that answers a violation with this code.
func (c Code) Status() int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// A Violation is one reason a request was refused: a stable code, the JSON
// pointer of the offending value inside the body ("" for the whole request
// or body), the field name as Plivo words it, and the message.
type Violation struct {
	Code    Code   `json:"code"`
	Pointer string `json:"pointer,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// RequestError is a refused request: every violation found, in a stable
// order. Its Error text is the "error" of the JSON answer.
type RequestError struct {
	Violations []Violation
	allow      []string // the methods of the path, for a 405
	closest    *Miss    // the nearest operation, for a 404 that matched none
}

func (e *RequestError) Error() string {
	msgs := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		msgs[i] = v.Message
	}
	return strings.Join(msgs, "; ")
}

// Status is the HTTP status of the answer: the status of the first
// violation (all violations of one request share a class).
func (e *RequestError) Status() int {
	if len(e.Violations) == 0 {
		return http.StatusInternalServerError
	}
	return e.Violations[0].Code.Status()
}

// Refuse is the RequestError of one violation with no field: what a Store
// returns to refuse a request with code's status (CodeUnknownSession,
// CodeUnauthorized) rather than a 503.
func Refuse(code Code, msg string) *RequestError { return refuse(code, msg) }

func refuse(code Code, msg string) *RequestError {
	return &RequestError{Violations: []Violation{{Code: code, Message: msg}}}
}

// NewAPIID returns a fresh api_id: a random (version 4) UUID.
func NewAPIID() string { return string(appendAPIID(make([]byte, 0, 36))) }

// appendAPIID appends a fresh api_id to dst. Its bits come from the
// runtime's generator (math/rand/v2), not crypto/rand: an api_id must not
// repeat, not be secret, and crypto/rand took a tenth of the pipeline's
// own time.
func appendAPIID(dst []byte) []byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return append(dst, s[:]...)
}
