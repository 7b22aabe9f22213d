package mockserver

import (
	"encoding/base64"
	"net/http"

	"github.com/phlomock/phlomock/pact"
)

// JournalFormatQuery are the query parameters GET /__admin/journal takes
// for ServeJournalFormat, besides its filters.
var JournalFormatQuery = []string{"format", "consumer", "provider"}

// ServeJournalFormat answers GET /__admin/journal when its query asks for a
// format other than a page of JSON (format=pact), and reports whether it
// did; it answers 400 for a format it does not know. Every journal route
// calls it first, with its own filter.
func ServeJournalFormat(w http.ResponseWriter, r *http.Request, journal *Journal, match func(*Entry) bool) bool {
	switch r.URL.Query().Get("format") {
	case "", "json":
		return false
	case "pact":
		writeJournalPact(w, r, journal, match)
	default:
		WriteError(w, http.StatusBadRequest, "Invalid value provided for format. format expects json (a page of entries, the default) or pact (the whole journal as a Pact V4 consumer contract).")
	}
	return true
}

// writeJournalPact answers the matching entries of the whole journal (not
// a page) as a Pact V4 consumer contract (package pact), read a page at a
// time so that memory grows with the distinct interactions only. The query's
// consumer and provider name the pacticipants.
func writeJournalPact(w http.ResponseWriter, r *http.Request, journal *Journal, match func(*Entry) bool) {
	q := r.URL.Query()
	b := pact.NewBuilder(pact.Names{Consumer: q.Get("consumer"), Provider: q.Get("provider")})
	pq := PageQuery{Limit: MaxPageLimit}
	for {
		page, err := journal.PageContext(r.Context(), pq, match)
		if err != nil {
			WriteStoreError(w, err)
			return
		}
		for _, e := range page.Entries {
			b.Add(pact.Exchange{Method: e.Method, Path: e.Path, RawQuery: e.RawQuery, Header: e.Header,
				Body: entryBody(e), BodyTruncated: e.BodyTruncated, OperationID: e.OperationID,
				Status: e.Status, Answer: e.Answer, AnswerTruncated: e.AnswerTruncated,
				Source: e.Source, Scenario: e.Scenario, CallSeq: e.CallSeq})
		}
		if !page.More || page.Next <= pq.After {
			break
		}
		pq.After = page.Next
	}
	raw, err := b.Pact("").JSON()
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(raw)
}

// entryBody is the body as sent: Body, or BodyBase64 decoded when the body
// was not UTF-8.
func entryBody(e *Entry) []byte {
	if e.BodyBase64 != "" {
		if b, err := base64.StdEncoding.DecodeString(e.BodyBase64); err == nil {
			return b
		}
	}
	return []byte(e.Body)
}
