package pact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
)

// DecodeEntry reads one journal entry as GET /__admin/journal serves it
// (docs/control-plane.md#journal-entries).
func DecodeEntry(raw []byte) (Exchange, error) {
	var e struct {
		Method          string          `json:"method"`
		Path            string          `json:"path"`
		RawQuery        string          `json:"raw_query"`
		Header          http.Header     `json:"header"`
		Body            string          `json:"body"`
		BodyBase64      string          `json:"body_base64"`
		BodyTruncated   bool            `json:"body_truncated"`
		OperationID     string          `json:"operation_id"`
		Status          int             `json:"status"`
		Answer          json.RawMessage `json:"answer"`
		AnswerTruncated bool            `json:"answer_truncated"`
		Source          string          `json:"source"`
		Scenario        string          `json:"scenario"`
		CallSeq         uint64          `json:"call_seq"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return Exchange{}, err
	}
	if e.Method == "" || e.Status == 0 {
		return Exchange{}, fmt.Errorf("not a journal entry: no method or status")
	}
	x := Exchange{Method: e.Method, Path: e.Path, RawQuery: e.RawQuery, Header: e.Header, Body: []byte(e.Body),
		BodyTruncated: e.BodyTruncated, OperationID: e.OperationID, Status: e.Status,
		AnswerTruncated: e.AnswerTruncated, Source: e.Source, Scenario: e.Scenario, CallSeq: e.CallSeq}
	if e.BodyBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(e.BodyBase64)
		if err != nil {
			return Exchange{}, fmt.Errorf("body_base64: %w", err)
		}
		x.Body = b
	}
	// The answer is itself when it was JSON, else a JSON string of it.
	var text string
	if len(e.Answer) > 0 && e.Answer[0] == '"' && json.Unmarshal(e.Answer, &text) == nil {
		x.Answer = []byte(text)
	} else {
		x.Answer = e.Answer
	}
	return x, nil
}
