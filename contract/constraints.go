package contract

import (
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// A ConstraintKind is the kind of rule a Constraint is.
type ConstraintKind string

// The kinds of constraints Constraints finds in a contract.
const (
	KindEnum          ConstraintKind = "enum"          // a body property's allowed values
	KindDiscriminator ConstraintKind = "discriminator" // the property that picks a body's branch
	KindPattern       ConstraintKind = "pattern"       // a string property's or path parameter's pattern
	KindRequired      ConstraintKind = "required"      // a required body property
	KindType          ConstraintKind = "type"          // a body property's JSON type
	KindLength        ConstraintKind = "length"        // minLength or maxLength
	KindFormat        ConstraintKind = "format"        // a string format the contract names (uuid)
	KindSecurity      ConstraintKind = "security"      // the operation's credentials
	KindAccount       ConstraintKind = "account"       // a path parameter naming the caller's account
	KindStatus        ConstraintKind = "status"        // a documented success status
	KindEcho          ConstraintKind = "echo"          // a success body property that repeats a path parameter
	KindUniqueID      ConstraintKind = "unique-id"     // api_id, a UUID identifying one answer
)

// A Constraint is one rule of the contract, located by a JSON pointer into
// it: what a case comes from and what a finding cites.
type Constraint struct {
	Kind      ConstraintKind `json:"kind"`
	Pointer   string         `json:"pointer"`
	Operation string         `json:"operation"`
	// In is body, path or response.
	In    string `json:"in"`
	Field string `json:"field,omitempty"`
	// Variant is the body branch (the discriminator value), or "".
	Variant string `json:"variant,omitempty"`
	// Values are the enum's values; Pattern the pattern; Status the status.
	Values  []string         `json:"values,omitempty"`
	Pattern string           `json:"pattern,omitempty"`
	Status  int              `json:"status,omitempty"`
	Schema  *openapi3.Schema `json:"-"`
}

// Constraints lists every constraint of the contract that a request or an
// answer can keep or break, operation by operation in Generate's order:
// each body property's type, enum, pattern, length and format, each
// required property, each discriminator, each path parameter's pattern and
// the account in the path, the security, each success status, each id a
// success body echoes and the answer's api_id. Mutation tests generate one
// server mutant per constraint from this list.
func Constraints(spec *openapi3.T) []Constraint {
	var out []Constraint
	if spec == nil || spec.Paths == nil {
		return nil
	}
	for _, op := range operations(spec) {
		base := "/paths/" + escapePointer(op.path) + "/" + strings.ToLower(op.method)
		for i, p := range op.op.Parameters {
			if p.Value == nil || p.Value.In != "path" || p.Value.Schema == nil || p.Value.Schema.Value == nil {
				continue
			}
			ptr := base + "/parameters/" + strconv.Itoa(i)
			if p.Ref != "" {
				ptr = refPointer(p.Ref)
			}
			s := p.Value.Schema.Value
			if s.Pattern != "" {
				out = append(out, Constraint{Kind: KindPattern, Pointer: ptr + "/schema/pattern", Operation: op.id, In: "path", Field: p.Value.Name, Pattern: s.Pattern, Schema: s})
			}
			if p.Value.Name == "auth_id" {
				out = append(out, Constraint{Kind: KindAccount, Pointer: ptr, Operation: op.id, In: "path", Field: p.Value.Name, Schema: s})
			}
		}
		if sec := securityPointer(spec, op, base); sec != "" {
			out = append(out, Constraint{Kind: KindSecurity, Pointer: sec, Operation: op.id})
		}
		out = append(out, bodyConstraints(op, base)...)
		out = append(out, responseConstraints(op, base)...)
	}
	return out
}

func securityPointer(spec *openapi3.T, op operation, base string) string {
	switch {
	case op.op.Security != nil && len(*op.op.Security) > 0:
		return base + "/security"
	case op.op.Security == nil && len(spec.Security) > 0:
		return "/security"
	}
	return ""
}

func refPointer(ref string) string { return strings.TrimPrefix(ref, "#") }

func bodyConstraints(op operation, base string) []Constraint {
	rb := op.op.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	ptr := base + "/requestBody/content/application~1json/schema"
	if mt.Schema.Ref != "" {
		ptr = refPointer(mt.Schema.Ref)
	}
	s := mt.Schema.Value
	if len(s.OneOf) == 0 || s.Discriminator == nil {
		return schemaConstraints(op, ptr, "", s, "")
	}
	prop := s.Discriminator.PropertyName
	var values []string
	for _, ref := range s.OneOf {
		if ref.Value != nil {
			values = append(values, discriminatorValue(s.Discriminator, ref, prop))
		}
	}
	out := []Constraint{{Kind: KindDiscriminator, Pointer: ptr + "/discriminator", Operation: op.id, In: "body", Field: prop, Values: values}}
	for i, ref := range s.OneOf {
		if ref.Value == nil {
			continue
		}
		bp := ptr + "/oneOf/" + strconv.Itoa(i)
		if ref.Ref != "" {
			bp = refPointer(ref.Ref)
		}
		out = append(out, schemaConstraints(op, bp, discriminatorValue(s.Discriminator, ref, prop), ref.Value, prop)...)
	}
	return out
}

// schemaConstraints are the constraints of one object schema's
// properties; the discriminator's own one-value enum is left to the
// discriminator constraint.
func schemaConstraints(op operation, ptr, variant string, s *openapi3.Schema, disc string) []Constraint {
	var out []Constraint
	for i, f := range s.Required {
		if f == disc {
			continue
		}
		p := s.Properties[f]
		if p != nil && p.Value != nil && p.Value.Default != nil {
			continue // the API fills it in: leaving it out is valid
		}
		out = append(out, Constraint{Kind: KindRequired, Pointer: ptr + "/required/" + strconv.Itoa(i), Operation: op.id, In: "body", Field: f, Variant: variant})
	}
	for _, f := range sortedKeys(s.Properties) {
		ref := s.Properties[f]
		if f == disc || ref == nil || ref.Value == nil {
			continue
		}
		p, pp := ref.Value, ptr+"/properties/"+escapePointer(f)
		c := Constraint{Operation: op.id, In: "body", Field: f, Variant: variant, Schema: p}
		if p.Type != nil && len(p.Type.Slice()) > 0 {
			c.Kind, c.Pointer = KindType, pp+"/type"
			out = append(out, c)
		}
		if len(p.Enum) > 0 {
			c.Kind, c.Pointer, c.Values = KindEnum, pp+"/enum", enumStrings(p)
			out = append(out, c)
			c.Values = nil
		}
		if p.Pattern != "" {
			c.Kind, c.Pointer, c.Pattern = KindPattern, pp+"/pattern", p.Pattern
			out = append(out, c)
			c.Pattern = ""
		}
		if p.MinLength > 0 || p.MaxLength != nil {
			c.Kind, c.Pointer = KindLength, pp
			out = append(out, c)
		}
		if p.Format == "uuid" {
			c.Kind, c.Pointer = KindFormat, pp+"/format"
			out = append(out, c)
		}
	}
	return out
}

func enumStrings(s *openapi3.Schema) []string {
	var out []string
	for _, v := range s.Enum {
		if str, ok := v.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

// responseConstraints: each documented success status, each success body
// property named like a path parameter (the answer echoes the id asked
// for), and api_id.
func responseConstraints(op operation, base string) []Constraint {
	if op.op.Responses == nil {
		return nil
	}
	var out []Constraint
	params := pathParamNames(op.path)
	for _, code := range documentedStatuses(op.op) {
		status, err := strconv.Atoi(code)
		if err != nil || status < 200 || status > 299 {
			continue
		}
		rp := base + "/responses/" + code
		out = append(out, Constraint{Kind: KindStatus, Pointer: rp, Operation: op.id, In: "response", Status: status})
		resp := op.op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		mt := resp.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		sp := rp + "/content/application~1json/schema"
		if mt.Schema.Ref != "" {
			sp = refPointer(mt.Schema.Ref)
		}
		for _, f := range sortedKeys(mt.Schema.Value.Properties) {
			if slices.Contains(params, f) {
				out = append(out, Constraint{Kind: KindEcho, Pointer: sp + "/properties/" + escapePointer(f), Operation: op.id, In: "response", Field: f, Status: status})
			}
			if f == "api_id" {
				out = append(out, Constraint{Kind: KindUniqueID, Pointer: sp + "/properties/api_id", Operation: op.id, In: "response", Field: f, Status: status})
			}
		}
	}
	return out
}

func pathParamNames(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.Trim(seg, "{}"))
		}
	}
	return out
}

// successStatus is the status an operation's success answers with when it
// documents one 2xx, 0 when it documents several (the answer may use any).
func successStatus(op *openapi3.Operation) int {
	var found []int
	for _, code := range documentedStatuses(op) {
		if s, err := strconv.Atoi(code); err == nil && s >= 200 && s < 300 {
			found = append(found, s)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return 0
}

// cite fills in each violation's Constraint: the case's own constraint
// for what the case decides (the status of an invalid or a valid
// request, the error text), the response the answer must match for the
// invariants.
func (c *checker) cite(vs []Violation, cs Case, op operation, hasOp bool, status int) {
	opPtr := ""
	if hasOp {
		opPtr = "/paths/" + escapePointer(op.path) + "/" + strings.ToLower(op.method)
	} else if path := cs.Request.Path; path != "" {
		opPtr = "/paths/" + escapePointer(strings.TrimSuffix(path, "/"))
	}
	resp := opPtr + "/responses/" + strconv.Itoa(status)
	if hasOp && op.op.Responses != nil && op.op.Responses.Value(strconv.Itoa(status)) == nil {
		resp = opPtr + "/responses"
	}
	own := cs.Constraint
	if own == "" {
		own = opPtr
	}
	for i := range vs {
		v := &vs[i]
		if v.Constraint != "" {
			continue
		}
		switch v.Code {
		case CodeStatusUndocumented:
			v.Constraint = opPtr + "/responses"
		case CodeContentType, CodeBodyNotJSON, CodeBodyNotStrict:
			v.Constraint = resp + "/content"
		case CodeBodySchema, CodeErrorEmpty, CodeErrorOnSuccess:
			v.Constraint = resp + "/content/application~1json/schema"
		case CodeAPIIDMissing, CodeAPIIDNotUUID, CodeAPIIDRepeated:
			v.Constraint = resp + "/content/application~1json/schema/properties/api_id"
		case CodeIDNotEchoed:
			v.Constraint = resp + "/content/application~1json/schema/properties/" + escapePointer(strings.TrimPrefix(v.Pointer, "/body/"))
		case CodeCredentialLeaked:
			v.Constraint = "/components/securitySchemes"
		default:
			v.Constraint = own
		}
	}
}
