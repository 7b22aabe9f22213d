package pact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/internal/report"
)

// An Exchange is one request of the journal and the fake's answer.
type Exchange struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// BodyTruncated: the journal kept only the first bytes of the body.
	BodyTruncated bool
	OperationID   string
	Status        int
	Answer        []byte
	// AnswerTruncated: the journal kept only the first bytes of the answer.
	AnswerTruncated bool
	// Source is what answered: "spec", "responder" or "error".
	Source string
	// Scenario answered it (Source "responder").
	Scenario string
	// CallSeq numbers an action a simulated call accepted (1 is the first
	// since the call began or was reset). Such exchanges are never merged:
	// each is a step of the call's story, which a replay must repeat in
	// order.
	CallSeq uint64
}

// Names are the pacticipants: the application whose requests the journal
// holds, and the API it calls.
type Names struct {
	Consumer string
	Provider string
}

// The defaults of Names.
const (
	DefaultConsumer = "phlorunner-client"
	DefaultProvider = "phlorunner"
)

// DefaultScenario is the provider state of an answer the contract itself
// gave (Source "spec") or the fake's own checks gave ("error"): the
// scenario success, whose answers are the contract's.
const DefaultScenario = "success"

// StatePrefix starts the name of every provider state: "scenario
// rate-limited is active"; its parameter "scenario" holds the name.
const StatePrefix = "scenario "

// A Pact is a Pact V4 file.
type Pact struct {
	Consumer     pacticipant    `json:"consumer"`
	Provider     pacticipant    `json:"provider"`
	Interactions []Interaction  `json:"interactions"`
	Metadata     map[string]any `json:"metadata"`
}

type pacticipant struct {
	Name string `json:"name"`
}

// An Interaction is one Synchronous/HTTP interaction.
type Interaction struct {
	Type           string          `json:"type"`
	Key            string          `json:"key"`
	Description    string          `json:"description"`
	ProviderStates []ProviderState `json:"providerStates,omitempty"`
	Request        Request         `json:"request"`
	Response       Response        `json:"response"`
	Pending        bool            `json:"pending"`
}

// A ProviderState names the scenario that must be active.
type ProviderState struct {
	Name   string            `json:"name"`
	Params map[string]string `json:"params,omitempty"`
}

// A Request is what the consumer sent.
type Request struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   map[string][]string `json:"query,omitempty"`
	Headers map[string][]string `json:"headers,omitempty"`
	Body    *Body               `json:"body,omitempty"`
}

// A Response is what the consumer expects back.
type Response struct {
	Status        int                 `json:"status"`
	Headers       map[string][]string `json:"headers,omitempty"`
	Body          *Body               `json:"body,omitempty"`
	MatchingRules map[string]any      `json:"matchingRules,omitempty"`
}

// A Body is a V4 body: JSON content as JSON, anything else as text.
type Body struct {
	ContentType string `json:"contentType"`
	Encoded     any    `json:"encoded"`
	Content     any    `json:"content"`
}

// LeftOut counts the exchanges Build did not export, by reason.
type LeftOut map[string]int

// The reasons an exchange is left out.
const (
	// LeftCredentials: the fake refused the request's credentials (401
	// from its own check). A verifier sends the provider's credentials
	// with every request, so it could never replay the refusal.
	LeftCredentials = "credentials refused"
	// LeftTruncated: the journal kept only part of the body or answer.
	LeftTruncated = "truncated"
)

// uuidRegex matches an api_id.
const uuidRegex = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`

// A Builder collects exchanges into interactions, one per distinct request
// and answer, in the order they were first seen. Its memory grows with the
// distinct interactions, not the exchanges: a journal can be fed a page at
// a time.
type Builder struct {
	names        Names
	interactions []Interaction
	seen         map[string]bool
	descriptions map[string]int
	leftOut      LeftOut
}

// NewBuilder starts a pact between names (the defaults for empty names).
func NewBuilder(names Names) *Builder {
	if names.Consumer == "" {
		names.Consumer = DefaultConsumer
	}
	if names.Provider == "" {
		names.Provider = DefaultProvider
	}
	return &Builder{names: names, seen: map[string]bool{}, descriptions: map[string]int{}, leftOut: LeftOut{}}
}

// Add adds e unless an interaction already has its request and answer.
func (b *Builder) Add(e Exchange) {
	switch {
	case e.BodyTruncated || e.AnswerTruncated:
		b.leftOut[LeftTruncated]++
		return
	case e.Status == http.StatusUnauthorized && e.Source == "error":
		b.leftOut[LeftCredentials]++
		return
	}
	in := interaction(e)
	key := in.identity()
	if e.CallSeq > 0 {
		// A step of a simulated call is never merged, even with the same
		// step seen again after a reset: the replay needs each.
		key = in.identityN(len(b.interactions))
	} else if b.seen[key] {
		return
	}
	b.seen[key] = true
	in.Key = key[:16]
	// Descriptions must be unique in a pact: the second GET getPhlo that
	// differs from the first only in its body is "(2)".
	b.descriptions[in.Description]++
	if n := b.descriptions[in.Description]; n > 1 {
		in.Description += " (" + strconv.Itoa(n) + ")"
	}
	b.interactions = append(b.interactions, in)
}

// Pact returns the contract built so far.
func (b *Builder) Pact(version string) *Pact {
	left := map[string]int{}
	for k, v := range b.leftOut {
		left[k] = v
	}
	p := &Pact{
		Consumer:     pacticipant{b.names.Consumer},
		Provider:     pacticipant{b.names.Provider},
		Interactions: b.interactions,
		Metadata: map[string]any{
			"pactSpecification": map[string]string{"version": "4.0"},
			"phlomock":          map[string]any{"leftOut": left},
		},
	}
	if version != "" {
		p.Metadata["phlomock"].(map[string]any)["version"] = version
	}
	if p.Interactions == nil {
		p.Interactions = []Interaction{}
	}
	return p
}

// LeftOut counts the exchanges not exported, by reason.
func (b *Builder) LeftOut() LeftOut { return b.leftOut }

// JSON is the pact file's text.
func (p *Pact) JSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := report.JSON(&buf, p, report.KeepHTML); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func interaction(e Exchange) Interaction {
	scenario := e.Scenario
	if scenario == "" {
		scenario = DefaultScenario
	}
	in := Interaction{
		Type:           "Synchronous/HTTP",
		Description:    describe(e, scenario),
		ProviderStates: []ProviderState{{Name: StatePrefix + scenario + " is active", Params: map[string]string{"scenario": scenario}}},
		Request:        Request{Method: strings.ToUpper(e.Method), Path: e.Path},
		Response:       Response{Status: e.Status},
	}
	if e.CallSeq > 0 {
		in.ProviderStates[0].Params["call_seq"] = strconv.FormatUint(e.CallSeq, 10)
	}
	if q, err := url.ParseQuery(e.RawQuery); err == nil && len(q) > 0 {
		in.Request.Query = q
	}
	if len(e.Body) > 0 {
		ct := e.Header.Get("Content-Type")
		in.Request.Body = body(e.Body, ct)
		if ct != "" {
			in.Request.Headers = map[string][]string{"Content-Type": {ct}}
		}
	}
	if len(e.Answer) > 0 {
		in.Response.Body = body(e.Answer, "application/json")
		if in.Response.Body.ContentType == "application/json" {
			in.Response.Headers = map[string][]string{"Content-Type": {"application/json"}}
			if m, ok := in.Response.Body.Content.(map[string]any); ok {
				if _, ok := m["api_id"]; ok {
					in.Response.MatchingRules = map[string]any{"body": map[string]any{
						"$.api_id": map[string]any{"combine": "AND", "matchers": []map[string]string{{"match": "regex", "regex": uuidRegex}}},
					}}
				}
			}
		}
	}
	return in
}

// body is data as a V4 body: parsed JSON when it is JSON (whatever the
// Content-Type said), else text of contentType.
func body(data []byte, contentType string) *Body {
	var v any
	if json.Valid(data) && json.Unmarshal(data, &v) == nil {
		if mt, _, err := mime.ParseMediaType(contentType); err != nil || !strings.HasSuffix(mt, "json") {
			contentType = "application/json"
		}
		return &Body{ContentType: contentType, Encoded: false, Content: v}
	}
	if contentType == "" || strings.HasSuffix(contentType, "json") {
		contentType = "text/plain"
	}
	return &Body{ContentType: contentType, Encoded: false, Content: string(data)}
}

// describe is "updateMultiPartyCall cold_transfer -> 429 (rate-limited)".
func describe(e Exchange, scenario string) string {
	what := e.OperationID
	if what == "" {
		what = strings.ToUpper(e.Method) + " " + e.Path
	}
	var b struct {
		Action string `json:"action"`
	}
	if json.Unmarshal(e.Body, &b) == nil && b.Action != "" {
		what += " " + b.Action
	}
	return fmt.Sprintf("%s -> %d (%s)", what, e.Status, scenario)
}

// identityN is identity made unique by n.
func (in Interaction) identityN(n int) string {
	sum := sha256.Sum256([]byte(in.identity() + "/" + strconv.Itoa(n)))
	return hex.EncodeToString(sum[:])
}

// identity is what makes two exchanges one interaction: the request as the
// pact holds it, the status, the answer without its api_id, and the state.
func (in Interaction) identity() string {
	resp := in.Response
	if resp.Body != nil {
		if m, ok := resp.Body.Content.(map[string]any); ok {
			c := make(map[string]any, len(m))
			for k, v := range m {
				c[k] = v
			}
			delete(c, "api_id")
			resp.Body = &Body{ContentType: resp.Body.ContentType, Encoded: resp.Body.Encoded, Content: c}
		}
	}
	// encoding/json sorts map keys: equal content, equal text.
	raw, _ := json.Marshal([]any{in.Request, resp.Status, resp.Body, in.ProviderStates})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// String is "credentials refused 2, truncated 1", for messages.
func (l LeftOut) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, l[k]))
	}
	return strings.Join(parts, ", ")
}
