package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// JournalPage is the answer of GET /__admin/journal.
type JournalPage struct {
	Entries []*Entry `json:"entries"`
}

func (s *Server) getJournal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{OperationID: q.Get("operation"), Method: q.Get("method"), Path: q.Get("path"), Scenario: q.Get("scenario"), Rule: q.Get("rule")}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"status", &f.Status}, {"limit", &f.Limit}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				WriteError(w, http.StatusBadRequest, "Invalid value provided for "+p.name+". "+p.name+" expects a/an non-negative integer.")
				return
			}
			*p.dst = n
		}
	}
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			WriteError(w, http.StatusBadRequest, "Invalid value provided for since. since expects a/an non-negative integer (the seq of the last entry seen).")
			return
		}
		f.Since = n
	}
	entries := s.journal.Entries(f)
	if entries == nil {
		entries = []*Entry{}
	}
	WriteJSON(w, http.StatusOK, JournalPage{Entries: entries})
}

func (s *Server) deleteJournal(w http.ResponseWriter, _ *http.Request) {
	s.journal.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// WriteJSON writes v as the JSON answer of a control plane route.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, "Cannot encode the answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// WriteError writes {"api_id","error"}, the fake's one error format, so
// control plane routes added by other packages answer like the data plane.
func WriteError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(errorBody(NewAPIID(), msg))
}
