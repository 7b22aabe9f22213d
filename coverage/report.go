package coverage

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
)

// A Report is what a test run exercised, measured against a Universe.
type Report struct {
	// All is every client's requests together; the gate judges it.
	All Coverage `json:"all"`
	// Clients is the same per User-Agent, sorted by name.
	Clients []ClientCoverage `json:"clients"`
	// Entries counts the journal's entries read; Unmatched those that
	// matched no operation of the contract (not counted anywhere else).
	Entries   int `json:"entries"`
	Unmatched int `json:"unmatched"`
}

// ClientCoverage is one client's coverage.
type ClientCoverage struct {
	Client string `json:"client"`
	Coverage
}

// Coverage is, for each dimension, what was seen and what was not.
type Coverage struct {
	Percent    float64        `json:"percent"`
	Covered    int            `json:"covered"`
	Total      int            `json:"total"`
	Dimensions []DimensionSet `json:"dimensions"`
}

// A DimensionSet is one dimension's items, seen (with how many requests)
// and missed.
type DimensionSet struct {
	Dimension Dimension      `json:"dimension"`
	Percent   float64        `json:"percent"`
	Covered   int            `json:"covered"`
	Total     int            `json:"total"`
	Seen      map[string]int `json:"seen"`
	Missed    []string       `json:"missed"`
}

// Dimension returns the set of d.
func (c *Coverage) Dimension(d Dimension) *DimensionSet {
	for i := range c.Dimensions {
		if c.Dimensions[i].Dimension == d {
			return &c.Dimensions[i]
		}
	}
	return nil
}

// Measure counts the entries against u, for all clients and per client.
func Measure(u *Universe, entries []Entry) *Report {
	all := newCounter(u)
	per := map[string]*counter{}
	r := &Report{Entries: len(entries)}
	for i := range entries {
		e := &entries[i]
		if _, ok := u.ops[e.OperationID]; !ok {
			r.Unmatched++
			continue
		}
		c := per[e.Client()]
		if c == nil {
			c = newCounter(u)
			per[e.Client()] = c
		}
		for _, it := range u.itemsOf(e) {
			all.see(it.d, it.key)
			c.see(it.d, it.key)
		}
	}
	r.All = all.coverage(u)
	names := make([]string, 0, len(per))
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r.Clients = append(r.Clients, ClientCoverage{Client: n, Coverage: per[n].coverage(u)})
	}
	return r
}

// DefaultScenario is the scenario whose answers are the contract's: an
// entry the spec answered counts as its.
const DefaultScenario = "success"

type item struct {
	d   Dimension
	key string
}

// itemsOf lists the items of u the entry exercises.
func (u *Universe) itemsOf(e *Entry) []item {
	op := e.OperationID
	info := u.ops[op]
	status := strconv.Itoa(e.Status)
	out := []item{{Operations, op}, {Statuses, op + "/" + status}}
	switch {
	case e.Scenario != "":
		out = append(out, item{Scenarios, e.Scenario})
	case e.Source == "spec":
		// The contract's own answer: what the scenario success serves.
		out = append(out, item{Scenarios, DefaultScenario})
	}
	action, _ := e.field("action")
	ai, ok := info.actions[action]
	if !info.hasActions || !ok {
		return u.known(out)
	}
	out = append(out, item{Actions, op + "/" + action}, item{ActionStatuses, op + "/" + action + "/" + status})
	if len(ai.roles) > 0 {
		// A missing or empty role is the schema's default, as the fake
		// takes it.
		role, _ := e.field("role")
		if role == "" {
			role = ai.defaultRole
		}
		out = append(out, item{Roles, op + "/" + action + "/" + role})
	}
	if info.stateful {
		switch {
		case e.CallSeq > 0:
			out = append(out, item{Transitions, op + "/" + action + "/" + Accepted})
		case e.refused():
			out = append(out, item{Transitions, op + "/" + action + "/" + Refused})
		}
	}
	return u.known(out)
}

// known keeps the items of the universe: an undocumented status, a role
// the contract does not allow, or a scenario outside the universe counts
// for nothing (the request was exercised, the contract's item was not).
func (u *Universe) known(items []item) []item {
	return slices.DeleteFunc(items, func(it item) bool { return !u.Has(it.d, it.key) })
}

type counter map[Dimension]map[string]int

func newCounter(u *Universe) *counter {
	c := counter{}
	for _, d := range Dimensions() {
		c[d] = map[string]int{}
	}
	return &c
}

func (c *counter) see(d Dimension, key string) { (*c)[d][key]++ }

func (c *counter) coverage(u *Universe) Coverage {
	var out Coverage
	for _, d := range Dimensions() {
		set := DimensionSet{Dimension: d, Total: len(u.Items[d]), Seen: map[string]int{}, Missed: []string{}}
		for _, key := range u.Items[d] {
			if n := (*c)[d][key]; n > 0 {
				set.Seen[key] = n
				set.Covered++
			} else {
				set.Missed = append(set.Missed, key)
			}
		}
		set.Percent = percent(set.Covered, set.Total)
		out.Covered += set.Covered
		out.Total += set.Total
		out.Dimensions = append(out.Dimensions, set)
	}
	out.Percent = percent(out.Covered, out.Total)
	return out
}

// percent is covered/total in percent, rounded down to a tenth so that a
// gate at 80 is never met by 79.96; 100 for an empty universe.
func percent(covered, total int) float64 {
	if total == 0 {
		return 100
	}
	return float64(covered*1000/total) / 10
}

// A Gate is what makes a CI job fail: a minimum percentage overall
// (Min, "" dimension) or per dimension, and items that must have been seen.
type Gate struct {
	Min     map[Dimension]float64 // "" is the overall minimum
	Require []string              // OPERATION[/STATUS | /ACTION[/ROLE | /STATUS | /accepted | /refused]]
}

// ErrGate is wrapped by every failure of Check.
var ErrGate = errors.New("coverage gate failed")

// A GateFailure is one rule of the gate the report does not meet.
type GateFailure struct {
	Rule    string // "--min 80", "--require updateMultiPartyCall/cold_transfer/429"
	Message string // "your tests never saw a 429 on updateMultiPartyCall cold_transfer"
}

func (f *GateFailure) Error() string { return f.Rule + ": " + f.Message }
func (f *GateFailure) Unwrap() error { return ErrGate }

// Resolve finds the dimension of a required item: OPERATION is an
// operation, OPERATION/STATUS a status, OPERATION/ACTION an action,
// OPERATION/ACTION/ROLE a role, OPERATION/ACTION/STATUS an action's status,
// OPERATION/ACTION/accepted|refused a transition. The error names the
// closest items when the contract has no such item.
func (u *Universe) Resolve(req string) (Dimension, error) {
	parts := strings.Split(req, "/")
	var ds []Dimension
	switch len(parts) {
	case 1:
		ds = []Dimension{Operations}
	case 2:
		ds = []Dimension{Statuses, Actions}
	case 3:
		ds = []Dimension{ActionStatuses, Roles, Transitions}
	}
	for _, d := range ds {
		if u.Has(d, req) {
			return d, nil
		}
	}
	if len(ds) == 0 {
		return "", fmt.Errorf("%q: want OPERATION, OPERATION/STATUS, OPERATION/ACTION, OPERATION/ACTION/ROLE, OPERATION/ACTION/STATUS or OPERATION/ACTION/accepted|refused", req)
	}
	if !u.Has(Operations, parts[0]) {
		return "", fmt.Errorf("%q: the contract has no operation %q%s; its operations are %s", req, parts[0], u.hint(parts[0]), strings.Join(u.Items[Operations], ", "))
	}
	var near []string
	for _, d := range ds {
		for _, k := range u.Items[d] {
			if strings.HasPrefix(k, parts[0]+"/") && (len(parts) < 3 || strings.HasPrefix(k, parts[0]+"/"+parts[1]+"/")) {
				near = append(near, k)
			}
		}
	}
	if len(near) == 0 {
		return "", fmt.Errorf("%q is not an item of the contract: %s has no action %q; its actions are %s", req, parts[0], parts[1], strings.Join(u.actionsOf(parts[0]), ", "))
	}
	return "", fmt.Errorf("%q is not an item of the contract; it has %s", req, strings.Join(near, ", "))
}

// hint says which operation a misspelt one may be, or which operation has
// an action spelt like it ("coldTransfer": cold_transfer of
// updateMultiPartyCall).
func (u *Universe) hint(name string) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	for _, k := range u.Items[Actions] {
		op, action, _ := strings.Cut(k, "/")
		if norm(action) == norm(name) {
			return fmt.Sprintf(" (%s is an action: write %s/%s)", action, op, action)
		}
	}
	if near := didyoumean.Closest(name, u.Items[Operations]); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return ""
}

// actionsOf lists the actions of op.
func (u *Universe) actionsOf(op string) []string {
	var out []string
	for _, k := range u.Items[Actions] {
		if o, a, _ := strings.Cut(k, "/"); o == op {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// Check judges r by g: every failure, joined (each a *GateFailure, which
// wraps ErrGate); nil when the gate is met. Requirements must have been
// checked with Resolve.
func (g Gate) Check(u *Universe, r *Report) error {
	var errs []error
	if min, ok := g.Min[""]; ok && r.All.Percent < min {
		errs = append(errs, &GateFailure{Rule: "--min " + formatPercent(min),
			Message: fmt.Sprintf("coverage is %s%% (%d of %d items), below %s%%", formatPercent(r.All.Percent), r.All.Covered, r.All.Total, formatPercent(min))})
	}
	for _, d := range Dimensions() {
		min, ok := g.Min[d]
		if !ok {
			continue
		}
		if s := r.All.Dimension(d); s.Percent < min {
			errs = append(errs, &GateFailure{Rule: "--min " + string(d) + "=" + formatPercent(min),
				Message: fmt.Sprintf("%s coverage is %s%% (%d of %d), below %s%%; never seen: %s", d, formatPercent(s.Percent), s.Covered, s.Total, formatPercent(min), strings.Join(s.Missed, ", "))})
		}
	}
	for _, req := range g.Require {
		d, err := u.Resolve(req)
		if err != nil {
			errs = append(errs, &GateFailure{Rule: "--require " + req, Message: err.Error()})
			continue
		}
		if r.All.Dimension(d).Seen[req] == 0 {
			errs = append(errs, &GateFailure{Rule: "--require " + req, Message: "your tests never saw " + describe(d, req)})
		}
	}
	return errors.Join(errs...)
}

// describe says an item in words: "a 429 on updateMultiPartyCall cold_transfer".
func describe(d Dimension, key string) string {
	p := strings.Split(key, "/")
	switch d {
	case Operations:
		return "a request to " + key
	case Statuses:
		return "a " + p[1] + " on " + p[0]
	case Actions:
		return "the action " + p[1] + " on " + p[0]
	case ActionStatuses:
		return "a " + p[2] + " on " + p[0] + " " + p[1]
	case Roles:
		return "the role " + p[2] + " in " + p[0] + " " + p[1]
	case Transitions:
		return p[1] + " " + p[2] + " by the simulated call (" + p[0] + ")"
	case Scenarios:
		return "an answer of the scenario " + key
	}
	return key
}

func formatPercent(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
