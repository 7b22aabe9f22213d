package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/phlomock/phlomock/internal/jsonread"
	"github.com/phlomock/phlomock/internal/kinerr"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// validate normalises and checks the request against the contract: the
// body's Content-Type (415, with the real API's leniencies noted in the
// journal), the body against the schema its discriminator selects, and the
// parameters and security with openapi3filter; every violation at once
// (400).
func (s *Server) validate(x *request) *RequestError {
	r, e, op := x.r, x.entry, x.op
	var violations []Violation
	if op.body != nil {
		if len(bytes.TrimSpace(x.raw)) > 0 {
			note, re := checkContentType(r.Header.Get("Content-Type"), x.raw)
			if re != nil {
				return re
			}
			if note != "" {
				e.Lenient = append(e.Lenient, note)
			}
		}
		var notes []string
		x.decoded, notes, violations = decodeBody(op.body, e.Body)
		e.Lenient = append(e.Lenient, notes...)
	}
	if op.checkParams {
		in := &openapi3filter.RequestValidationInput{Request: r, PathParams: x.params, Route: op.route, Options: s.filter}
		violations = append(requestViolations(openapi3filter.ValidateRequest(r.Context(), in)), violations...)
	}
	if len(violations) > 0 {
		return &RequestError{Violations: violations}
	}
	e.Valid = true
	return nil
}

// checkContentType accepts application/json. It tolerates what curl -d
// sends (application/x-www-form-urlencoded) and no Content-Type at all when
// the body is JSON, returning a note for the journal.
func checkContentType(ct string, raw []byte) (string, *RequestError) {
	if ct == "application/json" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "", nil
	}
	switch {
	case err == nil && mt == "application/json":
		return "", nil
	case err == nil && (mt == "" || mt == "application/x-www-form-urlencoded") && looksJSON(raw):
		return fmt.Sprintf("Content-Type %q with a JSON body read as application/json: send Content-Type: application/json, as Plivo's SDKs do", ct), nil
	}
	if ct == "" {
		return "", refuse(CodeMediaType, "No Content-Type, and the body is not JSON: send the body as application/json.")
	}
	return "", refuse(CodeMediaType, fmt.Sprintf("Unsupported Content-Type %q: send the body as application/json.", ct))
}

func looksJSON(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '{' || t[0] == '"' || t[0] == '[')
}

// decodeBody parses, normalises and validates the body of op. It returns the
// decoded body (nil when there is none), the leniencies applied, and every
// violation. The common body (a flat object of strings that the schema
// accepts) takes the fast path (validate_flat.go); any other goes through
// encoding/json and kin-openapi, which word every violation.
func decodeBody(b *bodySpec, raw string) (map[string]any, []string, []Violation) {
	trimmed := strings.TrimSpace(raw)
	var notes []string
	if len(trimmed) < len(raw) && len(trimmed) > 0 {
		notes = append(notes, "whitespace around the JSON body ignored")
	}
	if len(trimmed) == 0 || trimmed == `""` || trimmed == "null" {
		if len(trimmed) > 0 {
			notes = append(notes, fmt.Sprintf("body %s treated as no body", trimmed))
		}
		if b.required {
			if b.discProp != "" {
				return nil, notes, []Violation{{Code: CodeMissing, Pointer: "/" + b.discProp, Field: b.discProp, Message: b.discProp + " is a mandatory param."}}
			}
			return nil, notes, []Violation{{Code: CodeMissing, Field: "body", Message: "body is a mandatory param."}}
		}
		return nil, notes, nil
	}
	obj, ok := jsonread.Parse(trimmed)
	if !ok {
		var v *Violation
		if obj, v = decodeGeneric([]byte(trimmed)); v != nil {
			return nil, notes, []Violation{*v}
		}
	}
	schema, defaults, fast := b.schema, b.defaults, b.fast
	if b.discProp != "" {
		p := b.discProp
		raw, present := obj[p]
		s, _ := raw.(string)
		var vr *variant
		if present && raw != nil && s != "" {
			vr = b.variant(s)
		}
		switch {
		case !present || raw == nil || s == "" && isString(raw):
			return nil, notes, []Violation{{Code: CodeMissing, Pointer: "/" + p, Field: p, Message: p + " is a mandatory param."}}
		case vr == nil:
			return nil, notes, []Violation{{Code: CodeInvalidValue, Pointer: "/" + p, Field: p, Message: "Invalid value provided for " + p + ". Allowed values are " + listValues(b.allowed()) + "."}}
		}
		schema, defaults, fast = vr.schema, vr.defaults, vr.fast
	}
	for _, d := range defaults {
		cur, present := obj[d.name]
		switch {
		case !present:
			notes = append(notes, fmt.Sprintf("%s missing: defaulted to %v", d.name, jsonText(d.value)))
		case cur == nil:
			notes = append(notes, fmt.Sprintf("%s null: defaulted to %v", d.name, jsonText(d.value)))
		case cur == "":
			notes = append(notes, fmt.Sprintf(`%s "": defaulted to %v`, d.name, jsonText(d.value)))
		default:
			continue
		}
		obj[d.name] = d.value
	}
	if fast != nil && fast.valid(obj) {
		return obj, notes, nil
	}
	err := schema.VisitJSON(obj, openapi3.MultiErrors(), openapi3.VisitAsRequest())
	return obj, notes, schemaViolations(err, "")
}

// decodeGeneric decodes a body the fast path does not read: a JSON object,
// or the violation that says why it is not one.
func decodeGeneric(trimmed []byte) (map[string]any, *Violation) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(trimmed)) {
		if err == nil {
			err = errors.New("extra data after the JSON value")
		}
		return nil, &Violation{Code: CodeMalformedBody, Field: "body", Message: "Invalid value provided for body. body expects a/an JSON object (" + err.Error() + ")."}
	}
	if problem := strictJSON(trimmed); problem != "" {
		return nil, &Violation{Code: CodeMalformedBody, Field: "body", Message: "Invalid value provided for body. body expects a/an JSON object (" + problem + ")."}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Violation{Code: CodeWrongType, Field: "body", Message: "Invalid value provided for body. body expects a/an object."}
	}
	return obj, nil
}

func isString(v any) bool { _, ok := v.(string); return ok }

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// schemaViolations flattens kin-openapi's errors into violations worded like
// Plivo's 400s. field names a parameter when the error is about one.
func schemaViolations(err error, field string) []Violation {
	if err == nil {
		return nil
	}
	var out []Violation
	kinerr.Walk(err, func(err error) {
		if se := kinerr.Schema(err); se != nil {
			out = append(out, schemaViolation(se, field))
			return
		}
		f := field
		if f == "" {
			f = "body"
		}
		out = append(out, Violation{Code: CodeInvalid, Field: f, Message: "Invalid value provided for " + f + ". " + err.Error()})
	})
	sortViolations(out)
	return out
}

func schemaViolation(se *openapi3.SchemaError, param string) Violation {
	ptr := se.JSONPointer()
	field := strings.Join(ptr, ".")
	pointer := ""
	if len(ptr) > 0 {
		pointer = "/" + strings.Join(ptr, "/")
	}
	if param != "" {
		field = param
		if len(ptr) > 0 {
			field += "." + strings.Join(ptr, ".")
		}
	}
	if field == "" {
		field = "body"
	}
	v := Violation{Pointer: pointer, Field: field}
	prefix := "Invalid value provided for " + field + "."
	s := se.Schema
	switch se.SchemaField {
	case "required":
		v.Code, v.Message = CodeMissing, field+" is a mandatory param."
	case "enum":
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
		}
		v.Code, v.Message = CodeInvalidValue, prefix+" Allowed values are "+listValues(vals)+"."
	case "type", "nullable":
		v.Code, v.Message = CodeWrongType, prefix+" "+field+" expects a/an "+typeName(s)+"."
	case "pattern":
		v.Code, v.Message = CodePattern, prefix+" "+patternHint(field, s.Pattern)
	case "maxLength":
		if s.MaxLength != nil {
			v.Code, v.Message = CodeLength, fmt.Sprintf("%s The %s can be maximum %d characters long.", prefix, field, *s.MaxLength)
		}
	case "minLength":
		v.Code, v.Message = CodeLength, fmt.Sprintf("%s The %s must be at least %d characters long.", prefix, field, s.MinLength)
	}
	if v.Code == "" {
		v.Code, v.Message = CodeInvalid, prefix+" "+se.Reason
	}
	return v
}

func typeName(s *openapi3.Schema) string {
	if s == nil || s.Type == nil || len(s.Type.Slice()) == 0 {
		return "value"
	}
	return strings.Join(s.Type.Slice(), " or ")
}

func patternHint(field, pattern string) string {
	if strings.Contains(pattern, "sip:") {
		return field + " must be a phone number in E.164 format (e.g. +14152225555) or a SIP endpoint (e.g. sip:alice123@phone.plivo.com)."
	}
	return field + " must match the pattern " + pattern + "."
}

// listValues words allowed values the way Plivo's docs do:
// 'customer' and 'agent'; 'a', 'b' and 'c'.
func listValues(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = "'" + v + "'"
	}
	switch len(q) {
	case 0:
		return "none"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func sortViolations(vs []Violation) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Field != vs[j].Field {
			return vs[i].Field < vs[j].Field
		}
		return vs[i].Code < vs[j].Code
	})
}

// requestViolations translates openapi3filter.ValidateRequest's errors
// (parameters, security) into violations.
func requestViolations(err error) []Violation {
	if err == nil {
		return nil
	}
	var out []Violation
	kinerr.Walk(err, func(err error) {
		// A RequestError about a parameter is one leaf: it wraps the
		// MultiError of its parameter.
		if re, ok := err.(*openapi3filter.RequestError); ok && re.Parameter != nil {
			name := re.Parameter.Name
			var pe *openapi3filter.ParseError
			switch {
			case errors.Is(re.Err, openapi3filter.ErrInvalidRequired) || re.Err == nil:
				out = append(out, Violation{Code: CodeMissing, Field: name, Message: name + " is a mandatory param."})
				return
			case errors.As(re.Err, &pe):
				var s *openapi3.Schema
				if re.Parameter.Schema != nil {
					s = re.Parameter.Schema.Value
				}
				out = append(out, Violation{Code: CodeWrongType, Field: name, Message: "Invalid value provided for " + name + ". " + name + " expects a/an " + typeName(s) + "."})
				return
			}
			vs := schemaViolations(re.Err, name)
			if len(vs) == 0 {
				vs = []Violation{{Code: CodeInvalid, Field: name, Message: "Invalid value provided for " + name + "."}}
			}
			out = append(out, vs...)
			return
		}
		out = append(out, Violation{Code: CodeInvalid, Message: "Invalid request: " + err.Error()})
	})
	sortViolations(out)
	return out
}

// strictJSON finds what encoding/json accepts silently in a body it has
// decoded: bytes that are not UTF-8 (replaced by U+FFFD) and duplicate keys
// (the last one wins), which would make the fake validate something other
// than what the client sent. It returns the problem, or "".
func strictJSON(raw []byte) string {
	if !utf8.Valid(raw) {
		return "the body is not valid UTF-8"
	}
	return duplicateKey(json.NewDecoder(bytes.NewReader(raw)), "")
}

// duplicateKey reads one value from dec and names the first key that
// appears twice in one of its objects. The body was decoded already, so its
// depth is bounded by encoding/json's.
func duplicateKey(dec *json.Decoder, pointer string) string {
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return ""
			}
			k, _ := kt.(string)
			if seen[k] {
				where := "the body"
				if pointer != "" {
					where = pointer
				}
				return fmt.Sprintf("the key %q appears twice in %s", k, where)
			}
			seen[k] = true
			if d := duplicateKey(dec, pointer+"/"+pointerEscaper.Replace(k)); d != "" {
				return d
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if d := duplicateKey(dec, pointer+"/"+strconv.Itoa(i)); d != "" {
				return d
			}
		}
		_, _ = dec.Token()
	}
	return ""
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
