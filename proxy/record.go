package proxy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/scenarios"
)

// The operations whose answers describe the world.
const (
	opGetPhlo = "getPhlo"
	opGetNode = "getMultiPartyCall"
)

// maxRecorded bounds the distinct requests a recording keeps.
const maxRecorded = 10000

// recorded is one checked exchange, as a recording needs it.
type recorded struct {
	exchange    Exchange
	params      map[string]string
	query       string
	body        []byte
	answer      []byte
	contentType string
	retryAfter  string
	fakeAnswer  []byte
	valid       bool
	authID      string
}

// recorder keeps, per distinct request, every answer in order.
type recorder struct {
	mu      sync.Mutex
	order   []string
	byKey   map[string][]recorded
	authIDs map[string]bool
	dropped int
}

func (r *recorder) add(x recorded) {
	key := requestKey(x)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey == nil {
		r.byKey, r.authIDs = map[string][]recorded{}, map[string]bool{}
	}
	if x.authID != "" {
		r.authIDs[x.authID] = true
	}
	if _, ok := r.byKey[key]; !ok {
		if len(r.order) >= maxRecorded {
			r.dropped++
			return
		}
		r.order = append(r.order, key)
	}
	r.byKey[key] = append(r.byKey[key], x)
}

// requestKey is what makes two requests the same one: operation, method,
// path parameters (the auth id aside) and body.
func requestKey(x recorded) string {
	params := maps.Clone(x.params)
	delete(params, "auth_id")
	b, _ := json.Marshal([]any{x.exchange.Operation, x.exchange.Method, params, canonical(x.body)})
	return string(b)
}

func canonical(body []byte) any {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	return v
}

// RecordOptions shape the scenario file Recorded writes.
type RecordOptions struct {
	// Name of the scenario. "": "recorded".
	Name string
	// Redact replaces ids, phone numbers and SIP addresses by stable
	// placeholders: each distinct value gets its own, the same everywhere
	// in the file.
	Redact bool
	// Known are the contract's operation ids, to validate the file (nil:
	// not checked).
	Known scenarios.KnownOperations
}

// ErrNotRecording is returned by Recorded when Options.Record was not set.
var ErrNotRecording = errors.New("proxy: not recording (Options.Record)")

// Recorded returns the exchanges seen so far as a version 1 scenario file:
// the world the GET answers showed (PHLOs and nodes), a rule for each
// request the real API answered otherwise than the fake (a 404, a 429, a
// 200 where the fake has 201), and an interaction per distinct request and
// answer, expecting its status and the fields a replay reproduces. It never
// holds credentials: the Auth IDs seen are replaced by the fake's default
// one, and tokens are never kept. The file is parsed and validated before
// it is returned.
func (p *Proxy) Recorded(o RecordOptions) ([]byte, error) {
	if p.rec == nil {
		return nil, ErrNotRecording
	}
	p.rec.mu.Lock()
	keys := slices.Clone(p.rec.order)
	groups := make([][]recorded, len(keys))
	for i, k := range keys {
		groups[i] = slices.Clone(p.rec.byKey[k])
	}
	authIDs := slices.Sorted(maps.Keys(p.rec.authIDs))
	dropped := p.rec.dropped
	p.rec.mu.Unlock()

	name := cmp.Or(o.Name, "recorded")
	f := file{Version: scenarios.Version, Name: name,
		Description: fmt.Sprintf("recorded by phlomock proxy from %s: %d distinct requests", p.opts.Target.Redacted(), len(keys))}
	if dropped > 0 {
		f.Description += fmt.Sprintf(" (%d more not kept)", dropped)
	}
	w := newWorldBuilder()
	for i, g := range groups {
		for _, x := range g {
			w.see(x)
		}
		rule := ruleFor(i+1, g)
		if rule != nil {
			f.Rules = append(f.Rules, *rule)
		}
		f.Interactions = append(f.Interactions, interactionsFor(i+1, g, rule != nil)...)
	}
	f.World = w.world()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("proxy: record: %w", err)
	}
	data := buf.Bytes()
	data = redact(data, authIDs, o.Redact, groups)
	data = append([]byte("# "+f.Description+"\n"), data...)
	s, err := scenarios.Parse(name+".yaml", data)
	if err == nil {
		err = s.Validate(o.Known)
	}
	if err != nil {
		// The file is still what was recorded: the caller writes it
		// beside this error, so nothing recorded is lost.
		return data, fmt.Errorf("proxy: the recorded scenario does not validate (phlomock scenarios check %s.yaml shows why; it was written all the same): %w", name, err)
	}
	return data, nil
}

// The file as written: yaml.v3 keeps the fields' order.
type file struct {
	Version      int           `yaml:"version"`
	Name         string        `yaml:"name"`
	Description  string        `yaml:"description"`
	World        *world        `yaml:"world,omitempty"`
	Rules        []rule        `yaml:"rules,omitempty"`
	Interactions []interaction `yaml:"interactions,omitempty"`
}

type world struct {
	PHLOs []phlo `yaml:"phlos"`
}

type phlo struct {
	ID        string `yaml:"id"`
	Name      string `yaml:"name,omitempty"`
	CreatedOn string `yaml:"created_on,omitempty"`
	Nodes     []node `yaml:"nodes,omitempty"`
}

type node struct {
	ID        string `yaml:"id"`
	Name      string `yaml:"name,omitempty"`
	CreatedOn string `yaml:"created_on,omitempty"`
}

type rule struct {
	Name     string    `yaml:"name"`
	Match    match     `yaml:"match"`
	Respond  *response `yaml:"respond,omitempty"`
	Sequence []step    `yaml:"sequence,omitempty"`
}

type match struct {
	Operation  string            `yaml:"operation,omitempty"`
	Method     string            `yaml:"method"`
	PathParams map[string]string `yaml:"path_params,omitempty"`
	Body       map[string]string `yaml:"body,omitempty"`
}

type response struct {
	Status  int               `yaml:"status"`
	Headers map[string]string `yaml:"headers,omitempty"`
	Body    any               `yaml:"body,omitempty"`
}

type step struct {
	Status  int               `yaml:"status"`
	Headers map[string]string `yaml:"headers,omitempty"`
	Body    any               `yaml:"body,omitempty"`
	Times   int               `yaml:"times,omitempty"`
}

type interaction struct {
	Name    string  `yaml:"name"`
	Request request `yaml:"request"`
	Expect  expect  `yaml:"expect"`
}

type request struct {
	Operation  string            `yaml:"operation,omitempty"`
	Method     string            `yaml:"method,omitempty"`
	Path       string            `yaml:"path,omitempty"`
	PathParams map[string]string `yaml:"path_params,omitempty"`
	Body       any               `yaml:"body,omitempty"`
}

type expect struct {
	Status int            `yaml:"status"`
	Body   map[string]any `yaml:"body,omitempty"`
}

// worldBuilder collects PHLOs and nodes in the order first seen.
type worldBuilder struct {
	phlos []*phlo
	byID  map[string]*phlo
}

func newWorldBuilder() *worldBuilder { return &worldBuilder{byID: map[string]*phlo{}} }

func (w *worldBuilder) phlo(id string) *phlo {
	if p, ok := w.byID[id]; ok {
		return p
	}
	p := &phlo{ID: id}
	w.byID[id] = p
	w.phlos = append(w.phlos, p)
	return p
}

// see declares what a successful exchange shows exists, with the names and
// creation times of the GET answers.
func (w *worldBuilder) see(x recorded) {
	if !success(x.exchange.Status) {
		return
	}
	pid := x.params["phlo_id"]
	if pid == "" {
		return
	}
	p := w.phlo(pid)
	var body map[string]any
	_ = json.Unmarshal(x.answer, &body)
	str := func(k string) string { s, _ := body[k].(string); return s }
	if x.exchange.Operation == opGetPhlo {
		p.Name, p.CreatedOn = cmp.Or(str("name"), p.Name), cmp.Or(str("created_on"), p.CreatedOn)
	}
	nid := x.params["node_id"]
	if nid == "" {
		return
	}
	i := slices.IndexFunc(p.Nodes, func(n node) bool { return n.ID == nid })
	if i < 0 {
		p.Nodes = append(p.Nodes, node{ID: nid})
		i = len(p.Nodes) - 1
	}
	if x.exchange.Operation == opGetNode {
		n := &p.Nodes[i]
		n.Name, n.CreatedOn = cmp.Or(str("name"), n.Name), cmp.Or(str("created_on"), n.CreatedOn)
	}
}

func (w *worldBuilder) world() *world {
	if len(w.phlos) == 0 {
		return nil
	}
	out := &world{}
	for _, p := range w.phlos {
		out.PHLOs = append(out.PHLOs, *p)
	}
	return out
}

// differs says whether the fake would not answer x as the real API did: a
// rule must.
func differs(x recorded) bool {
	return x.exchange.Status != x.exchange.FakeStatus || !success(x.exchange.Status) ||
		slices.ContainsFunc(x.exchange.Drift, func(d Difference) bool { return d.Kind == KindErrorText })
}

// ruleFor answers the request of g as the real API did, when the fake
// would not have: one answer, or a sequence in the order seen (a 429
// burst, then success). A request the fake refuses on validation gets no
// rule: rules come after validation.
func ruleFor(n int, g []recorded) *rule {
	first := g[0]
	if !first.valid || !slices.ContainsFunc(g, differs) {
		return nil
	}
	r := &rule{Name: fmt.Sprintf("recorded-%d-%s", n, first.exchange.Operation), Match: matchOf(first)}
	var steps []step
	for _, x := range g {
		st := step{Status: x.exchange.Status, Headers: headersOf(x), Body: ruleBody(x)}
		if k := len(steps) - 1; k >= 0 && steps[k].Status == st.Status && equalJSON(steps[k].Body, st.Body) {
			steps[k].Times++
			continue
		}
		st.Times = 1
		steps = append(steps, st)
	}
	if len(steps) == 1 {
		s := steps[0]
		r.Respond = &response{Status: s.Status, Headers: s.Headers, Body: s.Body}
		return r
	}
	steps[len(steps)-1].Times = 0 // the last answers every request after
	for i := range steps {
		if steps[i].Times == 1 {
			steps[i].Times = 0 // 1 is the default
		}
	}
	r.Sequence = steps
	return r
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func matchOf(x recorded) match {
	m := match{Operation: x.exchange.Operation, Method: x.exchange.Method, PathParams: paramsOf(x)}
	if obj, ok := canonical(x.body).(map[string]any); ok {
		for k, v := range obj {
			switch v := v.(type) {
			case string:
				setStr(&m.Body, k, v)
			case float64, bool:
				setStr(&m.Body, k, fmt.Sprint(v))
			}
		}
	}
	return m
}

func setStr(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}

// paramsOf are the path parameters a file names: the auth id is the
// account's, and conform fills in its own.
func paramsOf(x recorded) map[string]string {
	p := maps.Clone(x.params)
	delete(p, "auth_id")
	if len(p) == 0 {
		return nil
	}
	return p
}

func headersOf(x recorded) map[string]string {
	var h map[string]string
	if x.retryAfter != "" {
		setStr(&h, "Retry-After", x.retryAfter)
	}
	if mt := mediaType(x.contentType, x.answer); mt != "application/json" && mt != "none" && x.contentType != "" {
		setStr(&h, "Content-Type", x.contentType)
	}
	return h
}

// ruleBody is the real answer as a rule's body: a fresh api_id in place of
// the recorded one; a 2xx the fake answers alike is left to the fake (nil).
func ruleBody(x recorded) any {
	v, ok := decode(x.answer)
	if !ok {
		if len(bytes.TrimSpace(x.answer)) == 0 {
			return ""
		}
		return string(x.answer)
	}
	obj, isObj := plain(v).(map[string]any)
	if !isObj {
		return plain(v)
	}
	if success(x.exchange.Status) && !slices.ContainsFunc(x.exchange.Drift, func(d Difference) bool { return d.Kind != KindStatus }) {
		return nil
	}
	if id, ok := obj["api_id"].(string); ok && Class(id) == ClassUUID {
		obj["api_id"] = "{{api_id}}"
	}
	return obj
}

// plain turns json.Number into float64 or int64, for YAML.
func plain(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = plain(e)
		}
	case []any:
		for i, e := range v {
			v[i] = plain(e)
		}
	}
	return v
}

// interactionsFor sends g's request again: once per answer of a rule's
// sequence (the rule's counters advance as they did), else once.
func interactionsFor(n int, g []recorded, ruled bool) []interaction {
	first := g[0]
	req := request{Operation: first.exchange.Operation, PathParams: paramsOf(first)}
	if first.exchange.Operation == "" {
		req.Method, req.Path = first.exchange.Method, first.exchange.Path
	}
	if len(bytes.TrimSpace(first.body)) > 0 {
		if v, ok := decode(first.body); ok {
			req.Body = plain(v)
		}
	}
	var out []interaction
	seen := g
	if !ruled {
		seen = g[:1]
	}
	const most = 50
	for i, x := range seen {
		if i == most {
			break
		}
		if ruled && i > 0 && i == len(seen)-1 && x.exchange.Status == seen[i-1].exchange.Status {
			break
		}
		out = append(out, interaction{
			Name:    fmt.Sprintf("%d.%d %s %s answers %d", n, i+1, first.exchange.Method, cmp.Or(first.exchange.Operation, first.exchange.Path), x.exchange.Status),
			Request: req,
			Expect:  expect{Status: x.exchange.Status, Body: stableFields(x, ruled)},
		})
	}
	return out
}

// stableFields are the fields of x's answer a replay gives again: with a
// rule, its error text; else those where the fake agreed with the real
// API, and the world's names and creation times of the GETs.
func stableFields(x recorded, ruled bool) map[string]any {
	var real, fake map[string]any
	if json.Unmarshal(x.answer, &real) != nil {
		return nil
	}
	_ = json.Unmarshal(x.fakeAnswer, &fake)
	out := map[string]any{}
	for k, v := range real {
		s, isStr := v.(string)
		if !isStr || k == "api_id" || k == "message" {
			continue
		}
		switch {
		case ruled && k == "error":
			out[k] = s
		case ruled:
		case fake[k] == v:
			out[k] = s
		case (k == "name" || k == "created_on") && (x.exchange.Operation == opGetPhlo || x.exchange.Operation == opGetNode):
			out[k] = s
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// redact replaces in the file the Auth IDs seen (by the fake's default
// one) and, with all, every id, phone number and SIP address of the
// recorded requests and answers by a placeholder of the same class.
func redact(data []byte, authIDs []string, all bool, groups [][]recorded) []byte {
	var pairs []string
	for _, id := range authIDs {
		if id != mockserver.DefaultAuthID {
			pairs = append(pairs, id, mockserver.DefaultAuthID)
		}
	}
	if all {
		values := map[string]string{}
		count := map[string]int{}
		var note func(v any)
		note = func(v any) {
			switch v := v.(type) {
			case string:
				c := Class(v)
				if _, done := values[v]; done || (c != ClassUUID && c != ClassPhone && c != ClassSIP) {
					return
				}
				count[c]++
				values[v] = placeholder(c, count[c])
			case map[string]any:
				for _, k := range slices.Sorted(maps.Keys(v)) {
					note(v[k])
				}
			case []any:
				for _, e := range v {
					note(e)
				}
			}
		}
		for _, g := range groups {
			for _, x := range g {
				for _, k := range slices.Sorted(maps.Keys(x.params)) {
					if k != "auth_id" {
						note(x.params[k])
					}
				}
				note(canonical(x.body))
				note(canonical(x.answer))
			}
		}
		for _, v := range slices.Sorted(maps.Keys(values)) {
			pairs = append(pairs, v, values[v])
		}
	}
	// Longest first: a value that is the start of another is not replaced
	// inside it.
	type pair struct{ from, to string }
	ps := make([]pair, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		ps = append(ps, pair{pairs[i], pairs[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return cmp.Compare(len(b.from), len(a.from)) })
	args := make([]string, 0, len(pairs))
	for _, p := range ps {
		args = append(args, p.from, p.to)
	}
	if len(args) == 0 {
		return data
	}
	return []byte(strings.NewReplacer(args...).Replace(string(data)))
}

// placeholder is the n-th stand-in of a class: a valid value of it.
func placeholder(class string, n int) string {
	switch class {
	case ClassUUID:
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	case ClassPhone:
		return "+1555" + fmt.Sprintf("%07d", n)
	}
	return "sip:user" + strconv.Itoa(n) + "@example.invalid"
}
