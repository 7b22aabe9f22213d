package multiparty

// A Step is a call's state after one accepted action: who is on it in which
// state, and the pending transfer. The first step of a History is the
// start (Seq 0, no Action).
type Step struct {
	Seq      uint64    `json:"seq"`
	Action   *Action   `json:"action"`
	Members  []Member  `json:"members"`
	Transfer *Transfer `json:"transfer"`
}

// History is how a call came to its state, for pictures of it (the
// control plane's dashboard): the start, then one step per accepted action.
// It is rebuilt on demand by replaying the call's log from its start, so
// applying an action costs nothing more.
type History struct {
	PhloID string `json:"phlo_id"`
	NodeID string `json:"node_id"`
	// Complete is false when the call's log (Options.LogSize) no longer
	// holds its first actions: Steps then holds the current state only.
	Complete bool   `json:"complete"`
	Steps    []Step `json:"steps"`
}

// History returns the history of the call on (phloID, nodeID), false when
// the registry has no such call.
func (r *Registry) History(phloID, nodeID string) (History, bool) {
	k := key{phloID, nodeID}
	r.mu.RLock()
	e, initial := r.calls[k], r.initial[k]
	r.mu.RUnlock()
	if e == nil {
		return History{}, false
	}
	c := e.call
	c.mu.Lock()
	now := c.snapshotLocked()
	log := append(append([]Applied(nil), c.log[c.logHead:]...), c.log[:c.logHead]...)
	c.mu.Unlock()
	return Replay(initial, now, log), true
}

// Replay is the history of a call now in state now, that started with the
// members initial and keeps log (its most recent applied actions, oldest
// first): what Calls.History returns, whichever store keeps the call.
func Replay(initial []Member, now Snapshot, log []Applied) History {
	h := History{PhloID: now.PhloID, NodeID: now.NodeID}
	current := []Step{{Seq: now.Seq, Members: now.Members, Transfer: now.Transfer}}
	if now.Seq != uint64(len(log)) || len(log) > 0 && log[0].Seq != 1 {
		h.Steps = current // the log lost the first actions
		return h
	}
	replay, err := NewCall(now.PhloID, now.NodeID, initial, Options{LogSize: -1})
	if err != nil { // initial was accepted by Seed: cannot fail
		h.Steps = current
		return h
	}
	step := func(a *Action) Step {
		s := replay.Snapshot()
		return Step{Seq: s.Seq, Action: a, Members: s.Members, Transfer: s.Transfer}
	}
	h.Steps = append(h.Steps, step(nil))
	for _, ap := range log {
		if _, err := replay.Apply(ap.Action); err != nil {
			h.Steps = current // the model is deterministic: cannot happen
			return h
		}
		h.Steps = append(h.Steps, step(&ap.Action))
	}
	h.Complete = true
	return h
}
