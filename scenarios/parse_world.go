package scenarios

import (
	"gopkg.in/yaml.v3"
)

func (d *decoder) world(n *yaml.Node) World {
	var w World
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "accounts":
			d.seq(v, func(n *yaml.Node) {
				a := Account{Pos: pos(n)}
				d.mapping(n, func(key string, _, v *yaml.Node) bool {
					switch key {
					case "auth_id":
						a.AuthID = d.str(v)
					case "auth_token":
						a.AuthToken = d.str(v)
					default:
						return false
					}
					return true
				})
				w.Accounts = append(w.Accounts, a)
			})
		case "phlos":
			d.seq(v, func(n *yaml.Node) { w.PHLOs = append(w.PHLOs, d.phlo(n)) })
		default:
			return false
		}
		return true
	})
	return w
}

func (d *decoder) phlo(n *yaml.Node) PHLO {
	p := PHLO{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "id":
			p.ID = d.str(v)
		case "name":
			p.Name = d.str(v)
		case "created_on":
			p.CreatedOn = d.str(v)
		case "nodes":
			d.seq(v, func(n *yaml.Node) { p.Nodes = append(p.Nodes, d.node(n)) })
		default:
			return false
		}
		return true
	})
	return p
}

func (d *decoder) node(n *yaml.Node) Node {
	nd := Node{Pos: pos(n)}
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "id":
			nd.ID = d.str(v)
		case "name":
			nd.Name = d.str(v)
		case "created_on":
			nd.CreatedOn = d.str(v)
		case "members":
			d.seq(v, func(n *yaml.Node) {
				m := Member{Pos: pos(n)}
				d.mapping(n, func(key string, _, v *yaml.Node) bool {
					switch key {
					case "address":
						m.Address = d.str(v)
					case "role":
						m.Role = d.str(v)
					case "state":
						m.State = d.str(v)
					default:
						return false
					}
					return true
				})
				nd.Members = append(nd.Members, m)
			})
		case "callbacks":
			nd.Callbacks = d.nodeCallbacks(v)
		default:
			return false
		}
		return true
	})
	return nd
}
