package proxy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/phlomock/phlomock/scenarios"
)

// What a recording makes of the exchanges: the world they show, a rule
// where the real API answered otherwise than the fake, and the
// interactions that send each request again.

// worldBuilder collects PHLOs and nodes in the order first seen.
type worldBuilder struct {
	phlos []*scenarios.PHLO
	byID  map[string]*scenarios.PHLO
}

func newWorldBuilder() *worldBuilder { return &worldBuilder{byID: map[string]*scenarios.PHLO{}} }

func (w *worldBuilder) phlo(id string) *scenarios.PHLO {
	if p, ok := w.byID[id]; ok {
		return p
	}
	p := &scenarios.PHLO{ID: id}
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
	i := slices.IndexFunc(p.Nodes, func(n scenarios.Node) bool { return n.ID == nid })
	if i < 0 {
		p.Nodes = append(p.Nodes, scenarios.Node{ID: nid})
		i = len(p.Nodes) - 1
	}
	if x.exchange.Operation == opGetNode {
		n := &p.Nodes[i]
		n.Name, n.CreatedOn = cmp.Or(str("name"), n.Name), cmp.Or(str("created_on"), n.CreatedOn)
	}
}

func (w *worldBuilder) world() scenarios.World {
	var out scenarios.World
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
func ruleFor(n int, g []recorded) *scenarios.Rule {
	first := g[0]
	if !first.valid || !slices.ContainsFunc(g, differs) {
		return nil
	}
	r := &scenarios.Rule{Name: fmt.Sprintf("recorded-%d-%s", n, first.exchange.Operation), Match: matchOf(first)}
	var steps []scenarios.Step
	for _, x := range g {
		body, raw := ruleBody(x)
		st := scenarios.Step{Response: scenarios.Response{Status: x.exchange.Status, Headers: headersOf(x), Body: body, BodyRaw: raw}, Times: 1}
		if k := len(steps) - 1; k >= 0 && steps[k].Status == st.Status && equalJSON(steps[k].Body, st.Body) {
			steps[k].Times++
			continue
		}
		steps = append(steps, st)
	}
	if len(steps) == 1 {
		r.Respond = &steps[0].Response
		return r
	}
	steps[len(steps)-1].Times = 1 // the last answers every request after
	r.Sequence = steps
	return r
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func matchOf(x recorded) scenarios.Match {
	m := scenarios.Match{Operation: x.exchange.Operation, Method: x.exchange.Method, PathParams: paramsOf(x)}
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

// ruleBody is the real answer as a rule's body, and whether it is raw
// text: a fresh api_id in place of the recorded one; a 2xx the fake
// answers alike is left to the fake (nil). What is not a JSON object or
// array is kept as the text it was.
func ruleBody(x recorded) (body any, raw bool) {
	v, ok := decode(x.answer)
	if !ok {
		if len(bytes.TrimSpace(x.answer)) == 0 {
			return "", true
		}
		return string(x.answer), true
	}
	obj, isObj := plain(v).(map[string]any)
	if !isObj {
		if _, isList := v.([]any); isList {
			return plain(v), false
		}
		return string(x.answer), true
	}
	if success(x.exchange.Status) && !slices.ContainsFunc(x.exchange.Drift, func(d Difference) bool { return d.Kind != KindStatus }) {
		return nil, false
	}
	if id, ok := obj["api_id"].(string); ok && Class(id) == ClassUUID {
		obj["api_id"] = "{{api_id}}"
	}
	return obj, false
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
// sequence (the rule's counters advance as they did), else once. A body
// that is not JSON cannot be sent again (an interaction's body is JSON):
// an error says so.
func interactionsFor(n int, g []recorded, ruled bool) ([]scenarios.Interaction, error) {
	first := g[0]
	req := scenarios.InteractionRequest{Operation: first.exchange.Operation, PathParams: paramsOf(first)}
	if first.exchange.Operation == "" {
		req.Method, req.Path = first.exchange.Method, first.exchange.Path
	}
	if len(bytes.TrimSpace(first.body)) > 0 {
		v, ok := decode(first.body)
		if !ok {
			return nil, fmt.Errorf("its body is not JSON (%d bytes): an interaction sends a JSON body", len(first.body))
		}
		req.Body = plain(v)
	}
	var out []scenarios.Interaction
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
		out = append(out, scenarios.Interaction{
			Name:    fmt.Sprintf("%d.%d %s %s answers %d", n, i+1, first.exchange.Method, cmp.Or(first.exchange.Operation, first.exchange.Path), x.exchange.Status),
			Request: req,
			Expect:  scenarios.Expect{Status: x.exchange.Status, Body: stableFields(x, ruled)},
		})
	}
	return out, nil
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
