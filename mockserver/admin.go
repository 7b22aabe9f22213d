package mockserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		why := "shutting down"
		if p := s.why.Load(); p != nil {
			why = *p
		}
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": why})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) getJournal(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pq, err := ParsePageQuery(q)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	f := Filter{OperationID: q.Get("operation"), Method: q.Get("method"), Path: q.Get("path"), Scenario: q.Get("scenario"), Rule: q.Get("rule")}
	if v := q.Get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			WriteError(w, http.StatusBadRequest, "Invalid value provided for status. status expects a/an non-negative integer.")
			return
		}
		f.Status = n
	}
	if ServeJournalFormat(w, r, s.journal, f.match) {
		return
	}
	page, err := s.journal.PageContext(r.Context(), pq, f.match)
	if err != nil {
		WriteStoreError(w, err)
		return
	}
	WriteJournalPage(w, r, page)
}

// ParsePageQuery reads the paging parameters of GET /__admin/journal:
// limit (1 to MaxPageLimit, default DefaultPageLimit) and the cursor after
// (or since, its former name: one of them). Without a cursor the page is
// the latest entries. The error is the 400's message, naming the parameter
// and its rule.
func ParsePageQuery(q url.Values) (PageQuery, error) {
	pq := PageQuery{Latest: true}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageLimit {
			return pq, &ParamError{Param: "limit", Rule: fmt.Sprintf("limit expects an integer from 1 to %d (default %d): a page holds at most %d entries, and the answer's next is the cursor of the page after.", MaxPageLimit, DefaultPageLimit, MaxPageLimit)}
		}
		pq.Limit = n
	}
	if v := q.Get("max_bytes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < MinPageBytes || n > MaxPageBytes {
			return pq, &ParamError{Param: "max_bytes", Rule: fmt.Sprintf("max_bytes expects an integer from %d to %d (default %d): the most bytes of JSON a page's entries take; the answer's next is the cursor of the page after.", MinPageBytes, MaxPageBytes, DefaultPageBytes)}
		}
		pq.MaxBytes = n
	}
	after, since := q.Get("after"), q.Get("since")
	name, v := "after", after
	switch {
	case after != "" && since != "":
		return pq, &ParamError{Param: "since", Rule: "Give after or since, not both: since is after's former name."}
	case since != "":
		name, v = "since", since
	}
	if v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return pq, &ParamError{Param: name, Rule: name + " expects a/an non-negative integer: the seq of the last entry seen (a page's next)."}
		}
		pq.After, pq.Latest = n, false
	}
	return pq, nil
}

// A ParamError is a query parameter of a control plane route that breaks
// its rule; its message is the 400's, in the fake's wording.
type ParamError struct {
	Param string
	Rule  string // a sentence
}

func (e *ParamError) Error() string { return "Invalid value provided for " + e.Param + ". " + e.Rule }

// WriteJournalPage answers a journal page; when more entries follow it, a
// Link header points at the next page too (relative: ?after=NEXT and the
// request's other parameters, so it holds under a prefix mount).
func WriteJournalPage(w http.ResponseWriter, r *http.Request, page JournalPage) {
	if page.More {
		q := r.URL.Query()
		q.Del("since")
		q.Set("after", strconv.FormatUint(page.Next, 10))
		w.Header().Set("Link", "<?"+q.Encode()+`>; rel="next"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// Streamed, an entry at a time: the answer is never held whole (a
	// page's budget is PageQuery.MaxBytes; a reader holds one entry's
	// JSON at a time, not the page's).
	bw := bufio.NewWriterSize(w, 32<<10)
	_, _ = bw.WriteString(`{"entries":[`)
	for i, e := range page.Entries {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		b, err := json.Marshal(e)
		if err != nil {
			return // cannot happen for an Entry; the client sees JSON cut short
		}
		_, _ = bw.Write(b)
	}
	fmt.Fprintf(bw, `],"next":%d,"more":%t`, page.Next, page.More)
	if page.Earlier {
		_, _ = bw.WriteString(`,"earlier":true`)
	}
	fmt.Fprintf(bw, ",\"max_bytes\":%d}\n", page.MaxBytes)
	_ = bw.Flush()
}

func (s *Server) deleteJournal(w http.ResponseWriter, r *http.Request) {
	if err := s.journal.ResetContext(r.Context()); err != nil {
		WriteStoreError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// WriteStoreError answers 503 {api_id, error} for err, a failure of the
// store the fake's state is shared through (its message names the store,
// without its password): the request may succeed once the store is back.
func WriteStoreError(w http.ResponseWriter, err error) {
	WriteError(w, http.StatusServiceUnavailable, "The fake's state is unavailable: "+err.Error()+".")
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
