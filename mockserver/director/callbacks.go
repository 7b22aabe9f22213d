package director

import (
	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// cbNode is what a node's callbacks need from the world: where they go,
// and the names they carry.
type cbNode struct {
	targets []callbacks.Target
	name    string
	from    string
}

// compileCallbacks reads the callback targets of the world's nodes and
// the faults of every scenario of st.
func compileCallbacks(st *set, w scenarios.World, ss []*scenarios.Scenario) {
	for _, p := range w.PHLOs {
		for _, n := range p.Nodes {
			if n.Callbacks == nil {
				continue
			}
			cb := cbNode{name: n.Name, from: n.Callbacks.From}
			for _, u := range n.Callbacks.URLs {
				cb.targets = append(cb.targets, callbacks.Target{URL: u, Method: n.Callbacks.Method})
			}
			if st.cbNodes == nil {
				st.cbNodes = map[[2]string]cbNode{}
			}
			st.cbNodes[[2]string{p.ID, n.ID}] = cb
		}
	}
	for _, s := range ss {
		for _, f := range s.Callbacks.Faults {
			st.cbFaults = append(st.cbFaults, callbacks.Fault{
				Event: callbacks.Kind(f.Event), Action: f.Action, Nth: f.Nth,
				Delay: f.Delay.Min, DelayMax: f.Delay.Max, Drop: f.Drop, Duplicate: f.Duplicate,
				Reorder: f.Reorder, BadSignature: f.BadSignature, Fail: f.Fail,
			})
		}
	}
}

// notify hands the transition an action made to the callbacks, when the
// node has somewhere to send them. It never waits: the Dispatcher queues.
func (d *Director) notify(st *set, ex *mockserver.Exchange, a multiparty.Action, res multiparty.Result) {
	cb := d.opts.Callbacks
	if cb == nil {
		return
	}
	phloID, nodeID := ex.PathParams["phlo_id"], ex.PathParams["node_id"]
	node := st.cbNodes[[2]string{phloID, nodeID}]
	if !cb.Wants(d.own.session, phloID, nodeID, node.targets) {
		return
	}
	name := node.name
	if name == "" {
		if n, ok := d.node(st, phloID, nodeID); ok {
			name = n.Name
		}
	}
	token, _ := d.token(st, ex.AuthID)
	cb.Notify(callbacks.Notice{
		Transition: callbacks.Transition{PhloID: phloID, NodeID: nodeID, NodeName: name, From: node.from,
			Seq: res.Seq, Action: a, Result: res},
		Session: d.own.session, Scope: st.label, AuthID: ex.AuthID, Token: token, Targets: node.targets, Faults: st.cbFaults,
	})
}
