package mockserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// An Exchange is a request that passed routing, auth and validation, as a
// Responder sees it.
type Exchange struct {
	OperationID string
	Method      string
	Path        string // as received, before the trailing slash was stripped
	// PathParams is shared with the journal and with other requests with
	// the same parameters: read it, do not modify it.
	PathParams map[string]string
	Query      url.Values
	Header     http.Header
	AuthID     string
	// Body is the decoded body after normalisation (role defaulted...), nil
	// when the request had none. RawBody is exactly what was sent.
	Body    map[string]any
	RawBody []byte
	// DryRun asks for the answer without its effects (Server.Simulate): a
	// Responder with state (a rule's counters, a simulated call) answers
	// as it would now, and changes nothing.
	DryRun bool
}

// An Answer replaces the spec's default answer.
type Answer struct {
	Status int
	// Header is added to the answer (canonical keys, as http.Header.Set
	// makes them). A Content-Type here replaces application/json.
	Header http.Header
	// Body is sent as is (a newline is added if missing); an empty, non-nil
	// Body is sent empty, without Content-Type unless Header gives one. A
	// nil Body gets the spec's default answer for a 2xx status, and
	// {"api_id","error"} with the status text otherwise.
	Body  []byte
	Delay time.Duration // wait before answering (cut short if the client leaves)
	Drop  bool          // close the connection without answering
	// Verbatim sends the answer as given even with
	// Options.ValidateResponses, which otherwise turns an answer that
	// breaks the contract into a 500: for an answer that breaks it on
	// purpose, such as a scenario rule's (the user's explicit choice).
	Verbatim bool
	// Scenario and Rule name what answered; CallSeq is the number a
	// stateful call gave the action (package multiparty), so a journal can be
	// replayed in order. All three are copied to the journal entry.
	Scenario string
	Rule     string
	CallSeq  uint64
	// ClosestRule, when no rule answered, is the rule that came closest,
	// copied to the journal entry. It is read even with ok=false (a
	// Responder that answers nothing but explains why).
	ClosestRule *RuleMiss
}

// A Responder may answer an exchange instead of the spec. ok=false leaves it
// to the next step (the default answer); a non-nil a with ok=false is read
// for its ClosestRule only. A Responder that panics has its
// request answered 500 with the panic's text (violation code internal),
// kept in the journal like any other.
type Responder interface {
	Respond(ctx context.Context, ex *Exchange) (a *Answer, ok bool)
}

// ResponderFunc adapts a function to Responder.
type ResponderFunc func(ctx context.Context, ex *Exchange) (*Answer, bool)

// Respond implements Responder.
func (f ResponderFunc) Respond(ctx context.Context, ex *Exchange) (*Answer, bool) {
	return f(ctx, ex)
}

// respond lets the state's Responder answer instead of the spec (nil, nil:
// it did not). A panic in it answers 500 (code internal).
func (s *Server) respond(x *request) (*Answer, *RequestError) {
	if x.state.Responder == nil {
		return nil, nil
	}
	r, e := x.r, x.entry
	// What r.URL.Query() gives, without parsing an empty query: that was
	// half of respond's time in the CPU profile of BenchmarkColdTransfer.
	query := url.Values{}
	if r.URL.RawQuery != "" {
		query = r.URL.Query()
	}
	ex := &Exchange{
		OperationID: x.op.id, Method: r.Method, Path: r.URL.Path, PathParams: x.params,
		Query: query, Header: r.Header, AuthID: e.AuthID, Body: x.decoded, RawBody: x.raw,
		DryRun: x.dryRun,
	}
	a, ok, bug := callResponder(r.Context(), x.state.Responder, ex)
	if bug != nil {
		s.opts.Logger.Error("panic in the Responder", slog.Any("panic", bug), slog.String("path", r.URL.Path))
		return nil, refuse(CodeInternal, panicMessage(bug))
	}
	if a != nil {
		e.ClosestRule = a.ClosestRule
	}
	if !ok || a == nil {
		return nil, nil
	}
	e.Source = "responder"
	e.Scenario, e.Rule, e.CallSeq = a.Scenario, a.Rule, a.CallSeq
	return a, nil
}

// callResponder calls the Responder, code of the user's or of a scenario
// engine. A panic in it is returned as bug, so that the request is answered
// with a 500 and kept in the journal like any other; a panic anywhere else
// in the pipeline is the fake's own bug, left to the recoverer.
func callResponder(ctx context.Context, rs Responder, ex *Exchange) (a *Answer, ok bool, bug any) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			a, ok, bug = nil, false, v
		}
	}()
	a, ok = rs.Respond(ctx, ex)
	return a, ok, nil
}

// panicMessage is the error text of a request a panic cut short, from the
// Responder (respond) or from the fake itself (recoverer).
func panicMessage(v any) string { return fmt.Sprintf("Internal error in phlomock: %v.", v) }

// answer carries out a Responder's Answer: its delay (cut short if the
// client leaves), a dropped connection (a nil body), or its status, header
// and body, with the spec's default answer or {"api_id","error"} where it
// has none.
func (s *Server) answer(w http.ResponseWriter, x *request, a *Answer) (int, []byte, http.Header) {
	if a.Delay > 0 && !x.simulated {
		t := time.NewTimer(a.Delay)
		select {
		case <-t.C:
		case <-x.r.Context().Done():
			t.Stop()
		}
	}
	if a.Drop {
		x.entry.Status = 0
		s.record(x)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return 0, nil, nil
		}
		panic(http.ErrAbortHandler)
	}
	x.verbatim = a.Verbatim
	status := a.Status
	if status == 0 {
		status = x.op.success
	}
	body := a.Body
	switch {
	case len(body) == 0 && body != nil:
		// An empty body is sent empty, not as a newline.
	case body != nil:
		if body[len(body)-1] != '\n' {
			body = append(body[:len(body):len(body)], '\n')
		}
	case status >= 200 && status < 300:
		body = s.specAnswer(x.state.World, x.op, x.entry.PathParams)
	default:
		body = errorBody(NewAPIID(), x.op.errorBodyText(status))
	}
	return status, body, a.Header
}
