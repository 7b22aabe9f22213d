package coverage

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// A Dimension is one kind of thing a test run can exercise.
type Dimension string

// The dimensions, in the order reports list them.
const (
	// Operations: each operationId of the contract.
	Operations Dimension = "operations"
	// Statuses: each status an operation documents (OPERATION/STATUS).
	Statuses Dimension = "statuses"
	// Actions: each value of a request body's action (OPERATION/ACTION).
	Actions Dimension = "actions"
	// ActionStatuses: each documented status of each action
	// (OPERATION/ACTION/STATUS): "a 429 on cold_transfer".
	ActionStatuses Dimension = "action statuses"
	// Roles: each role an action's body allows (OPERATION/ACTION/ROLE).
	Roles Dimension = "roles"
	// Transitions: each action on a simulated multi-party call, accepted
	// by the state machine and refused by it (OPERATION/ACTION/accepted,
	// OPERATION/ACTION/refused).
	Transitions Dimension = "transitions"
	// Scenarios: each scenario that answered a request.
	Scenarios Dimension = "scenarios"
)

// Dimensions lists every dimension in report order.
func Dimensions() []Dimension {
	return []Dimension{Operations, Statuses, Actions, ActionStatuses, Roles, Transitions, Scenarios}
}

// The outcomes of a transition on a simulated call.
const (
	Accepted = "accepted"
	Refused  = "refused"
)

// A Universe is everything a test run could exercise: for each dimension,
// the items' keys, sorted.
type Universe struct {
	Items map[Dimension][]string
	// ops holds what Measure needs to read an entry: an operation's
	// action schemas' role defaults, and whether it acts on a simulated call.
	ops map[string]opInfo
}

type opInfo struct {
	actions    map[string]actionInfo
	statuses   []string
	stateful   bool
	hasActions bool
}

type actionInfo struct {
	roles       []string
	defaultRole string
}

// NewUniverse reads the universe from the contract: every operation, its
// documented statuses, the actions of its request body (the enum of its
// "action" property, in each oneOf branch) with their documented statuses
// and the roles each allows (the enum of "role"), the accepted and refused
// transition of each action on a multi-party call node (the calls the fake
// simulates), and the scenarios named.
func NewUniverse(spec *openapi3.T, scenarios []string) *Universe {
	u := &Universe{Items: map[Dimension][]string{}, ops: map[string]opInfo{}}
	add := func(d Dimension, key string) { u.Items[d] = append(u.Items[d], key) }
	if spec != nil && spec.Paths != nil {
		for path, item := range spec.Paths.Map() {
			for _, op := range item.Operations() {
				if op.OperationID == "" {
					continue
				}
				info := opInfo{actions: map[string]actionInfo{}, stateful: strings.Contains(path, "/multi_party_call/")}
				add(Operations, op.OperationID)
				if op.Responses != nil {
					for code := range op.Responses.Map() {
						if _, err := strconv.Atoi(code); err == nil {
							info.statuses = append(info.statuses, code)
							add(Statuses, op.OperationID+"/"+code)
						}
					}
				}
				for _, s := range bodySchemas(op) {
					for _, action := range enumOf(s, "action") {
						ai := actionInfo{roles: enumOf(s, "role")}
						if p := s.Properties["role"]; p != nil && p.Value != nil {
							if d, ok := p.Value.Default.(string); ok {
								ai.defaultRole = d
							}
						}
						info.actions[action] = ai
					}
				}
				info.hasActions = len(info.actions) > 0
				for action, ai := range info.actions {
					add(Actions, op.OperationID+"/"+action)
					for _, code := range info.statuses {
						add(ActionStatuses, op.OperationID+"/"+action+"/"+code)
					}
					for _, role := range ai.roles {
						add(Roles, op.OperationID+"/"+action+"/"+role)
					}
					if info.stateful {
						add(Transitions, op.OperationID+"/"+action+"/"+Accepted)
						add(Transitions, op.OperationID+"/"+action+"/"+Refused)
					}
				}
				u.ops[op.OperationID] = info
			}
		}
	}
	for _, s := range scenarios {
		if !slices.Contains(u.Items[Scenarios], s) {
			add(Scenarios, s)
		}
	}
	for d := range u.Items {
		sort.Strings(u.Items[d])
	}
	return u
}

// Total is the number of items of every dimension.
func (u *Universe) Total() int {
	n := 0
	for _, items := range u.Items {
		n += len(items)
	}
	return n
}

// Has reports whether key is an item of d.
func (u *Universe) Has(d Dimension, key string) bool {
	_, ok := slices.BinarySearch(u.Items[d], key)
	return ok
}

// bodySchemas are the object schemas of op's JSON request body: the
// branches of a oneOf (or anyOf), or the schema itself.
func bodySchemas(op *openapi3.Operation) []*openapi3.Schema {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	s := mt.Schema.Value
	var out []*openapi3.Schema
	for _, refs := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf} {
		for _, r := range refs {
			if r != nil && r.Value != nil {
				out = append(out, r.Value)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, s)
	}
	return out
}

// enumOf is the string enum of s's property name.
func enumOf(s *openapi3.Schema, name string) []string {
	p := s.Properties[name]
	if p == nil || p.Value == nil {
		return nil
	}
	var out []string
	for _, v := range p.Value.Enum {
		if str, ok := v.(string); ok {
			out = append(out, str)
		}
	}
	return out
}
