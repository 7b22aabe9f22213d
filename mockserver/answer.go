package mockserver

import (
	"encoding/json"
	"unicode/utf8"
)

// openWorld is the default world: every PHLO and node exists.
type openWorld struct{}

func (openWorld) Phlo(id string) (Phlo, bool) {
	return Phlo{ID: id, Name: DefaultPhloName, CreatedOn: DefaultCreatedOn}, true
}

func (openWorld) Node(phloID, nodeID string) (Node, bool) {
	return Node{ID: nodeID, PhloID: phloID, Type: "multi_party_call", Name: DefaultNodeName, CreatedOn: DefaultCreatedOn}, true
}

// defaultAnswer renders op's answer template. It walks a precomputed list of
// fields, never the spec.
func (s *Server) defaultAnswer(w World, op *operation, params map[string]string, apiID string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, '{')
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
			b = appendJSONString(b, apiID)
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
			b = appendJSONString(b, "PHLO run started - phlo_run_id "+apiID)
		default:
			b = append(b, f.value...)
		}
	}
	return append(b, "}\n"...)
}

// names returns the name and created_on of the node in params, else of the PHLO.
func names(w World, params map[string]string) (string, string) {
	if node, ok := params["node_id"]; ok {
		n, ok := w.Node(params["phlo_id"], node)
		if !ok {
			n, _ = openWorld{}.Node(params["phlo_id"], node)
		}
		return orDefault(n.Name, DefaultNodeName), orDefault(n.CreatedOn, DefaultCreatedOn)
	}
	p, ok := w.Phlo(params["phlo_id"])
	if !ok {
		p, _ = openWorld{}.Phlo(params["phlo_id"])
	}
	return orDefault(p.Name, DefaultPhloName), orDefault(p.CreatedOn, DefaultCreatedOn)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// appendJSONString appends s as a JSON string. The common case (printable
// ASCII without quotes or backslashes) is copied as is.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
