package coverage

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/phlomock/phlomock/internal/lazyre"
)

// An Entry is the part of a journal entry of the fake (GET /__admin/journal,
// docs/control-plane.md) that coverage reads.
type Entry struct {
	Seq         uint64              `json:"seq"`
	Method      string              `json:"method"`
	Path        string              `json:"path"`
	Header      map[string][]string `json:"header"`
	Body        string              `json:"body"`
	OperationID string              `json:"operation_id"`
	Status      int                 `json:"status"`
	Answer      json.RawMessage     `json:"answer"`
	Source      string              `json:"source"`
	Scenario    string              `json:"scenario"`
	Rule        string              `json:"rule"`
	CallSeq     uint64              `json:"call_seq"`
}

// Client is the entry's User-Agent, the name reports group it under.
func (e *Entry) Client() string {
	for k, v := range e.Header {
		if strings.EqualFold(k, "User-Agent") && len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return NoClient
}

// NoClient names the requests that sent no User-Agent.
const NoClient = "(no User-Agent)"

// field is the top-level string field name of the entry's JSON body, and
// whether the body has it.
func (e *Entry) field(name string) (string, bool) {
	var body map[string]json.RawMessage
	if json.Unmarshal([]byte(e.Body), &body) != nil {
		return "", false
	}
	raw, ok := body[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// refusal matches the error of a transition the simulated call refused
// (multiparty.TransitionError: "hangup refused for +14152225555: member is not on
// the call").
var refusal = lazyre.New(`^[a-z_]+ refused for `)

// refused reports whether the state machine refused the entry's action.
func (e *Entry) refused() bool {
	if e.Status != 400 {
		return false
	}
	var a struct {
		Error string `json:"error"`
	}
	return json.Unmarshal(e.Answer, &a) == nil && refusal.MatchString(a.Error)
}

// A Page is one page of GET /__admin/journal.
type Page struct {
	Entries []Entry `json:"entries"`
	Next    uint64  `json:"next"`
	More    bool    `json:"more"`
}

// ReadJournal reads a saved journal: a page of GET /__admin/journal
// ({"entries": [...]}), a JSON array of entries, or one entry per line
// (JSON Lines), as a CI job may have saved it. The error names the line.
func ReadJournal(r io.Reader) ([]Entry, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	trimmed := strings.TrimSpace(string(data))
	switch {
	case trimmed == "":
		return nil, fmt.Errorf("line 1: empty: want a journal page ({\"entries\": [...]}), a JSON array of entries or JSON Lines")
	case strings.HasPrefix(trimmed, "["):
		var es []Entry
		if err := json.Unmarshal(data, &es); err != nil {
			return nil, jsonError(data, err)
		}
		return es, nil
	}
	// One object: a page, unless there is more than one line of objects.
	var p struct {
		Entries *[]Entry `json:"entries"`
	}
	if err := json.Unmarshal(data, &p); err == nil && p.Entries != nil {
		return *p.Entries, nil
	}
	var es []Entry
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("line %d: %v: want a journal page ({\"entries\": [...]}), a JSON array of entries or JSON Lines", i+1, err)
		}
		if e.Seq == 0 && e.Method == "" {
			return nil, fmt.Errorf("line %d: not a journal entry (no seq, no method)", i+1)
		}
		es = append(es, e)
	}
	return es, nil
}

// jsonError names the line of a JSON syntax or type error in data.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 {
		return err
	}
	line := 1 + strings.Count(string(data[:min(int(off), len(data))]), "\n")
	return fmt.Errorf("line %d: %w", line, err)
}
