package director

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// An account is an Auth ID and its token; session names the session it is
// the account of.
type account struct{ id, token, session string }

// Account is the Director's own account when it is a session's (Sessions):
// its Auth ID, Auth Token and session id; ok is false for the default
// session's Director, whose requests use the accounts it accepts
// (Options.Accounts, the scenarios'). A callback of a session is signed
// with this token.
func (d *Director) Account() (authID, token, session string, ok bool) {
	return d.own.id, d.own.token, d.own.session, d.own.id != ""
}

// token: the session's own account, Options.Accounts when given, then the
// active scenarios' accounts (then the default account).
func (d *Director) token(st *set, authID string) (string, bool) {
	if d.own.id != "" && authID == d.own.id {
		return d.own.token, true
	}
	if d.explicit {
		if t, ok := d.opts.Accounts.Token(authID); ok {
			return t, true
		}
	}
	if t, ok := st.accounts[authID]; ok {
		return t, true
	}
	if !d.explicit {
		return d.opts.Accounts.Token(authID)
	}
	return "", false
}

func (d *Director) phlo(st *set, id string) (mockserver.Phlo, bool) {
	if p, ok := st.phlos[id]; ok {
		return p, true
	}
	if d.opts.World != nil {
		return d.opts.World.Phlo(id)
	}
	return mockserver.Phlo{}, false
}

func (d *Director) node(st *set, phloID, nodeID string) (mockserver.Node, bool) {
	if n, ok := st.nodes[[2]string{phloID, nodeID}]; ok {
		return n, true
	}
	if d.opts.World != nil {
		return d.opts.World.Node(phloID, nodeID)
	}
	return mockserver.Node{}, false
}

// respond answers ex from st. Rules answer first; a rule without status
// (latency or headers only) lets the request go on to the call model
// (stateful scenarios), then to the contract's answer.
func (d *Director) respond(ctx context.Context, st *set, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
	if name := ex.Header.Get(HeaderScenario); name != "" {
		st = d.named(name)
		if st == nil {
			return errorAnswer(http.StatusBadRequest, fmt.Sprintf("Unknown scenario %q in %s: want one of %s.", name, HeaderScenario, strings.Join(d.Available(), ", "))), true
		}
	}
	if !st.hasRules && st.calls == nil {
		return nil, false
	}
	var out *mockserver.Answer
	if st.hasRules {
		req := scenarios.Request{
			OperationID: ex.OperationID, Method: ex.Method, Path: ex.Path, PathParams: ex.PathParams,
			Body: ex.Body, Header: ex.Header, AuthID: ex.AuthID,
		}
		var a scenarios.Answer
		var ok bool
		switch {
		case ex.DryRun:
			// A dry run (the proxy's) counts nothing, in this process.
			a, ok = st.engine.Peek(req)
		case st.counter == nil:
			a, ok = st.engine.Match(req)
		default:
			var err error
			if a, ok, err = st.engine.MatchCounted(ctx, req, st.counter); err != nil {
				out = errorAnswer(http.StatusServiceUnavailable, storeMessage(err))
				out.Scenario, out.Verbatim = st.label, true
				return out, true
			}
		}
		if !ok {
			out = d.closestRule(st, &req)
		}
		if ok {
			out = &mockserver.Answer{Status: a.Status, Header: a.Header, Delay: a.Delay, Drop: a.Drop, Scenario: st.label, Rule: a.RuleName}
			if a.HasBody() {
				id := mockserver.NewAPIID()
				if n := a.BodyBound(id); n > scenarios.MaxRenderedBody {
					// Refused before rendering: the template repeats
					// request values (a body, a header) past the bound.
					out = errorAnswer(http.StatusInternalServerError, fmt.Sprintf("Rule %q of scenario %s would render an answer of up to %d bytes from this request's values, over the %d a rendered answer may take: its body repeats request values (a body field, a header).",
						a.RuleName, st.label, n, scenarios.MaxRenderedBody))
					out.Scenario, out.Rule, out.Verbatim = st.label, a.RuleName, true
					return out, true
				}
				out.Body = a.Body(id)
			}
			if a.Status != 0 || a.Drop {
				// The user's explicit answer, sent as written even when
				// it breaks the contract (an empty or HTML error body).
				out.Verbatim = true
				return out, true
			}
		}
	}
	if st.calls != nil && (ex.OperationID == opUpdateCall || ex.OperationID == opUpdateMember) {
		if out == nil {
			out = &mockserver.Answer{Scenario: st.label}
		}
		out.Scenario = st.label
		action := multiparty.ActionFrom(ex.PathParams["member_address"], ex.Body)
		apply := st.calls.Apply
		if ex.DryRun {
			apply = st.calls.Try
		}
		res, err := apply(ctx, ex.PathParams["phlo_id"], ex.PathParams["node_id"], action)
		if err = storeError(err); err != nil {
			out.Status, out.Body = http.StatusBadRequest, errorBody(err.Error())
			if errors.As(err, new(*StoreError)) {
				// Not the model's answer: the store's, sent as is.
				out.Status, out.Body, out.Verbatim = http.StatusServiceUnavailable, errorBody(storeMessage(err)), true
			}
			return out, true
		}
		out.CallSeq = res.Seq
		if !ex.DryRun {
			d.notify(st, ex, action, res)
		}
		return out, true
	}
	// A rule with no status answered (latency, headers); else out, when
	// set, only explains a miss.
	return out, out != nil && out.ClosestRule == nil
}

// closestRule explains a request no rule of st matched, when one came close
// (scenarios.Engine.Closest): nil otherwise. It logs the miss at debug
// level, for `phlomock serve --log-level debug`.
func (d *Director) closestRule(st *set, req *scenarios.Request) *mockserver.Answer {
	miss := st.engine.Closest(req)
	if miss == nil {
		return nil
	}
	rm := &mockserver.RuleMiss{Scenario: st.label, Rule: miss.Rule, Differences: make([]string, len(miss.Differences))}
	for i, diff := range miss.Differences {
		rm.Differences[i] = diff.String()
	}
	d.opts.Logger.Debug("no rule matched", slog.String("path", req.Path), slog.String("operation", req.OperationID),
		slog.String("scenario", rm.Scenario), slog.String("closest_rule", rm.Rule), slog.String("differences", strings.Join(rm.Differences, "; ")))
	return &mockserver.Answer{ClosestRule: rm}
}

// storeMessage is the error text of a 503 for a store error, in the words
// of mockserver's own (a Store that cannot give a request its state).
func storeMessage(err error) string {
	return "The fake's state is unavailable: " + err.Error() + "."
}

func errorAnswer(status int, msg string) *mockserver.Answer {
	return &mockserver.Answer{Status: status, Body: errorBody(msg)}
}

// errorBody is the contract's Error: {"api_id", "error"}.
func errorBody(msg string) []byte {
	b, _ := json.Marshal(struct {
		APIID string `json:"api_id"`
		Error string `json:"error"`
	}{mockserver.NewAPIID(), msg})
	return b
}

// State implements mockserver.Store: the active set is loaded once, and
// its accounts, world and rules serve the whole request, so an activation
// between the credential check and the answer is not half seen. It never
// fails: the set lives in this process.
func (d *Director) State(*http.Request) (mockserver.State, error) {
	st := d.active.Load()
	p := st.pin.Load()
	if p == nil || p.d != d { // one per set, not per request
		p = &pinned{d: d, st: st}
		st.pin.Store(p)
	}
	return mockserver.State{Accounts: p, World: p, Responder: p}, nil
}

// pinned is the Director with its active set fixed for one request: the
// request's Accounts, World and Responder.
type pinned struct {
	d  *Director
	st *set
}

func (p *pinned) Token(authID string) (string, bool)             { return p.d.token(p.st, authID) }
func (p *pinned) AuthIDs() []string                              { return p.d.authIDs(p.st) }
func (p *pinned) Phlo(id string) (mockserver.Phlo, bool)         { return p.d.phlo(p.st, id) }
func (p *pinned) Node(phlo, node string) (mockserver.Node, bool) { return p.d.node(p.st, phlo, node) }
func (p *pinned) Respond(ctx context.Context, ex *mockserver.Exchange) (*mockserver.Answer, bool) {
	return p.d.respond(ctx, p.st, ex)
}
