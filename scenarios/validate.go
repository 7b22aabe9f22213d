package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/phlomock/phlomock/internal/didyoumean"
)

// ErrUnknownOperation is wrapped by the errors naming an operation id that the
// contract does not define.
var ErrUnknownOperation = errors.New("unknown operation id")

// KnownOperations lists the contract's operation ids. Validate with a nil list
// skips the operation id check (the package does not know the contract).
type KnownOperations []string

// Member roles and states of the world.
var (
	roles  = []string{"customer", "agent"}
	states = []string{"", "connected", "on_hold", "in_transfer", "disconnected"}
	auths  = []string{"", AuthDefault, AuthNone, AuthWrong}
)

// Validate checks the rules that a well-formed file can still break: the
// version, operation ids (against known), statuses, delays, sequences,
// duplicate ids and the values of roles, states and auth modes. It reports
// every problem at once (errors.Join of *ParseError) and never modifies s.
func (s *Scenario) Validate(known KnownOperations) error {
	v := &validator{s: s, known: known}
	if s.Version != Version {
		v.errorf(Pos{}, "unsupported version %d: want version: %d", s.Version, Version)
	}
	// A name is shown in logs, metrics labels, headers and the dashboard:
	// no control character (a newline forging a log line, an escape).
	if i := strings.IndexFunc(s.Name, unicode.IsControl); i >= 0 {
		v.errorf(Pos{}, "name %q holds the control character %U: a name is one line of printable text", s.Name, []rune(s.Name[i:])[0])
	}
	v.world()
	v.callbacks()
	names := map[string]bool{}
	for i := range s.Rules {
		r := &s.Rules[i]
		if r.Name != "" {
			if names[r.Name] {
				v.errorf(r.Pos, "duplicate rule name %q", r.Name)
			}
			names[r.Name] = true
		}
		v.operation(r.Match.Operation, r.Match.OperationPos, r.Pos)
		v.method(r.Match.Method, r.Pos)
		if r.Times < 0 {
			v.errorf(r.Pos, "times %d: want 0 (unlimited) or more", r.Times)
		}
		switch {
		case r.Respond == nil && len(r.Sequence) == 0:
			v.errorf(r.Pos, "rule %s has neither respond nor sequence", ruleName(r, i))
		case r.Respond != nil && len(r.Sequence) > 0:
			v.errorf(r.Pos, "rule %s has both respond and sequence: keep one", ruleName(r, i))
		case r.Respond != nil:
			v.response(r.Respond)
		}
		for j := range r.Sequence {
			st := &r.Sequence[j]
			v.response(&st.Response)
			if st.Times < 1 {
				v.errorf(st.Pos, "sequence step times %d: want 1 or more", st.Times)
			}
		}
	}
	for i := range s.Interactions {
		in := &s.Interactions[i]
		if in.Name == "" {
			v.errorf(in.Pos, "interaction %d has no name", i+1)
		}
		if in.Request.Operation == "" && in.Request.Path == "" {
			v.errorf(in.Pos, "interaction %q: request needs an operation or a path", in.Name)
		}
		v.operation(in.Request.Operation, in.Request.OperationPos, in.Pos)
		v.method(in.Request.Method, in.Pos)
		if !slices.Contains(auths, in.Request.Auth) {
			v.errorf(in.Pos, "interaction %q: auth %q: want default, none or wrong", in.Name, in.Request.Auth)
		}
		if in.Expect.Status == 0 {
			p := in.Expect.Pos
			if p == (Pos{}) {
				p = in.Pos
			}
			v.errorf(p, "interaction %q: expect needs a status", in.Name)
		} else {
			v.status(in.Expect.Status, in.Expect.Pos)
		}
	}
	return errors.Join(v.errs...)
}

func ruleName(r *Rule, i int) string {
	if r.Name != "" {
		return fmt.Sprintf("%q", r.Name)
	}
	return fmt.Sprintf("#%d", i+1)
}

func (s *Scenario) errorAt(p Pos, msg string) *ParseError {
	return &ParseError{File: s.File, Line: p.Line, Column: p.Column, Msg: msg}
}

type validator struct {
	s     *Scenario
	known KnownOperations
	errs  []error
}

func (v *validator) errorf(p Pos, format string, args ...any) {
	v.errs = append(v.errs, v.s.errorAt(p, fmt.Sprintf(format, args...)))
}

func (v *validator) operation(id string, p, fallback Pos) {
	if id == "" || v.known == nil || slices.Contains(v.known, id) {
		return
	}
	if p == (Pos{}) {
		p = fallback
	}
	msg := fmt.Sprintf("unknown operation id %q: want one of %s", id, strings.Join(v.known, ", "))
	if near := didyoumean.Closest(id, v.known); near != "" {
		msg = fmt.Sprintf("unknown operation id %q (did you mean %q?): want one of %s", id, near, strings.Join(v.known, ", "))
	}
	e := v.s.errorAt(p, msg)
	e.Err = ErrUnknownOperation
	v.errs = append(v.errs, e)
}

func (v *validator) method(m string, p Pos) {
	switch strings.ToUpper(m) {
	case "", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return
	}
	v.errorf(p, "unknown method %q", m)
}

func (v *validator) status(code int, p Pos) {
	if code < 100 || code > 599 {
		v.errorf(p, "status %d: want 100 to 599", code)
	}
}

func (v *validator) response(r *Response) {
	switch {
	case r.Drop && (r.Status != 0 || r.Body != nil || len(r.Headers) > 0):
		v.errorf(r.Pos, "a dropped connection has no status, headers or body")
	case r.Status == 0 && r.Body != nil:
		v.errorf(r.Pos, "a body needs a status")
	case r.Status != 0:
		v.status(r.Status, r.Pos)
	}
	if r.Delay.Min < 0 || r.Delay.Max < 0 {
		v.errorf(r.Delay.Pos, "negative delay %s", r.Delay)
	}
	if r.Delay.Min > r.Delay.Max {
		v.errorf(r.Delay.Pos, "delay min %s is more than max %s", r.Delay.Min, r.Delay.Max)
	}
	if r.BodyRaw {
		if _, ok := r.Body.(string); !ok {
			v.errorf(r.Pos, "raw body is not a string")
		}
	}
	if err := checkTemplate(r.Body); r.Body != nil && !r.BodyRaw && err != nil {
		v.errorf(r.Pos, "%v", err)
	}
}

func (v *validator) world() {
	accounts := map[string]bool{}
	for _, a := range v.s.World.Accounts {
		switch {
		case a.AuthID == "":
			v.errorf(a.Pos, "account without auth_id")
		case accounts[a.AuthID]:
			v.errorf(a.Pos, "duplicate account %q", a.AuthID)
		}
		accounts[a.AuthID] = true
		if a.AuthToken == "" {
			v.errorf(a.Pos, "account %q without auth_token", a.AuthID)
		}
	}
	phlos := map[string]bool{}
	for _, p := range v.s.World.PHLOs {
		switch {
		case p.ID == "":
			v.errorf(p.Pos, "phlo without id")
		case phlos[p.ID]:
			v.errorf(p.Pos, "duplicate phlo id %q", p.ID)
		}
		phlos[p.ID] = true
		nodes := map[string]bool{}
		for _, n := range p.Nodes {
			switch {
			case n.ID == "":
				v.errorf(n.Pos, "node without id in phlo %q", p.ID)
			case nodes[n.ID]:
				v.errorf(n.Pos, "duplicate node id %q in phlo %q", n.ID, p.ID)
			}
			nodes[n.ID] = true
			members := map[string]bool{}
			for _, m := range n.Members {
				switch {
				case m.Address == "":
					v.errorf(m.Pos, "member without address")
				case members[m.Address]:
					v.errorf(m.Pos, "duplicate member %q", m.Address)
				}
				members[m.Address] = true
				if !slices.Contains(roles, m.Role) {
					v.errorf(m.Pos, "member %q: role %q: want customer or agent", m.Address, m.Role)
				}
				if !slices.Contains(states, m.State) {
					v.errorf(m.Pos, "member %q: state %q: want connected, on_hold, in_transfer or disconnected", m.Address, m.State)
				}
				if m.State == "in_transfer" {
					v.errorf(m.Pos, "member %q: a world cannot start in a transfer", m.Address)
				}
			}
		}
	}
}

// Check is Parse and Validate in one pass: every problem of the file, of
// both phases, in file order, so that a file is fixed in one round (a type
// error no longer hides a status outside 100–599 further down). A file that
// is not YAML has only its syntax error. What Validate says of a value, rule
// or interaction Parse already found a problem in is left out: it is the
// same problem seen twice, or a consequence of it.
func Check(filename string, data []byte, known KnownOperations) (*Scenario, error) {
	s, tainted, perr := parse(filename, data)
	if s == nil {
		return nil, perr
	}
	if perr == nil {
		if err := s.Validate(known); err != nil {
			return nil, err
		}
		return s, nil
	}
	all := flatten(perr)
	at := map[Pos]bool{}
	for _, e := range all {
		at[position(e)] = true
	}
	for _, e := range flatten(s.Validate(known)) {
		p := position(e)
		if at[p] || tainted[p] || p.Line == 0 {
			continue // the same problem, a consequence of one, or the version (Parse's)
		}
		all = append(all, e)
	}
	sort.SliceStable(all, func(i, j int) bool { return position(all[i]).less(position(all[j])) })
	return nil, errors.Join(all...)
}

// flatten lists the errors errors.Join joined.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func position(err error) Pos {
	var pe *ParseError
	if errors.As(err, &pe) {
		return Pos{Line: pe.Line, Column: pe.Column}
	}
	return Pos{}
}

func (p Pos) less(q Pos) bool {
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Column < q.Column
}
