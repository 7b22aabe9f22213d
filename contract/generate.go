package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// GenerateOptions tunes Generate. The zero value generates every case.
type GenerateOptions struct {
	// UnknownID is the id sent by the unknown-id cases; it must exist on no
	// target. Empty means DefaultUnknownID.
	UnknownID string
	// Seed draws the random part of the suite and the words the coverage
	// part samples; the same seed gives the same cases. Reports print it.
	Seed uint64
	// MaxExamples bounds the random part: 0 means DefaultMaxExamples, a
	// negative number none.
	MaxExamples int
}

// DefaultUnknownID is the PHLO or node id that the unknown-id cases send.
const DefaultUnknownID = "00000000-0000-4000-8000-00000000dead"

// ErrSpec reports a spec that cases cannot be generated from.
var ErrSpec = errors.New("contract: unusable spec")

// Generate derives the suite from the spec. For every operation:
//   - a valid request (reads are safe; actions are live: they place calls);
//   - no credentials and wrong credentials (safe: the API must answer 401);
//   - an unknown phlo_id and node_id (safe: 404);
//   - for JSON request bodies, one case per body variant (oneOf with a
//     discriminator) and per rule: each required field missing (fields with
//     a default are skipped: a default means the API fills them in), each
//     enum violated (several ways: an unknown value, the value in upper
//     case and capitalized, with a letter more and a letter less, and the
//     empty string unless the field has a default, which "" stands for),
//     each property of the wrong type, the body of the wrong type and a
//     missing required body (400; safe, except on a free-form body,
//     additionalProperties: true, that a lenient server may run). A 400
//     for one field must name it (Expect.ErrorNames);
//   - each action of another operation's body that this one does not
//     define, sent with that operation's valid body (400, safe): a member
//     path must refuse node actions and the reverse;
//   - for reads, the valid request again with a trailing slash (plivo-python
//     sends one on every path);
//
// and for every path a method it does not define (safe: a 4xx with a JSON
// error). Cases come out in a stable order: paths sorted, then methods.
func Generate(spec *openapi3.T, opts GenerateOptions) ([]Case, error) {
	if spec == nil || spec.Paths == nil {
		return nil, fmt.Errorf("%w: no paths", ErrSpec)
	}
	unknown := opts.UnknownID
	if unknown == "" {
		unknown = DefaultUnknownID
	}
	var cases []Case
	var lastPath string
	ops := operations(spec)
	actions, err := actionBodies(ops)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		if op.id == "" {
			return nil, fmt.Errorf("%w: %s %s has no operationId", ErrSpec, op.method, op.path)
		}
		gen, err := operationCases(op, unknown)
		if err != nil {
			return nil, err
		}
		cases = append(cases, gen...)
		cases = append(cases, foreignActions(op, actions)...)
		if op.path != lastPath {
			lastPath = op.path
			cases = append(cases, wrongMethod(op))
		}
	}
	d, derived, err := derive(spec, ops, opts, unknown)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range cases {
		c := &cases[i]
		seen[c.ID] = true
		if c.Expect.ErrorNames != "" && c.Expect.AlsoNames == nil {
			c.Expect.AlsoNames = d.faulty(c.Operation, c.Request.Body, c.Expect.ErrorNames)
		}
	}
	for _, c := range derived {
		if !seen[c.ID] {
			seen[c.ID] = true
			cases = append(cases, c)
		}
	}
	return cases, nil
}

func operationCases(op operation, unknownID string) ([]Case, error) {
	variants, err := bodyVariants(op)
	if err != nil {
		return nil, err
	}
	// The valid body the negative cases start from.
	var base json.RawMessage
	if len(variants) > 0 {
		base = variants[0].valid
	}
	read := op.method == http.MethodGet
	req := func(body json.RawMessage) Request {
		return Request{Method: op.method, Path: op.path, Body: body}
	}
	var cases []Case
	if len(variants) == 0 || !variants[0].tagged {
		c := Case{
			ID: op.id + "/valid", Operation: op.id, Safe: read, RealIDs: true,
			Description: "a valid request", Request: req(base),
		}
		c.Expect.Outcome = OutcomeAccept
		if read {
			c.Expect.Outcome = OutcomeSuccess
		}
		cases = append(cases, c)
		if read {
			slash := c
			slash.ID, slash.Description = op.id+"/valid-trailing-slash", "a valid request with a trailing slash, as plivo-python sends it"
			slash.Request.Path += "/"
			cases = append(cases, slash)
		}
	}
	for _, v := range variants {
		if !v.tagged {
			continue
		}
		cases = append(cases, Case{
			ID: op.id + "/" + v.name + "/valid", Operation: op.id, Safe: false, RealIDs: true,
			Description: "a valid " + v.name + " request", Request: req(v.valid),
			Expect: Expect{Outcome: OutcomeAccept},
		})
	}
	none := req(base)
	none.Auth = AuthNone
	wrong := req(base)
	wrong.Auth = AuthWrong
	cases = append(cases,
		Case{ID: op.id + "/auth-none", Operation: op.id, Safe: true, Description: "no credentials", Request: none,
			Expect: Expect{Outcome: OutcomeReject, Status: http.StatusUnauthorized}},
		Case{ID: op.id + "/auth-wrong", Operation: op.id, Safe: true, Description: "a wrong Auth Token", Request: wrong,
			Expect: Expect{Outcome: OutcomeReject, Status: http.StatusUnauthorized}},
	)
	for _, p := range []string{"phlo_id", "node_id"} {
		if !strings.Contains(op.path, "{"+p+"}") {
			continue
		}
		r := req(base)
		r.PathParams = map[string]string{p: unknownID}
		cases = append(cases, Case{
			// An unknown node only proves something inside a PHLO that exists.
			ID: op.id + "/unknown-" + p, Operation: op.id, Safe: true, RealIDs: p != "phlo_id", UnknownID: true, Description: "an unknown " + p, Request: r,
			Expect: Expect{Outcome: OutcomeReject, Status: http.StatusNotFound},
		})
	}
	if op.op.RequestBody != nil && op.op.RequestBody.Value != nil {
		// A free-form body (additionalProperties: true, the run's Start node
		// variables) may be accepted as is by a lenient server, and then the
		// request acts: its negative cases are live, not safe.
		safe := len(variants) == 0 || !freeForm(variants[0].schema)
		reject := func(id, desc string, body json.RawMessage) Case {
			// RealIDs: a real API looks the PHLO up before it reads the body.
			return Case{ID: op.id + "/" + id, Operation: op.id, Safe: safe, RealIDs: true, Description: desc, Request: req(body),
				Expect: Expect{Outcome: OutcomeReject, Status: http.StatusBadRequest}}
		}
		if op.op.RequestBody.Value.Required {
			cases = append(cases, reject("body-missing", "no body where one is required", nil))
		}
		cases = append(cases, reject("body-array", "a JSON array where an object is required", json.RawMessage(`[]`)))
		seen := map[string]bool{}
		for _, v := range variants {
			for _, neg := range v.negatives() {
				id := neg.id
				if v.tagged && !neg.shared {
					id = v.name + "/" + id
				}
				if seen[id] {
					continue
				}
				seen[id] = true
				c := reject(id, neg.desc, neg.body)
				c.Expect.ErrorNames = neg.field
				cases = append(cases, c)
			}
		}
	}
	return cases, nil
}

// actionBodies maps each operation with a discriminated body to its
// actions and a valid body for each.
func actionBodies(ops []operation) (map[string]map[string]json.RawMessage, error) {
	out := map[string]map[string]json.RawMessage{}
	for _, op := range ops {
		variants, err := bodyVariants(op)
		if err != nil {
			return nil, err
		}
		for _, v := range variants {
			if !v.tagged {
				continue
			}
			if out[op.id] == nil {
				out[op.id] = map[string]json.RawMessage{}
			}
			out[op.id][v.name] = v.valid
		}
	}
	return out, nil
}

// foreignActions are the cases that send op the actions other operations
// define and op does not, each with its own operation's valid body: a
// member path that runs a cold transfer, or a node path that holds, is as
// wrong as an unknown action, and a client that mixes the paths up dials
// or drops people. They are safe: the API must refuse them.
func foreignActions(op operation, actions map[string]map[string]json.RawMessage) []Case {
	own, ok := actions[op.id]
	if !ok {
		return nil
	}
	var cases []Case
	seen := map[string]bool{}
	for _, other := range sortedKeys(actions) {
		if other == op.id {
			continue
		}
		for _, action := range sortedKeys(actions[other]) {
			if _, mine := own[action]; mine || seen[action] {
				continue
			}
			seen[action] = true
			cases = append(cases, Case{
				ID: op.id + "/foreign-action-" + action, Operation: op.id, Safe: true, RealIDs: true,
				Description: "the action " + action + " of " + other + ", which " + op.id + " does not define",
				Request:     Request{Method: op.method, Path: op.path, Body: actions[other][action]},
				Expect:      Expect{Outcome: OutcomeReject, Status: http.StatusBadRequest, ErrorNames: "action"},
			})
		}
	}
	return cases
}

func freeForm(s *openapi3.Schema) bool {
	return s != nil && s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has
}

func wrongMethod(op operation) Case {
	return Case{
		ID: op.id + "/wrong-method", Safe: true,
		Description: "DELETE, a method " + op.path + " does not define",
		Request:     Request{Method: http.MethodDelete, Path: op.path},
		Expect:      Expect{Outcome: OutcomeReject},
	}
}

// A variant is one shape of a request body: one branch of a oneOf with a
// discriminator, or the whole schema.
type variant struct {
	name   string // discriminator value, or ""
	tagged bool   // chosen by a discriminator
	prop   string // the discriminator property
	schema *openapi3.Schema
	valid  json.RawMessage
}

func bodyVariants(op operation) ([]variant, error) {
	rb := op.op.RequestBody
	if rb == nil || rb.Value == nil {
		return nil, nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil, nil
	}
	s := mt.Schema.Value
	if len(s.OneOf) == 0 || s.Discriminator == nil {
		v := variant{schema: s}
		example := mt.Example
		for _, name := range sortedKeys(mt.Examples) {
			if ex := mt.Examples[name]; example == nil && ex != nil && ex.Value != nil {
				example = ex.Value.Value
			}
		}
		body, err := sample(s, example)
		if err != nil {
			return nil, fmt.Errorf("%w: %s body: %v", ErrSpec, op.id, err)
		}
		v.valid = body
		return []variant{v}, nil
	}
	prop := s.Discriminator.PropertyName
	var out []variant
	for _, ref := range s.OneOf {
		if ref.Value == nil {
			continue
		}
		name := discriminatorValue(s.Discriminator, ref, prop)
		if name == "" {
			return nil, fmt.Errorf("%w: %s: a oneOf branch has no %s value", ErrSpec, op.id, prop)
		}
		body, err := sample(ref.Value, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %s %s body: %v", ErrSpec, op.id, name, err)
		}
		out = append(out, variant{name: name, tagged: true, prop: prop, schema: ref.Value, valid: body})
	}
	return out, nil
}

func discriminatorValue(d *openapi3.Discriminator, ref *openapi3.SchemaRef, prop string) string {
	for _, k := range sortedKeys(d.Mapping) {
		if d.Mapping[k].Ref == ref.Ref && ref.Ref != "" {
			return k
		}
	}
	if p, ok := ref.Value.Properties[prop]; ok && p.Value != nil && len(p.Value.Enum) == 1 {
		if s, ok := p.Value.Enum[0].(string); ok {
			return s
		}
	}
	return ""
}

type negative struct {
	id, desc string
	field    string // the field the 400 must name, "" for none
	shared   bool   // the same for every variant (the discriminator)
	body     json.RawMessage
}

// negatives are the invalid bodies derived from one valid body.
func (v variant) negatives() []negative {
	var valid map[string]any
	if err := json.Unmarshal(v.valid, &valid); err != nil || valid == nil {
		return nil
	}
	with := func(change func(m map[string]any)) json.RawMessage {
		m := make(map[string]any, len(valid))
		for k, x := range valid {
			m[k] = x
		}
		change(m)
		data, _ := json.Marshal(m)
		return data
	}
	var out []negative
	for _, f := range v.schema.Required {
		p := v.schema.Properties[f]
		if p != nil && p.Value != nil && p.Value.Default != nil {
			continue
		}
		out = append(out, negative{id: "missing-" + f, desc: "required field " + f + " missing", field: f, shared: f == v.prop,
			body: with(func(m map[string]any) { delete(m, f) })})
	}
	for _, f := range sortedKeys(v.schema.Properties) {
		p := v.schema.Properties[f].Value
		if p == nil {
			continue
		}
		if len(p.Enum) > 0 {
			base := v.name
			if f != v.prop || base == "" {
				base, _ = p.Enum[0].(string)
			}
			for _, bad := range invalidValues(f, base, p) {
				out = append(out, negative{id: "enum-" + f + bad.suffix, desc: f + " " + bad.desc, field: f, shared: f == v.prop,
					body: with(func(m map[string]any) { m[f] = bad.value })})
			}
		}
		if f == v.prop {
			// a wrong-typed discriminator is just another unknown action
			continue
		}
		out = append(out, negative{id: "type-" + f, desc: f + " of the wrong type", field: f,
			body: with(func(m map[string]any) { m[f] = wrongType(p) })})
	}
	return out
}

type invalidValue struct {
	suffix, desc string
	value        string
}

// invalidValues are the values outside an enum a server could let through
// by mistake, derived from one allowed value: an unknown one, case
// variants, a letter more and a letter less (neighbours a sloppy prefix or
// plural match accepts), and the empty string unless the field has a
// default (then "" stands for the default: plivo-go sends "role":"").
// Values that happen to be allowed are left out.
func invalidValues(field, allowed string, p *openapi3.Schema) []invalidValue {
	all := []invalidValue{{"", "outside its enum", "phlomock_invalid_" + field}}
	if allowed != "" {
		all = append(all,
			invalidValue{"-upper", "in upper case (" + strings.ToUpper(allowed) + ")", strings.ToUpper(allowed)},
			invalidValue{"-capitalized", "capitalized (" + strings.ToUpper(allowed[:1]) + allowed[1:] + ")", strings.ToUpper(allowed[:1]) + allowed[1:]},
			invalidValue{"-suffixed", "with a letter more (" + allowed + "s)", allowed + "s"},
			invalidValue{"-truncated", "with a letter less (" + allowed[:len(allowed)-1] + ")", allowed[:len(allowed)-1]},
		)
	}
	if p.Default == nil {
		all = append(all, invalidValue{"-empty", "the empty string", ""})
	}
	var out []invalidValue
	for _, v := range all {
		if v.value == allowed && v.suffix != "" || slices.Contains(p.Enum, any(v.value)) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func wrongType(s *openapi3.Schema) any {
	if s.Type != nil && s.Type.Is("string") {
		return 12345
	}
	return "phlomock-wrong-type"
}
