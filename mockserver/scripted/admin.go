package scripted

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/dashboard"
	"github.com/phlomock/phlomock/mockserver/mpc"
	"github.com/phlomock/phlomock/scenarios"
)

// MaxUploadBytes bounds an uploaded scenario file.
const MaxUploadBytes = 1 << 20

// AdminRoutes are the control plane's routes for scenarios, calls and
// verification, to pass to mockserver.Server.AdminHandler. journal is the
// fake's (Server.Journal), read by the verification endpoint.
//
// This is the one list of them; the README's "The control plane" section
// documents each.
func (d *Director) AdminRoutes(journal *mockserver.Journal) []mockserver.AdminRoute {
	return []mockserver.AdminRoute{
		{Pattern: "GET /__admin/scenarios", Handler: http.HandlerFunc(d.getScenarios)},
		{Pattern: "PUT /__admin/scenarios/active", Handler: http.HandlerFunc(d.putActive)},
		{Pattern: "POST /__admin/scenarios", Handler: http.HandlerFunc(d.postScenario)},
		{Pattern: "POST /__admin/reset", Handler: http.HandlerFunc(d.postReset)},
		{Pattern: "GET /__admin/calls", Handler: http.HandlerFunc(d.getCalls)},
		{Pattern: "GET /__admin/calls/{phlo_id}/{node_id}", Handler: http.HandlerFunc(d.getCall)},
		{Pattern: "POST /__admin/verify", Handler: verifyHandler(journal)},
		{Pattern: "GET /__admin/calls/{phlo_id}/{node_id}/history", Handler: http.HandlerFunc(d.getCallHistory)},
		{Pattern: "GET /__admin/ui/", Handler: dashboard.Handler("/__admin/ui/")},
		{Pattern: "GET /__admin/ui", Handler: dashboard.Handler("/__admin/ui/")},
	}
}

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
}

func (d *Director) getScenarios(w http.ResponseWriter, _ *http.Request) {
	page := ScenariosPage{Active: d.Active(), Available: []ScenarioInfo{}}
	for _, name := range d.Available() {
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
	}
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
	if err := d.ActivateNames(req.Names...); err != nil {
		writeErrors(w, http.StatusBadRequest, err)
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
	s, err := scenarios.Parse(file, data)
	if err == nil {
		err = d.Upload(s, activate)
	}
	if err != nil {
		writeErrors(w, http.StatusBadRequest, err)
		return
	}
	mockserver.WriteJSON(w, http.StatusCreated, ScenariosPage{Active: d.Active()})
}

// Upload loads s and, if activate, makes it the active set alone. It is
// all or nothing: a scenario that does not validate changes nothing.
func (d *Director) Upload(s *scenarios.Scenario, activate bool) error {
	if s == nil {
		return errors.New("scripted: nil scenario")
	}
	if activate {
		// Compile for activation first: if it fails, nothing was loaded.
		st, err := compile([]*scenarios.Scenario{s}, d.opts.Operations)
		if err != nil {
			return err
		}
		if err := d.Load(s); err != nil {
			return err
		}
		d.setActive(st)
		return nil
	}
	return d.Load(s)
}

func (d *Director) postReset(w http.ResponseWriter, _ *http.Request) {
	d.Reset()
	mockserver.WriteJSON(w, http.StatusOK, map[string]any{"status": "reset", "active": d.Active()})
}

// CallsPage is the answer of GET /__admin/calls.
type CallsPage struct {
	Stateful bool           `json:"stateful"`
	Calls    []mpc.Snapshot `json:"calls"`
}

func (d *Director) getCalls(w http.ResponseWriter, _ *http.Request) {
	calls := d.Calls()
	if calls == nil {
		calls = []mpc.Snapshot{}
	}
	mockserver.WriteJSON(w, http.StatusOK, CallsPage{Stateful: d.Stateful(), Calls: calls})
}

func (d *Director) getCall(w http.ResponseWriter, r *http.Request) {
	phlo, node := r.PathValue("phlo_id"), r.PathValue("node_id")
	if !d.Stateful() {
		mockserver.WriteError(w, http.StatusNotFound, "No call is simulated: no active scenario is stateful (activate transfer-flow, or a scenario with stateful: true).")
		return
	}
	for _, c := range d.Calls() {
		if c.PhloID == phlo && c.NodeID == node {
			mockserver.WriteJSON(w, http.StatusOK, c)
			return
		}
	}
	mockserver.WriteError(w, http.StatusNotFound, fmt.Sprintf("No call on node %s of PHLO %s: it has no members in the scenario's world and has had no action yet.", node, phlo))
}

// decodeJSON decodes a control plane body strictly: one JSON value, no
// unknown field, at most MaxUploadBytes (413 above, as an upload: cut at the
// limit it would read as truncated JSON). On error it answers and returns
// false.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
	if err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, "Cannot read the body: "+err.Error()+".")
		return false
	}
	if len(data) > MaxUploadBytes {
		mockserver.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes.", MaxUploadBytes))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, next := dec.Token(); next != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	if err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, "Invalid JSON body: "+err.Error()+".")
		return false
	}
	return true
}

// ErrorsPage is a control plane error with every problem listed: the
// parse errors of an upload (file:line:column: message), unknown names.
type ErrorsPage struct {
	APIID  string   `json:"api_id"`
	Error  string   `json:"error"`
	Errors []string `json:"errors"`
}

func writeErrors(w http.ResponseWriter, status int, err error) {
	list := flatten(err)
	mockserver.WriteJSON(w, status, ErrorsPage{APIID: mockserver.NewAPIID(), Error: strings.Join(list, "\n"), Errors: list})
}

// flatten lists the leaves of joined errors (scenarios joins per file, then
// per problem).
func flatten(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
