package mockserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/phlomock/phlomock/internal/jsonread"
)

// An operation is everything the pipeline needs about one operation of the
// spec, computed once by New.
type operation struct {
	id         string
	method     string
	path       string // the template, e.g. /v1/phlo/{phlo_id}
	route      *routers.Route
	pathParams []string // names, in path order
	// valued: the path parameters whose values the contract constrains
	// (a pattern, an enum, a format, a length), as the member's address:
	// a bad one is a 400 naming it, as for a body field, not a 404.
	valued   map[string]bool
	body     *bodySpec
	public   bool       // the spec requires no security for it
	security [][]scheme // nil: HTTP Basic alone (security.go)
	// checkParams: some parameter has a rule kin-openapi must check. Plain
	// string path parameters (every one of the PHLO API) cannot fail once
	// routed, so their operations skip openapi3filter.ValidateRequest.
	checkParams bool
	success     int
	answer      []answerField
	example     []byte // the success response's example, with Options.AnswerExamples; nil: answer is rendered
	// errorText is the "error" of each error response's example, by
	// status: the text a bodiless error answer carries (errorText).
	errorText map[int]string
	// fastAnswers: for each status whose answer the fast path can check
	// (one application/json schema it reads, no headers), that schema.
	fastAnswers map[int]*fastObject
}

// bodySpec is the request body of an operation: either one schema, or a
// oneOf whose member is selected by a discriminator property.
type bodySpec struct {
	required bool
	schema   *openapi3.Schema // nil when discriminated
	defaults []propDefault
	fast     *fastObject // nil: no fast path (validate_flat.go)
	discProp string
	variants []variant // in oneOf order
}

type variant struct {
	value    string
	schema   *openapi3.Schema
	defaults []propDefault
	fast     *fastObject
}

// A propDefault is a property whose missing, null or "" value the real API
// replaces with a default (role = agent).
type propDefault struct {
	name  string
	value any
}

func (b *bodySpec) variant(v string) *variant {
	for i := range b.variants {
		if b.variants[i].value == v {
			return &b.variants[i]
		}
	}
	return nil
}

func (b *bodySpec) allowed() []string {
	vals := make([]string, len(b.variants))
	for i, v := range b.variants {
		vals[i] = v.value
	}
	return vals
}

func compileOperation(route *routers.Route, actionStatus int, examples bool) (*operation, error) {
	op := route.Operation
	o := &operation{
		id:     op.OperationID,
		method: route.Method,
		path:   route.Path,
		route:  route,
	}
	if o.id == "" {
		o.id = route.Method + " " + route.Path
	}
	o.public, o.security = compileSecurity(route)
	for _, seg := range strings.Split(route.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			o.pathParams = append(o.pathParams, strings.TrimSuffix(strings.Trim(seg, "{}"), "*"))
		}
	}
	o.checkParams = needsParamCheck(route.PathItem.Parameters, op.Parameters)
	o.errorText = exampleErrors(op)
	for _, p := range append(slices.Clone(route.PathItem.Parameters), op.Parameters...) {
		if p == nil || p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Schema == nil || p.Value.Schema.Value == nil {
			continue
		}
		if sc := p.Value.Schema.Value; sc.Pattern != "" || len(sc.Enum) > 0 || sc.Format != "" || sc.MaxLength != nil {
			if o.valued == nil {
				o.valued = map[string]bool{}
			}
			o.valued[p.Value.Name] = true
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		mt := rb.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			return nil, fmt.Errorf("operation %s: request body has no application/json schema", o.id)
		}
		b, err := compileBody(mt.Schema.Value)
		if err != nil {
			return nil, fmt.Errorf("operation %s: %w", o.id, err)
		}
		b.required = rb.Value.Required
		o.body = b
	}
	o.success = successStatus(op, actionStatus)
	if o.success == 0 {
		return nil, fmt.Errorf("operation %s: no 2xx response", o.id)
	}
	var schema *openapi3.Schema
	if r := op.Responses.Status(o.success); r != nil && r.Value != nil {
		if mt := r.Value.Content.Get("application/json"); mt != nil {
			if mt.Schema != nil {
				schema = mt.Schema.Value
			}
			if examples {
				o.example = mediaExample(mt)
			}
		}
	}
	o.answer = compileAnswer(schema, o.pathParams)
	o.fastAnswers = compileFastAnswers(op)
	return o, nil
}

// compileFastAnswers compiles the fast path of the answer check for each
// status the operation documents by number whose response has one
// application/json schema the fast path reads and declares no headers
// (kin-openapi would check those).
func compileFastAnswers(op *openapi3.Operation) map[int]*fastObject {
	var out map[int]*fastObject
	for code, ref := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil || ref == nil || ref.Value == nil || len(ref.Value.Headers) > 0 || len(ref.Value.Content) != 1 {
			continue
		}
		mt := ref.Value.Content["application/json"]
		if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
			continue
		}
		if f := compileFast(mt.Schema.Value); f != nil {
			if out == nil {
				out = map[int]*fastObject{}
			}
			out[n] = f
		}
	}
	return out
}

// answerValid is the fast path of the answer check: true only when the
// answer is a flat JSON object that the status's schema accepts, which is
// when kin-openapi finds nothing; false says nothing, and the answer goes
// through openapi3filter.ValidateResponse.
func (o *operation) answerValid(status int, contentType string, body []byte) bool {
	f := o.fastAnswers[status]
	if f == nil {
		return false
	}
	if contentType != "application/json" {
		if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/json" {
			return false
		}
	}
	obj, ok := jsonread.Parse(strings.TrimSpace(string(body)))
	return ok && f.valid(obj)
}

func compileBody(s *openapi3.Schema) (*bodySpec, error) {
	b := &bodySpec{}
	if s.Discriminator == nil || len(s.OneOf) == 0 {
		b.schema = s
		b.defaults = defaultsOf(s)
		b.fast = compileFast(s)
		return b, nil
	}
	b.discProp = s.Discriminator.PropertyName
	for _, ref := range s.OneOf {
		if ref.Value == nil {
			continue
		}
		value := ""
		for k, target := range s.Discriminator.Mapping {
			if target.Ref == ref.Ref && ref.Ref != "" {
				value = k
			}
		}
		if value == "" { // no mapping: the property's single enum value
			if p := ref.Value.Properties[b.discProp]; p != nil && p.Value != nil && len(p.Value.Enum) == 1 {
				value = fmt.Sprint(p.Value.Enum[0])
			}
		}
		if value == "" {
			return nil, fmt.Errorf("cannot tell the %s value that selects %s", b.discProp, ref.Ref)
		}
		b.variants = append(b.variants, variant{value: value, schema: ref.Value, defaults: defaultsOf(ref.Value), fast: compileFast(ref.Value)})
	}
	return b, nil
}

func defaultsOf(s *openapi3.Schema) []propDefault {
	var ds []propDefault
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		if p := s.Properties[name]; p != nil && p.Value != nil && p.Value.Default != nil {
			ds = append(ds, propDefault{name: name, value: p.Value.Default})
		}
	}
	return ds
}

// successStatus is the status of the default answer: actionStatus when the
// operation documents it (201 per the docs or 200 per the seed), else its
// lowest 2xx.
func successStatus(op *openapi3.Operation, actionStatus int) int {
	if op.Responses.Status(actionStatus) != nil {
		return actionStatus
	}
	best := 0
	for code := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err == nil && n >= 200 && n < 300 && (best == 0 || n < best) {
			best = n
		}
	}
	return best
}

// answerKind says where a field of the default answer gets its value.
type answerKind int

const (
	kindConst      answerKind = iota
	kindAPIID                 // a fresh UUID per answer
	kindPathParam             // echoes the path parameter of the same name
	kindSameAsAPI             // another uuid field: equal to api_id (phlo_run_id)
	kindName                  // the world's name of the PHLO or node
	kindCreatedOn             // the world's created_on
	kindRunMessage            // the run's message, naming the run id
)

type answerField struct {
	name  string
	kind  answerKind
	value []byte // JSON, for kindConst
}

// Defaults of the default world, in Plivo's style.
const (
	DefaultCreatedOn = "2020-08-01 09:05:11.846982+00:00"
	DefaultPhloName  = "PHLO"
	DefaultNodeName  = "Multi-Party Call_1"
)

func compileAnswer(s *openapi3.Schema, pathParams []string) []answerField {
	if s == nil {
		return []answerField{{name: "api_id", kind: kindAPIID}}
	}
	names := slices.Clone(s.Required)
	for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	if !slices.Contains(names, "api_id") {
		names = append([]string{"api_id"}, names...)
	}
	fields := make([]answerField, 0, len(names))
	for _, name := range names {
		var p *openapi3.Schema
		if ref := s.Properties[name]; ref != nil {
			p = ref.Value
		}
		f := answerField{name: name}
		switch {
		case name == "api_id":
			f.kind = kindAPIID
		case slices.Contains(pathParams, name):
			f.kind = kindPathParam
		case p != nil && p.Format == "uuid":
			f.kind = kindSameAsAPI
		case name == "name":
			f.kind = kindName
		case name == "created_on":
			f.kind = kindCreatedOn
		case name == "message":
			f.kind = kindRunMessage
		default:
			f.value = exampleValue(p)
		}
		fields = append(fields, f)
	}
	return fields
}

// exampleValue is a constant JSON value that satisfies p.
func exampleValue(p *openapi3.Schema) []byte {
	var v any = ""
	switch {
	case p == nil:
	case p.Default != nil:
		v = p.Default
	case p.Example != nil:
		v = p.Example
	case len(p.Enum) > 0:
		v = p.Enum[0]
	case p.Type.Is("integer"), p.Type.Is("number"):
		v = 0
	case p.Type.Is("boolean"):
		v = false
	case p.Type.Is("object"):
		v = map[string]any{}
	case p.Type.Is("array"):
		v = []any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`""`)
	}
	return b
}

// methods lists the HTTP methods the pipeline tries when a path matches no
// operation, to tell 404 from 405.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions}

func needsParamCheck(lists ...openapi3.Parameters) bool {
	for _, list := range lists {
		for _, ref := range list {
			p := ref.Value
			if p == nil || p.In != openapi3.ParameterInPath || p.Schema == nil || p.Schema.Value == nil || p.Content != nil {
				return true
			}
			s := p.Schema.Value
			trivial := s.Type.Is("string") && s.Pattern == "" && len(s.Enum) == 0 && s.MaxLength == nil &&
				s.MinLength == 0 && s.Format == "" && len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) == 0 && s.Not == nil
			if !trivial {
				return true
			}
		}
	}
	return false
}

// mediaExample is a media type's example as JSON with a newline: its
// example, else the first of its examples by name; nil when it has none.
func mediaExample(mt *openapi3.MediaType) []byte {
	v := mt.Example
	if v == nil && len(mt.Examples) > 0 {
		for _, name := range slices.Sorted(maps.Keys(mt.Examples)) {
			if ex := mt.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
				v = ex.Value.Value
				break
			}
		}
	}
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return append(b, '\n')
}

// exampleErrors reads the "error" field of the JSON example of each error
// response (4xx, 5xx) of op.
func exampleErrors(op *openapi3.Operation) map[int]string {
	if op.Responses == nil {
		return nil
	}
	texts := map[int]string{}
	for code, ref := range op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil || status < 400 || ref == nil || ref.Value == nil {
			continue
		}
		mt := ref.Value.Content.Get("application/json")
		if mt == nil {
			continue
		}
		ex := mt.Example
		if ex == nil {
			for _, e := range mt.Examples {
				if e != nil && e.Value != nil {
					ex = e.Value.Value
					break
				}
			}
		}
		if m, ok := ex.(map[string]any); ok {
			if text, ok := m["error"].(string); ok && text != "" {
				texts[status] = text
			}
		}
	}
	return texts
}

// errorBodyText is the text of a bodiless error answer of status: the
// contract's example for it, so `respond: 500` says what the contract (and
// the built-in server-error scenario) says; else the status's name.
func (o *operation) errorBodyText(status int) string {
	if text, ok := o.errorText[status]; ok {
		return text
	}
	return http.StatusText(status)
}
