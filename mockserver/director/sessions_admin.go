package director

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/phlomock/phlomock/mockserver"
)

// sessionScoped are the control plane's routes that act on one session:
// with ?session=ID or the X-Phlomock-Session header, on that session's
// scenarios, calls and journal; without, on the default session's.
var sessionScoped = []string{
	"journal.list", "journal.delete", "scenarios.list", "scenarios.activate", "scenarios.upload",
	"scenarios.delete", "reset", "calls.list", "calls.get", "calls.history", "verify",
	"callbacks.list", "callbacks.delete", "callbacks.verify", "callbacks.targets", "callbacks.targets.set",
	"callbacks.targets.delete",
}

// AdminRoutes are the Director's routes (Director.AdminRoutes, with the
// default session's journal) made session-aware, and the sessions' own:
// create, list, get and delete.
func (ss *Sessions) AdminRoutes(journal *mockserver.Journal) []mockserver.AdminRoute {
	routes := append(ss.def.AdminRoutes(journal), journalDeleteRoute(journal))
	for i, rt := range routes {
		if slices.Contains(sessionScoped, rt.Name) {
			routes[i].Query = append(slices.Clone(rt.Query), "session")
			routes[i].Handler = ss.scoped(rt.Name, rt.Handler)
		}
	}
	return append(routes,
		mockserver.AdminRoute{Name: "sessions.create", Method: "POST", Path: "/sessions", Handler: http.HandlerFunc(ss.postSession)},
		mockserver.AdminRoute{Name: "sessions.list", Method: "GET", Path: "/sessions", Query: ListQuery, Handler: http.HandlerFunc(ss.getSessions)},
		mockserver.AdminRoute{Name: "sessions.get", Method: "GET", Path: "/sessions/{id}", Handler: http.HandlerFunc(ss.getSession)},
		mockserver.AdminRoute{Name: "sessions.delete", Method: "DELETE", Path: "/sessions/{id}", Handler: http.HandlerFunc(ss.deleteSession)},
	)
}

// journalDeleteRoute is the fake's DELETE /__admin/journal over journal.
func journalDeleteRoute(journal *mockserver.Journal) mockserver.AdminRoute {
	return mockserver.AdminRoute{Name: "journal.delete", Method: "DELETE", Path: "/journal", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := journal.ResetContext(r.Context()); err != nil {
			mockserver.WriteStoreError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})}
}

// scoped serves route name of the session the request names, or def for
// the default session. An unknown session is a 400 naming it: never the
// default session's answer.
func (ss *Sessions) scoped(name string, def http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, given, err := sessionOf(r)
		if err != nil {
			mockserver.WriteError(w, http.StatusBadRequest, err.Error())
			return
		}
		if !given {
			def.ServeHTTP(w, r)
			return
		}
		s, err := ss.get(r.Context(), id)
		if errors.As(err, new(*StoreError)) {
			writeStoreError(w, err)
			return
		}
		if err != nil {
			mockserver.WriteError(w, http.StatusBadRequest, upperFirst(err.Error())+".")
			return
		}
		ss.touch(s)
		s.handler(name).ServeHTTP(w, r)
	})
}

// sessionOf is the session a control plane request names: ?session=ID or
// the X-Phlomock-Session header (both: the same id).
func sessionOf(r *http.Request) (id string, given bool, err error) {
	q, inQuery := r.URL.Query()["session"]
	h := r.Header.Get(HeaderSession)
	switch {
	case inQuery && (len(q) != 1 || q[0] == ""):
		//lint:ignore ST1005 the text is the 400 answer's error, in Plivo's style
		return "", false, errors.New("Invalid value provided for session. session expects one session id (POST /__admin/sessions answers it).")
	case inQuery && h != "" && h != q[0]:
		//lint:ignore ST1005 the text is the 400 answer's error, in Plivo's style
		return "", false, fmt.Errorf("Two sessions named: ?session=%s and the header %s: %s; name one.", q[0], HeaderSession, h)
	case inQuery:
		return q[0], true, nil
	case h != "":
		return h, true, nil
	}
	return "", false, nil
}

// handler is the session's own handler of a scoped route.
func (s *Session) handler(name string) http.Handler {
	s.routesOnce.Do(func() {
		s.routes = map[string]http.Handler{}
		j := s.Journal()
		for _, rt := range append(s.director.AdminRoutes(j), journalDeleteRoute(j)) {
			s.routes[rt.Name] = rt.Handler
		}
	})
	return s.routes[name]
}

// CreateSessionRequest is the body of POST /__admin/sessions, all optional.
type CreateSessionRequest struct {
	// TTL is a duration ("10m", "90s") or a number of seconds.
	TTL       json.RawMessage `json:"ttl,omitempty"`
	Scenarios []string        `json:"scenarios,omitempty"`
}

// SessionInfo is a session as the control plane shows it; AuthToken only
// in the answer of its creation.
type SessionInfo struct {
	ID         string    `json:"id"`
	AuthID     string    `json:"auth_id"`
	AuthToken  string    `json:"auth_token,omitempty"`
	TTL        string    `json:"ttl"`
	TTLSeconds int64     `json:"ttl_seconds"`
	Created    time.Time `json:"created"`
	Active     []string  `json:"active,omitempty"`
}

func (ss *Sessions) info(s *Session, token bool) SessionInfo {
	in := SessionInfo{ID: s.ID, AuthID: s.AuthID, TTL: s.TTL.String(), TTLSeconds: int64(s.TTL / time.Second), Created: s.Created}
	if s.director != nil {
		in.Active = s.director.Active()
	}
	if token {
		in.AuthToken = s.AuthToken
	}
	return in
}

func (ss *Sessions) postSession(w http.ResponseWriter, r *http.Request) {
	var req CreateSessionRequest
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadBytes+1))
	if err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, "Cannot read the body: "+err.Error()+".")
		return
	}
	if len(bytes.TrimSpace(data)) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(data))
		if !decodeJSON(w, r, &req) {
			return
		}
	}
	ttl, err := parseTTL(req.TTL)
	if err != nil {
		mockserver.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	s, err := ss.Create(CreateOptions{TTL: ttl, Scenarios: req.Scenarios})
	switch {
	case errors.Is(err, ErrTooManySessions):
		mockserver.WriteError(w, http.StatusTooManyRequests, upperFirst(err.Error())+".")
	case errors.As(err, new(*StoreError)):
		writeStoreError(w, err)
	case err != nil:
		writeErrors(w, http.StatusBadRequest, err)
	default:
		w.Header().Set("Location", mockserver.AdminBase+"/sessions/"+s.ID)
		mockserver.WriteJSON(w, http.StatusCreated, ss.info(s, true))
	}
}

// parseTTL reads a ttl: a duration string or a number of seconds.
func parseTTL(raw json.RawMessage) (time.Duration, error) {
	const rule = "Invalid value provided for ttl. ttl expects a duration (\"10m\", \"90s\") or a number of seconds, from 1s to 24h."
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > MaxSessionTTL {
			//lint:ignore ST1005 the text is the 400 answer's error, in Plivo's style
			//lint:ignore ST1005 the text is the 400 answer's error, in Plivo's style
			return 0, errors.New(rule)
		}
		return d, nil
	}
	n, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || n < 1 || n > MaxSessionTTL.Seconds() {
		//lint:ignore ST1005 the text is the 400 answer's error, in Plivo's style
		return 0, errors.New(rule)
	}
	return time.Duration(n * float64(time.Second)), nil
}

// SessionsPage is the answer of GET /__admin/sessions.
// (a page of them, by id: listing.go; limit defaults to
// mockserver.DefaultPageLimit here).
type SessionsPage struct {
	Sessions []SessionInfo `json:"sessions"`
	Live     int           `json:"live"`
	Max      int           `json:"max"`
	Paging
}

func sessionKey(s *SessionInfo) string { return s.ID }

func (ss *Sessions) getSessions(w http.ResponseWriter, r *http.Request) {
	q, ok := parseListQuery(w, r)
	if !ok {
		return
	}
	if r.URL.Query().Get("limit") == "" {
		q.limit = mockserver.DefaultPageLimit
	}
	all, err := ss.listAll(r.Context())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	slices.SortFunc(all, func(a, b *Session) int { return strings.Compare(a.ID, b.ID) })
	page := SessionsPage{Live: len(all), Max: max(ss.opts.Max, 0)}
	infos := make([]SessionInfo, 0, min(len(all), q.limit+1))
	for _, s := range all {
		if q.after != "" && s.ID <= q.after {
			continue
		}
		if infos = append(infos, ss.info(s, false)); len(infos) > q.limit {
			break
		}
	}
	page.Sessions, page.Paging = pageOf(infos, sessionKey, q)
	mockserver.WriteJSON(w, http.StatusOK, page)
}

// listAll is List, or with a SessionStore every replica's sessions (those
// this replica has not served yet without their active scenarios).
func (ss *Sessions) listAll(ctx context.Context) ([]*Session, error) {
	if ss.opts.Store == nil {
		return ss.List(), nil
	}
	recs, err := ss.opts.Store.ListSessions(ctx)
	if err != nil {
		return nil, &StoreError{Err: err}
	}
	var out []*Session
	for _, raw := range recs {
		var rec sessionRecord
		if json.Unmarshal(raw, &rec) != nil {
			continue
		}
		s := &Session{ID: rec.ID, AuthID: rec.AuthID, TTL: time.Duration(rec.TTLMillis) * time.Millisecond, Created: rec.Created}
		if v, ok := ss.byID.Load(rec.ID); ok {
			s = v.(*Session)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Session) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

func (ss *Sessions) getSession(w http.ResponseWriter, r *http.Request) {
	s, err := ss.get(r.Context(), r.PathValue("id"))
	if errors.As(err, new(*StoreError)) {
		writeStoreError(w, err)
		return
	}
	if err != nil {
		mockserver.WriteError(w, http.StatusNotFound, upperFirst(err.Error())+".")
		return
	}
	mockserver.WriteJSON(w, http.StatusOK, ss.info(s, false))
}

func (ss *Sessions) deleteSession(w http.ResponseWriter, r *http.Request) {
	err := ss.Delete(r.PathValue("id"))
	if errors.As(err, new(*StoreError)) {
		writeStoreError(w, err)
		return
	}
	if err != nil {
		mockserver.WriteError(w, http.StatusNotFound, upperFirst(err.Error())+".")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
