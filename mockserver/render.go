package mockserver

import (
	"net/http"
	"strings"

	"github.com/phlomock/phlomock/internal/jsonstr"
)

// render is the spec's default answer, for a request no Responder answered.
func (s *Server) render(x *request) (int, []byte, http.Header) {
	x.entry.Source = "spec"
	return x.op.success, s.specAnswer(x.state.World, x.op, x.params), nil
}

// specAnswer is the spec's answer to op: its example (Options.AnswerExamples),
// else the rendered template.
func (s *Server) specAnswer(w World, op *operation, params map[string]string) []byte {
	if op.example != nil {
		return append([]byte(nil), op.example...)
	}
	var id [36]byte
	return s.defaultAnswer(w, op, params, appendAPIID(id[:0]))
}

// defaultAnswer renders op's answer template, with apiID (hexadecimal
// digits and dashes) as its api_id. It walks a precomputed list of fields,
// never the spec. The answer is built on the stack and returned in a slice
// of its own size: the journal keeps it as it is, without copying it
// smaller (Journal.compact).
func (s *Server) defaultAnswer(w World, op *operation, params map[string]string, apiID []byte) []byte {
	var buf [512]byte
	b := append(buf[:0], '{')
	name, created := "", ""
	named := false
	for i, f := range op.answer {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.name)
		b = append(b, ':')
		switch f.kind {
		case kindAPIID, kindSameAsAPI:
			b = append(append(append(b, '"'), apiID...), '"')
		case kindPathParam:
			b = appendJSONString(b, params[f.name])
		case kindName, kindCreatedOn:
			if !named {
				name, created = names(w, params)
				named = true
			}
			if f.kind == kindName {
				b = appendJSONString(b, name)
			} else {
				b = appendJSONString(b, created)
			}
		case kindRunMessage:
			b = append(append(append(b, `"PHLO run started - phlo_run_id `...), apiID...), '"')
		default:
			b = append(b, f.value...)
		}
	}
	b = append(b, "}\n"...)
	return append(make([]byte, 0, len(b)), b...)
}

// appendJSONString appends s as a JSON string, as encoding/json writes
// it, without allocating.
func appendJSONString(b []byte, s string) []byte { return jsonstr.Append(b, s, true) }

func (s *Server) refused(x *request, re *RequestError) (int, []byte, http.Header) {
	x.entry.Violations = re.Violations
	x.entry.Source = "error"
	status := re.Status()
	if x.op == nil && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) {
		x.entry.Closest = re.closest
		if x.entry.Closest == nil {
			x.entry.Closest = closestRoute(s.routes, x.r.Method, x.r.URL.Path)
		}
	}
	var h http.Header
	switch status {
	case http.StatusMethodNotAllowed:
		h = http.Header{"Allow": {strings.Join(re.allow, ", ")}}
	case http.StatusUnauthorized:
		h = http.Header{"Www-Authenticate": {`Basic realm="phlomock"`}}
	}
	return status, errorBody(NewAPIID(), re.Error()), h
}

func errorBody(apiID, msg string) []byte {
	b := make([]byte, 0, 64+len(msg))
	b = append(b, `{"api_id":"`...)
	b = append(b, apiID...)
	b = append(b, `","error":`...)
	b = appendJSONString(b, msg)
	return append(b, "}\n"...)
}

// contentTypeJSON is the Content-Type of every answer, shared by all of
// them (net/http only reads it); a capacity of 1 makes an append copy it.
var contentTypeJSON = []string{"application/json"}
