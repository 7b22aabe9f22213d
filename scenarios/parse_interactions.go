package scenarios

import (
	"gopkg.in/yaml.v3"
)

func (d *decoder) interaction(n *yaml.Node) Interaction {
	in := Interaction{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "name":
			in.Name = d.str(v)
		case "request":
			in.Request = d.interactionRequest(v)
		case "expect":
			in.Expect = d.expect(v)
		default:
			return false
		}
		return true
	})
	return in
}

func (d *decoder) interactionRequest(n *yaml.Node) InteractionRequest {
	var r InteractionRequest
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "operation":
			r.Operation, r.OperationPos = d.str(v), pos(v)
		case "method":
			r.Method = d.str(v)
		case "path":
			r.Path = d.str(v)
		case "path_params":
			r.PathParams = d.strMap(v)
		case "headers":
			r.Headers = d.strMap(v)
		case "auth":
			r.Auth = d.str(v)
		case "body":
			r.Body = d.value(v)
		default:
			return false
		}
		return true
	})
	return r
}

func (d *decoder) expect(n *yaml.Node) Expect {
	e := Expect{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "status":
			e.Status = d.int(v)
		case "body":
			if v.Kind != yaml.MappingNode {
				d.errorf(v, "got %s, want a mapping of fields", kindName(v))
				return true
			}
			e.Body, _ = d.value(v).(map[string]any)
		case "error":
			e.Error = d.str(v)
		default:
			return false
		}
		return true
	})
	return e
}
