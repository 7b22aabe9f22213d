package director

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/dashboard"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// MaxUploadBytes bounds an uploaded scenario file.
const MaxUploadBytes = 1 << 20

// AdminRoutes are the control plane's routes for scenarios, calls and
// verification, to pass to mockserver.Server.AdminHandler or AdminPrefix;
// they also replace the fake's journal listing with one whose filters are
// those of verification (Pattern). journal is the fake's (Server.Journal).
//
// This is the one list of them; docs/control-plane.md documents each.
func (d *Director) AdminRoutes(journal *mockserver.Journal) []mockserver.AdminRoute {
	return append(append(JournalRoutes(journal), []mockserver.AdminRoute{
		{Name: "scenarios.list", Method: "GET", Path: "/scenarios", Query: ListQuery, Handler: http.HandlerFunc(d.getScenarios)},
		{Name: "scenarios.activate", Method: "PUT", Path: "/scenarios/active", Handler: http.HandlerFunc(d.putActive)},
		{Name: "scenarios.upload", Method: "POST", Path: "/scenarios", Query: []string{"file", "activate"}, Accepts: UploadTypes, Handler: http.HandlerFunc(d.postScenario)},
		{Name: "scenarios.delete", Method: "DELETE", Path: "/scenarios/{name}", Handler: http.HandlerFunc(d.deleteScenario)},
		{Name: "reset", Method: "POST", Path: "/reset", Query: []string{"scenarios"}, Handler: http.HandlerFunc(d.postReset)},
		{Name: "calls.list", Method: "GET", Path: "/calls", Query: ListQuery, Handler: http.HandlerFunc(d.getCalls)},
		{Name: "calls.get", Method: "GET", Path: "/calls/{phlo_id}/{node_id}", Handler: http.HandlerFunc(d.getCall)},
		{Name: "calls.history", Method: "GET", Path: "/calls/{phlo_id}/{node_id}/history", Handler: http.HandlerFunc(d.getCallHistory)},
		// The dashboard's files hold no data, and a browser opening a page
		// cannot send a bearer token: they are open under a prefix too; the
		// page asks for the token and sends it with each request it makes.
		{Name: "ui", Method: "GET", Path: "/ui/", Subtree: true, Open: true, Query: []string{"session"}, Handler: dashboard.Handler(mockserver.AdminBase + "/ui/")},
		{Name: "ui.index", Method: "GET", Path: "/ui", Open: true, Handler: dashboard.Handler(mockserver.AdminBase + "/ui/")},
	}...), d.callbackRoutes()...)
}

// JournalRoutes are the journal's listing and verification over one
// matcher (Pattern): GET /__admin/journal replaces the bare fake's exact
// filters with it. package fake mounts them on every fake it builds, with
// a director or a Store of the caller's, so the same query answers the
// same however the fake was built.
func JournalRoutes(journal *mockserver.Journal) []mockserver.AdminRoute {
	return []mockserver.AdminRoute{
		{Name: "journal.list", Method: "GET", Path: "/journal", Query: journalQuery, Handler: journalHandler(journal)},
		{Name: "verify", Method: "POST", Path: "/verify", Handler: verifyHandler(journal)},
	}
}

// UploadTypes are the media types POST /__admin/scenarios takes: YAML, and
// JSON (which is YAML too).
var UploadTypes = []string{"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json"}

// ScenarioInfo describes a scenario that can be activated by name.
type ScenarioInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Builtin     bool   `json:"builtin"`
	Stateful    bool   `json:"stateful"`
	File        string `json:"file,omitempty"` // a loaded scenario's file
}

// ScenariosPage is the answer of GET /__admin/scenarios and of the routes
// that change the active set.
type ScenariosPage struct {
	Active    []string       `json:"active"`
	Available []ScenarioInfo `json:"available,omitempty"`
	// Warnings of an upload: a scenario that shadows a built-in.
	Warnings []string `json:"warnings,omitempty"`
	// Paging of Available, by name (GET /__admin/scenarios; listing.go).
	*Paging
}

func scenarioKey(s *ScenarioInfo) string { return s.Name }

func (d *Director) getScenarios(w http.ResponseWriter, r *http.Request) {
	q, ok := parseListQuery(w, r)
	if !ok {
		return
	}
	page := ScenariosPage{Active: d.Active(), Available: []ScenarioInfo{}}
	for _, name := range d.Available() { // sorted
		if q.after != "" && name <= q.after {
			continue
		}
		ss, err := d.Lookup(name)
		if err != nil || len(ss) != 1 {
			continue // loaded and listed at once: cannot fail
		}
		s := ss[0]
		info := ScenarioInfo{Name: name, Description: s.Description, Builtin: true, Stateful: s.Stateful}
		if file, loaded := d.loadedFile(name); loaded {
			info.Builtin, info.File = false, file
		}
		page.Available = append(page.Available, info)
		if len(page.Available) > q.limit {
			break // one more than the page says more follow
		}
	}
	var p Paging
	page.Available, p = pageOf(page.Available, scenarioKey, q)
	page.Paging = &p
	mockserver.WriteJSON(w, http.StatusOK, page)
}

func (d *Director) loadedFile(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.loaded[name]
	if !ok {
		return "", false
	}
	return s.File, true
}

// ActivateRequest is the body of PUT /__admin/scenarios/active.
type ActivateRequest struct {
	Names []string `json:"names"`
	// Times, when positive, limits each rule of these scenarios to that
	// many requests (1: the next request only); then the contract answers.
	Times int `json:"times,omitempty"`
}

func (d *Director) putActive(w http.ResponseWriter, r *http.Request) {
	var req ActivateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if len(req.Names) == 0 {
		// An empty set is allowed through Go; over HTTP it is more likely
		// a mistake ("name" for "names").
		mockserver.WriteError(w, http.StatusBadRequest, `Missing names: send {"names": ["success"]}; available: `+strings.Join(d.Available(), ", ")+".")
		return
	}
	if req.Times < 0 {
		mockserver.WriteError(w, http.StatusBadRequest, fmt.Sprintf("Invalid times %d: want 1 or more, the requests each rule of these scenarios answers (leave it out for no limit).", req.Times))
		return
	}
	if err := d.ActivateFor(req.Times, req.Names...); err != nil {
		writeErrors(w, statusOf(err), err)
		return
	}
	mockserver.WriteJSON(w, http.StatusOK, ScenariosPage{Active: d.Active()})
}

// postScenario uploads a scenario file (YAML), keeps it by name and
// activates it alone, unless ?activate=false. ?file=NAME names the file in
// error messages (default "upload.yaml").
func (d *Director) postScenario(w http.ResponseWriter, r *http.Request) {
	file := r.URL.Query().Get("file")
	if file == "" {
		file = "upload.yaml"
	}
	activate := true
	if v := r.URL.Query().Get("activate"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			mockserver.WriteError(w, http.StatusBadRequest, "Invalid value provided for activate. activate expects true or false.")
			return
		}
		activate = b
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
	if err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, "Cannot read the scenario: "+err.Error()+".")
		return
	}
	if len(data) > MaxUploadBytes {
		mockserver.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Scenario too large: the limit is %d bytes.", MaxUploadBytes))
		return
	}
	s, err := d.CheckFile(file, data) // every problem, as scenarios check finds them
	if err == nil {
		err = d.Upload(s, activate)
	}
	if err != nil {
		writeErrors(w, statusOf(err), err)
		return
	}
	mockserver.WriteJSON(w, http.StatusCreated, ScenariosPage{Active: d.Active(), Warnings: ShadowWarnings(s)})
}

// Errors of Unload.
var (
	// ErrBuiltinScenario: a built-in scenario cannot be deleted.
	ErrBuiltinScenario = errors.New("built-in scenario")
	// ErrActiveScenario: an active scenario cannot be deleted.
	ErrActiveScenario = errors.New("active scenario")
)

// Unload forgets the loaded (uploaded, or read from a file) scenario of
// this name, so it can no longer be activated or selected by
// X-Phlomock-Scenario. A built-in of the same name, which it shadowed,
// is seen again. It refuses a built-in (ErrBuiltinScenario), an unknown
// name (ErrUnknownScenario) and an active scenario (ErrActiveScenario):
// deleting the scenario requests are answered from would leave the active
// set naming a scenario that is gone, so activate another set first.
func (d *Director) Unload(name string) error {
	return d.change(context.Background(), false, func(cur *state, _ string) (*state, error) {
		if _, ok := cur.loaded[name]; !ok {
			if slices.Contains(scenarios.BuiltinNames(), name) {
				return nil, fmt.Errorf("%w %q cannot be deleted: only uploaded scenarios can (built-ins are part of phlomock)", ErrBuiltinScenario, name)
			}
			return nil, fmt.Errorf("%w %q: the uploaded scenarios are %s", ErrUnknownScenario, name, loadedNames(cur.loaded))
		}
		if slices.ContainsFunc(cur.active, func(s *scenarios.Scenario) bool { return nameOf(s) == name }) {
			return nil, fmt.Errorf("%w %q cannot be deleted while active: activate another set first (PUT /__admin/scenarios/active)", ErrActiveScenario, name)
		}
		next := cur.clone()
		delete(next.loaded, name)
		delete(next.loadedBy, name)
		return next, nil
	})
}

func loadedNames(loaded map[string]*scenarios.Scenario) string {
	names := slices.Sorted(maps.Keys(loaded))
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func (d *Director) deleteScenario(w http.ResponseWriter, r *http.Request) {
	err := d.Unload(r.PathValue("name"))
	switch {
	case errors.Is(err, ErrUnknownScenario):
		mockserver.WriteError(w, http.StatusNotFound, upperFirst(err.Error())+".")
	case errors.Is(err, ErrActiveScenario):
		mockserver.WriteError(w, http.StatusConflict, upperFirst(err.Error())+".")
	case errors.As(err, new(*StoreError)):
		writeStoreError(w, err)
	case err != nil:
		mockserver.WriteError(w, http.StatusBadRequest, upperFirst(err.Error())+".")
	default:
		mockserver.WriteJSON(w, http.StatusOK, ScenariosPage{Active: d.Active()})
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Shadowing returns ShadowWarnings for the loaded scenarios, by name: what
// serve logs at start.
func (d *Director) Shadowing() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ss []*scenarios.Scenario
	for _, name := range slices.Sorted(maps.Keys(d.loaded)) {
		ss = append(ss, d.loaded[name])
	}
	return ShadowWarnings(ss...)
}

// ShadowWarnings says, one line per scenario, which of ss have the name of
// a built-in scenario: loading one hides that built-in (the loaded one is
// activated and selected by that name), which is allowed (to change a
// built-in) but easy to do by accident, when a built-in is copied to start
// a file. serve logs them at start.
func ShadowWarnings(ss ...*scenarios.Scenario) []string {
	var out []string
	builtin := scenarios.BuiltinNames()
	for _, s := range ss {
		if s == nil {
			continue
		}
		if name := nameOf(s); slices.Contains(builtin, name) {
			out = append(out, fmt.Sprintf("%s: scenario %q shadows the built-in scenario of that name: the name now means this file's; rename it to keep both", s.File, name))
		}
	}
	return out
}

// Upload loads s and, if activate, makes it the active set alone. It is
// all or nothing: a scenario that does not validate changes nothing. With
// Options.Shared, every replica takes it up.
func (d *Director) Upload(s *scenarios.Scenario, activate bool) error {
	if s == nil {
		return errors.New("director: nil scenario")
	}
	return d.change(context.Background(), activate, func(cur *state, id string) (*state, error) {
		next := cur.clone()
		next.loaded[nameOf(s)], next.loadedBy[nameOf(s)] = s, id
		if activate {
			next.active, next.activeBy = []*scenarios.Scenario{s}, id
		}
		return next, nil
	})
}

// CallsPage is the answer of GET /__admin/calls: a page of the calls, by
// PHLO and node (listing.go).
type CallsPage struct {
	Stateful bool                  `json:"stateful"`
	Calls    []multiparty.Snapshot `json:"calls"`
	Paging
}

func callKey(c *multiparty.Snapshot) string { return c.PhloID + "/" + c.NodeID }

func (d *Director) getCalls(w http.ResponseWriter, r *http.Request) {
	q, ok := parseListQuery(w, r)
	if !ok {
		return
	}
	calls, err := d.Calls(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	slices.SortFunc(calls, func(a, b multiparty.Snapshot) int { return strings.Compare(callKey(&a), callKey(&b)) })
	page := CallsPage{Stateful: d.Stateful()}
	page.Calls, page.Paging = pageOf(calls, callKey, q)
	mockserver.WriteJSON(w, http.StatusOK, page)
}

func (d *Director) getCall(w http.ResponseWriter, r *http.Request) {
	phlo, node := r.PathValue("phlo_id"), r.PathValue("node_id")
	if !d.Stateful() {
		mockserver.WriteError(w, http.StatusNotFound, "No call is simulated: no active scenario is stateful (activate transfer-flow, or a scenario with stateful: true).")
		return
	}
	calls, err := d.Calls(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	for _, c := range calls {
		if c.PhloID == phlo && c.NodeID == node {
			mockserver.WriteJSON(w, http.StatusOK, c)
			return
		}
	}
	mockserver.WriteError(w, http.StatusNotFound, fmt.Sprintf("No call on node %s of PHLO %s: it has no members in the scenario's world and has had no action yet.", node, phlo))
}
