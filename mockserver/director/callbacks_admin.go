package director

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/mockserver"
)

// callbackRoutes are the control plane's routes for the event callbacks
// (docs/callbacks.md): the outbound journal, its verification, and the
// targets set at run time. None without a Dispatcher.
func (d *Director) callbackRoutes() []mockserver.AdminRoute {
	if d.opts.Callbacks == nil {
		return nil
	}
	return []mockserver.AdminRoute{
		{Name: "callbacks.list", Method: "GET", Path: "/callbacks", Query: append([]string{"event", "member", "url", "status", "outcome", "phlo_id", "node_id"}, ListQuery...), Handler: http.HandlerFunc(d.getCallbacks)},
		{Name: "callbacks.delete", Method: "DELETE", Path: "/callbacks", Handler: http.HandlerFunc(d.deleteCallbacks)},
		{Name: "callbacks.verify", Method: "POST", Path: "/callbacks/verify", Handler: http.HandlerFunc(d.verifyCallbacks)},
		{Name: "callbacks.targets", Method: "GET", Path: "/callbacks/targets", Handler: http.HandlerFunc(d.getTargets)},
		{Name: "callbacks.targets.set", Method: "PUT", Path: "/callbacks/targets/{phlo_id}/{node_id}", Handler: http.HandlerFunc(d.putTargets)},
		{Name: "callbacks.targets.delete", Method: "DELETE", Path: "/callbacks/targets/{phlo_id}/{node_id}", Handler: http.HandlerFunc(d.deleteTargets)},
	}
}

// CallbacksPage is the answer of GET /__admin/callbacks.
type CallbacksPage struct {
	// Attempts are a page of them, by callback and try (listing.go).
	Attempts []callbacks.Attempt `json:"attempts"`
	Paging
	// Total is how many attempts were ever journaled (the journal keeps
	// the latest --callback-journal-size).
	Total    uint64          `json:"total"`
	Stats    callbacks.Stats `json:"stats"`
	Settings CallbackConfig  `json:"settings"`
}

// CallbackConfig is the delivery configuration in use, as shown.
type CallbackConfig struct {
	Format    string `json:"format"`
	Timeout   string `json:"timeout"`
	Retries   int    `json:"retries"`
	Backoff   string `json:"backoff"`
	QueueSize int    `json:"queue_size"`
	Allow     string `json:"allow"`
}

func (d *Director) getCallbacks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := callbacks.Filter{Session: d.own.session, Event: callbacks.Kind(q.Get("event")), Member: q.Get("member"), URL: q.Get("url"),
		Outcome: q.Get("outcome"), PhloID: q.Get("phlo_id"), NodeID: q.Get("node_id")}
	if s := q.Get("status"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value provided for status. %q is not an HTTP status (100 to 599).", s))
			return
		}
		f.Status = n
	}
	if msg := checkFilter(f); msg != "" {
		mockserver.WriteError(w, http.StatusBadRequest, msg)
		return
	}
	pq, ok := parseListQuery(w, r)
	if !ok {
		return
	}
	cb := d.opts.Callbacks
	list, total := cb.Journal(f)
	slices.SortStableFunc(list, func(a, b callbacks.Attempt) int { return strings.Compare(attemptKey(&a), attemptKey(&b)) })
	cfg := cb.Config()
	page := CallbacksPage{Total: total, Stats: cb.Stats(), Settings: CallbackConfig{
		Format: string(cfg.Format), Timeout: cfg.Timeout.String(), Retries: cfg.Retries, Backoff: cfg.Backoff.String(),
		QueueSize: cfg.QueueSize, Allow: cfg.Allow.String()}}
	page.Attempts, page.Paging = pageOf(list, attemptKey, pq)
	mockserver.WriteJSON(w, http.StatusOK, page)
}

// attemptKey orders the attempts by callback, then try: fixed width, so
// that keys compare as the numbers do.
func attemptKey(a *callbacks.Attempt) string { return fmt.Sprintf("%020d.%06d", a.ID, a.Try) }

// checkFilter names an event or outcome no callback can have: a typo
// would otherwise count nothing, silently.
func checkFilter(f callbacks.Filter) string {
	if f.Event != "" && !slices.Contains(callbacks.Kinds, f.Event) {
		return fmt.Sprintf("Invalid value provided for event. %q is not an event: want one of %s.", f.Event, joinKinds())
	}
	outcomes := []string{callbacks.Delivered, callbacks.Retrying, callbacks.GaveUp, callbacks.Dropped, callbacks.Refused, callbacks.QueueFull, callbacks.Abandoned}
	if f.Outcome != "" && !slices.Contains(outcomes, f.Outcome) {
		return fmt.Sprintf("Invalid value provided for outcome. %q is not an outcome: want one of %s.", f.Outcome, strings.Join(outcomes, ", "))
	}
	return ""
}

func joinKinds() string {
	var s []string
	for _, k := range callbacks.Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func (d *Director) deleteCallbacks(w http.ResponseWriter, _ *http.Request) {
	d.opts.Callbacks.ClearJournal(d.own.session)
	w.WriteHeader(http.StatusNoContent)
}

// CallbackVerify is the body of POST /__admin/callbacks/verify: a filter
// and, optionally, the count expected.
type CallbackVerify struct {
	callbacks.Filter
	Expect *int `json:"expect,omitempty"`
}

func (d *Director) verifyCallbacks(w http.ResponseWriter, r *http.Request) {
	var req CallbackVerify
	if !decodeJSON(w, r, &req) {
		return
	}
	req.Session = d.own.session
	if msg := checkFilter(req.Filter); msg != "" {
		mockserver.WriteError(w, http.StatusBadRequest, msg)
		return
	}
	if req.Status != 0 && (req.Status < 100 || req.Status > 599) {
		mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid value provided for status. %d is not an HTTP status (100 to 599).", req.Status))
		return
	}
	res := VerifyResult{Count: d.opts.Callbacks.Count(req.Filter), Expect: req.Expect}
	status := http.StatusOK
	if req.Expect != nil && *req.Expect != res.Count {
		status = http.StatusExpectationFailed
		res.Error = fmt.Sprintf("Expected %d matching callback attempts, got %d.", *req.Expect, res.Count)
	}
	mockserver.WriteJSON(w, status, res)
}

// NodeTargets are a node's callback targets, and where they come from:
// "world" (the scenario) or "control-plane" (set at run time, winning).
type NodeTargets struct {
	PhloID  string             `json:"phlo_id"`
	NodeID  string             `json:"node_id"`
	Targets []callbacks.Target `json:"targets"`
	Source  string             `json:"source"`
}

func (d *Director) getTargets(w http.ResponseWriter, _ *http.Request) {
	st := d.active.Load()
	set := d.opts.Callbacks.AllTargets(d.own.session)
	out := []NodeTargets{}
	for k, t := range set {
		out = append(out, NodeTargets{PhloID: k[0], NodeID: k[1], Targets: t, Source: "control-plane"})
	}
	for k, n := range st.cbNodes {
		if _, ok := set[k]; !ok {
			out = append(out, NodeTargets{PhloID: k[0], NodeID: k[1], Targets: n.targets, Source: "world"})
		}
	}
	slices.SortFunc(out, func(a, b NodeTargets) int { return strings.Compare(a.PhloID+"/"+a.NodeID, b.PhloID+"/"+b.NodeID) })
	mockserver.WriteJSON(w, http.StatusOK, map[string]any{"nodes": out})
}

// TargetsBody is the body of PUT /__admin/callbacks/targets/{phlo_id}/{node_id}.
type TargetsBody struct {
	Targets []callbacks.Target `json:"targets"`
}

func (d *Director) putTargets(w http.ResponseWriter, r *http.Request) {
	var body TargetsBody
	if !decodeJSON(w, r, &body) {
		return
	}
	if body.Targets == nil {
		mockserver.WriteError(w, http.StatusBadRequest, `Missing targets: send {"targets": [{"url": "http://127.0.0.1:9000/events", "method": "POST"}]}, or DELETE to go back to the world's.`)
		return
	}
	phloID, nodeID := r.PathValue("phlo_id"), r.PathValue("node_id")
	if err := d.opts.Callbacks.SetTargets(d.own.session, phloID, nodeID, body.Targets); err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, "Invalid targets: "+strings.ReplaceAll(err.Error(), "\n", "; ")+".")
		return
	}
	d.opts.Logger.Info("callback targets set", "phlo_id", phloID, "node_id", nodeID, "targets", len(body.Targets))
	mockserver.WriteJSON(w, http.StatusOK, NodeTargets{PhloID: phloID, NodeID: nodeID, Targets: body.Targets, Source: "control-plane"})
}

func (d *Director) deleteTargets(w http.ResponseWriter, r *http.Request) {
	_ = d.opts.Callbacks.SetTargets(d.own.session, r.PathValue("phlo_id"), r.PathValue("node_id"), nil)
	w.WriteHeader(http.StatusNoContent)
}
