package mockserver

import "fmt"

// A Phlo is a PHLO the world declares.
type Phlo struct {
	ID        string
	Name      string
	CreatedOn string
}

// A Node is a node of a PHLO the world declares.
type Node struct {
	ID        string
	PhloID    string
	Type      string // "multi_party_call"
	Name      string
	CreatedOn string
}

// World says which PHLOs and nodes exist. Without Options.StrictIDs it is
// only asked for names; with it, an id it does not know answers 404.
type World interface {
	Phlo(phloID string) (Phlo, bool)
	Node(phloID, nodeID string) (Node, bool)
}

// StaticWorld declares PHLOs and their nodes: PHLO id -> node ids. Names and
// creation times are the defaults.
type StaticWorld map[string][]string

// Phlo implements World.
func (w StaticWorld) Phlo(id string) (Phlo, bool) {
	_, ok := w[id]
	return Phlo{ID: id, Name: DefaultPhloName, CreatedOn: DefaultCreatedOn}, ok
}

// Node implements World.
func (w StaticWorld) Node(phloID, nodeID string) (Node, bool) {
	for _, n := range w[phloID] {
		if n == nodeID {
			return Node{ID: nodeID, PhloID: phloID, Type: "multi_party_call", Name: DefaultNodeName, CreatedOn: DefaultCreatedOn}, true
		}
	}
	return Node{}, false
}

// openWorld is the default world: every PHLO and node exists.
type openWorld struct{}

func (openWorld) Phlo(id string) (Phlo, bool) {
	return Phlo{ID: id, Name: DefaultPhloName, CreatedOn: DefaultCreatedOn}, true
}

func (openWorld) Node(phloID, nodeID string) (Node, bool) {
	return Node{ID: nodeID, PhloID: phloID, Type: "multi_party_call", Name: DefaultNodeName, CreatedOn: DefaultCreatedOn}, true
}

// world refuses, with Options.StrictIDs, the PHLOs and nodes the state's
// world does not declare (404).
func (s *Server) world(x *request) *RequestError {
	if !s.opts.StrictIDs {
		return nil
	}
	world, params := x.state.World, x.params
	phlo, hasPhlo := params["phlo_id"]
	if !hasPhlo {
		return nil
	}
	if _, ok := world.Phlo(phlo); !ok {
		return refuse(CodeNotFound, fmt.Sprintf("PHLO %s not found.", phlo))
	}
	if node, ok := params["node_id"]; ok {
		if _, ok := world.Node(phlo, node); !ok {
			return refuse(CodeNotFound, fmt.Sprintf("Node %s not found in PHLO %s.", node, phlo))
		}
	}
	return nil
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
