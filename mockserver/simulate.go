package mockserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/phlomock/phlomock/internal/kinerr"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// The hooks a server that answers in the fake's place uses (package proxy):
// what the fake would have answered, whether another server's answer keeps
// the contract, and a journal to keep those exchanges in.

// Simulate runs r through the pipeline as ServeHTTP would, and returns the
// journal entry it would have made, with the fake's Status and Answer
// (Status 0: the fake would have dropped the connection), and the answer's
// headers (Content-Type included), without writing to anyone, journaling
// or logging it, without a Responder's delay, and without changing the
// Responder's state (Exchange.DryRun: a rule's counters, a simulated
// call). r's body is read. h may be shared: read it, do not change it.
func (s *Server) Simulate(r *http.Request) (e *Entry, h http.Header) {
	return s.simulate(r, true)
}

// SimulateApplied is Simulate, but the Responder's state moves as it
// would in ServeHTTP: a stateful scenario's calls follow the request, a
// rule's counters count it.
func (s *Server) SimulateApplied(r *http.Request) (e *Entry, h http.Header) {
	return s.simulate(r, false)
}

func (s *Server) simulate(r *http.Request, dry bool) (e *Entry, h http.Header) {
	x := &request{r: r, start: time.Now(), simulated: true, dryRun: dry}
	x.entry = &Entry{
		Time: x.start.UTC(), Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: s.creds.redactHeader(r.Header),
	}
	defer func() {
		// A Responder's dropped connection: nothing to hijack here.
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			x.entry.Status, x.entry.Answer = 0, nil
			e, h = x.entry, http.Header{}
		}
	}()
	status, body, hdr := s.pipeline(discardWriter{}, x)
	if s.opts.ValidateResponses && x.op != nil && !x.verbatim {
		if err := s.checkAnswer(x, status, body); err != nil {
			x.entry.Violations = append(x.entry.Violations, Violation{Code: CodeBadAnswer, Message: err.Error()})
			status, hdr = CodeBadAnswer.Status(), nil
			body = errorBody(NewAPIID(), "The fake's answer breaks the contract: "+err.Error())
		}
	}
	h = hdr
	if _, ok := h["Content-Type"]; !ok && len(body) > 0 {
		h = hdr.Clone()
		if h == nil {
			h = make(http.Header, 1)
		}
		h["Content-Type"] = contentTypeJSON
	}
	x.entry.Status = status
	x.entry.Answer = bytes.TrimSuffix(body, []byte("\n"))
	x.entry.Duration = time.Since(x.start)
	return x.entry, h
}

// RedactHeader copies h with the secret of every credential header
// (Authorization, Proxy-Authorization) replaced, as the journal keeps
// headers: a Basic Auth ID is kept, its token never.
func RedactHeader(h http.Header) http.Header { return redactHeader(h) }

// Credentials returns where the fake's spec carries secrets
// (SpecCredentials of its spec): package proxy masks them as the journal
// does.
func (s *Server) Credentials() Credentials { return s.creds }

// CheckAnswer checks an answer another server gave to r (status, headers,
// body) against the operation r names: every violation, code CodeBadAnswer,
// with the JSON pointer of the offending value. An undocumented status is
// one. A request that names no operation has nothing to check: nil.
func (s *Server) CheckAnswer(r *http.Request, status int, header http.Header, body []byte) []Violation {
	op, params, rerr := s.match(r)
	if op == nil || rerr != nil {
		return nil
	}
	return s.checkAnswer2(op, params, r, status, header, body)
}

// CheckAnswerTo is CheckAnswer for the request e is Simulate's entry of:
// the operation e names is not looked for again.
func (s *Server) CheckAnswerTo(e *Entry, r *http.Request, status int, header http.Header, body []byte) []Violation {
	op := s.byID[e.OperationID]
	if op == nil || op.method != r.Method {
		return s.CheckAnswer(r, status, header, body)
	}
	if checkIDs(op, e.PathParams, r.URL.Path) != nil {
		return nil // as CheckAnswer: no operation to check it against
	}
	return s.checkAnswer2(op, e.PathParams, r, status, header, body)
}

func (s *Server) checkAnswer2(op *operation, params map[string]string, r *http.Request, status int, header http.Header, body []byte) []Violation {
	ct := header.Get("Content-Type")
	if op.answerValid(status, ct, body) {
		return nil
	}
	h := http.Header{"Content-Type": {ct}}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: op.route},
		Status:                 status,
		Header:                 h,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return answerViolations(openapi3filter.ValidateResponse(context.Background(), in))
}

// answerViolations flattens ValidateResponse's errors: one violation per
// schema error, with its pointer.
func answerViolations(err error) []Violation {
	if err == nil {
		return nil
	}
	var out []Violation
	kinerr.Walk(err, func(err error) {
		v := Violation{Code: CodeBadAnswer, Message: strings.TrimSpace(err.Error())}
		if se := kinerr.Schema(err); se != nil {
			v.Pointer = kinerr.Pointer(se)
			v.Field = strings.Join(se.JSONPointer(), ".")
			v.Message = "the answer's body breaks the contract at " + orBody(v.Pointer) + ": " + se.Reason
		}
		out = append(out, v)
	})
	return out
}

func orBody(p string) string {
	if p == "" {
		return "the body"
	}
	return p
}

// Add appends e to the journal, for a server that journals exchanges it
// answered itself (package proxy). e is the journal's from then on.
func (j *Journal) Add(e *Entry) { j.add(e) }

// discardWriter is where a simulated exchange writes nothing.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
