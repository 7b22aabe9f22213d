package scenarios

import (
	"path"

	"gopkg.in/yaml.v3"
)

func (d *decoder) rule(n *yaml.Node) Rule {
	r := Rule{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "name":
			r.Name = d.str(v)
		case "match":
			r.Match = d.match(v)
		case "respond":
			resp := d.response(v, nil)
			r.Respond = &resp
		case "sequence":
			if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
				d.errorf(v, "empty sequence: want at least one step")
			}
			d.seq(v, func(n *yaml.Node) {
				st := Step{Times: 1}
				st.Response = d.response(n, func(key string, v *yaml.Node) bool {
					if key != "times" {
						return false
					}
					st.Times = d.int(v)
					return true
				})
				r.Sequence = append(r.Sequence, st)
			})
		case "times":
			r.Times = d.int(v)
		default:
			return false
		}
		return true
	})
	return r
}

func (d *decoder) match(n *yaml.Node) Match {
	var m Match
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "operation":
			m.Operation, m.OperationPos = d.str(v), pos(v)
		case "method":
			m.Method, m.MethodPos = d.str(v), pos(v)
		case "path":
			m.Path, m.PathPos = d.str(v), pos(v)
			if _, err := path.Match(m.Path, ""); err != nil {
				d.errorf(v, "bad path pattern %q: %v", m.Path, err)
			}
		case "path_params":
			m.PathParams = d.strMap(v)
			d.positions(&m, "path_params.", v)
		case "body":
			m.Body = d.strMap(v)
			d.positions(&m, "body.", v)
		case "headers":
			m.Headers = d.strMap(v)
		case "auth_id":
			m.AuthID = d.str(v)
		default:
			return false
		}
		return true
	})
	return m
}

// positions keeps where the keys and values of a match's mapping n were
// written, under prefix+key.
func (d *decoder) positions(m *Match, prefix string, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return
	}
	if m.KeyPos == nil {
		m.KeyPos, m.ValuePos = map[string]Pos{}, map[string]Pos{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m.KeyPos[prefix+n.Content[i].Value] = pos(n.Content[i])
		m.ValuePos[prefix+n.Content[i].Value] = pos(n.Content[i+1])
	}
}

// response reads a response mapping, or the short form `respond: 500`.
// extra, when set, may claim additional keys (a sequence step's times).
func (d *decoder) response(n *yaml.Node, extra func(key string, v *yaml.Node) bool) Response {
	r := Response{Pos: pos(n)}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		r.Status = d.int(n)
		return r
	}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "status":
			r.Status = d.int(v)
		case "headers":
			r.Headers = d.strMap(v)
		case "body":
			if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
				r.Body, r.BodyRaw = v.Value, true
			} else {
				r.Body = d.value(v)
			}
			if err := checkTemplate(r.Body); err != nil {
				d.errorf(v, "%v", err)
			}
		case "delay":
			r.Delay = d.delay(v)
		case "drop":
			r.Drop = d.bool(v)
		default:
			return extra != nil && extra(key, v)
		}
		return true
	})
	return r
}
