package mockserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/phlomock/phlomock/internal/formats"
)

func (s *Server) finish(w http.ResponseWriter, x *request, status int, hdr http.Header, body []byte) {
	if s.opts.ValidateResponses && x.op != nil && !x.verbatim {
		if err := s.checkAnswer(x, status, body); err != nil {
			x.entry.Violations = append(x.entry.Violations, Violation{Code: CodeBadAnswer, Message: err.Error()})
			status, hdr = CodeBadAnswer.Status(), nil
			body = errorBody(NewAPIID(), "The fake's answer breaks the contract: "+err.Error())
		}
	}
	h := w.Header()
	for k, v := range hdr {
		h[k] = v
	}
	// The answer's own Content-Type wins; an empty body has none.
	if _, ok := hdr["Content-Type"]; !ok && len(body) > 0 {
		h["Content-Type"] = contentTypeJSON[:1:1]
	}
	h["Content-Length"] = contentLength(len(body))
	w.WriteHeader(status)
	if x.r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	x.entry.Status = status
	x.entry.Answer = bytes.TrimSuffix(body, []byte("\n"))
	s.record(x)
}

// contentLengths are the Content-Length values of the usual answers, made
// at their first use and shared by every answer of that length, as
// contentTypeJSON is (net/http only reads them): the slice and its string
// were two of the pipeline's allocations.
var contentLengths [1024]atomic.Pointer[[]string]

// contentLength is the Content-Length value of an answer of n bytes.
func contentLength(n int) []string {
	if n >= len(contentLengths) {
		return []string{strconv.Itoa(n)}
	}
	if v := contentLengths[n].Load(); v != nil {
		return *v
	}
	v := []string{strconv.Itoa(n)}[:1:1]
	contentLengths[n].Store(&v)
	return v
}

func (s *Server) record(x *request) {
	if x.simulated {
		return
	}
	x.entry.Duration = time.Since(x.start)
	if s.creds.mayCarrySecrets(x.r) {
		maskEntry(x.entry, s.creds.RequestSecrets(x.r))
	}
	j := s.journal
	if x.state.Journal != nil {
		j = x.state.Journal // a session's
	}
	j.addRouted(x.entry)
	e := x.entry
	if s.opts.Observer != nil {
		s.opts.Observer.Observe(e)
	}
	level, msg := slog.LevelInfo, "request"
	if len(e.Lenient) > 0 || e.Note != "" {
		// Said where a user looks first, not only in the journal: the
		// fake took a request the real API may refuse (certify fails such
		// a client), or refused one for a reason its body cannot give.
		level, msg = slog.LevelWarn, "request accepted leniently: the real API may refuse it"
		if e.Note != "" {
			msg = "request refused"
		}
	}
	if !s.opts.Logger.Enabled(x.r.Context(), level) {
		return // no record to build: the level filters it out
	}
	attrs := []slog.Attr{slog.String("method", e.Method), slog.String("path", e.Path),
		slog.String("operation", e.OperationID), slog.Int("status", e.Status),
		slog.String("source", e.Source), slog.Duration("duration", e.Duration)}
	if len(e.Lenient) > 0 {
		attrs = append(attrs, slog.String("lenient", strings.Join(e.Lenient, "; ")))
	}
	if e.Note != "" {
		attrs = append(attrs, slog.String("note", e.Note))
	}
	s.opts.Logger.LogAttrs(x.r.Context(), level, msg, attrs...)
}

func (s *Server) checkAnswer(x *request, status int, body []byte) error {
	if x.op.answerValid(status, "application/json", body) {
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: x.r, PathParams: x.entry.PathParams, Route: x.op.route,
		},
		Status: status,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(bytes.NewReader(body)),
		// An undocumented success is a bug; undocumented error statuses (405,
		// 413, 415) are the HTTP layer's and always carry the Error shape.
		// formats: kin-openapi skips format: uuid unless given a validator.
		Options: &openapi3filter.Options{IncludeResponseStatus: status < 300, MultiError: true, SchemaValidationOptions: formats.Options()},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}
