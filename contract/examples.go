package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maximal returns, for every body variant, the largest valid body the
// contract allows: every property set, optional ones too, each patterned
// string at the longest form of its pattern; the same body padded with
// insignificant whitespace to 1 KiB and 16 KiB; and, for a free-form body,
// 64 KiB of extra properties. A server that fails above a few hundred
// bytes fails these.
func (d *deriver) maximal() []Case {
	var out []Case
	for _, op := range sortedOps(d.ops) {
		for _, v := range d.variants[op.id] {
			m := map[string]any{}
			_ = json.Unmarshal(v.valid, &m)
			for _, f := range sortedKeys(v.schema.Properties) {
				p := v.schema.Properties[f].Value
				if p == nil || f == v.prop {
					continue
				}
				m[f] = longestValue(f, p)
			}
			body, _ := json.Marshal(m)
			c := Constraint{Operation: op.id, Variant: v.name, Pointer: bodyPointer(op, v)}
			id := func(s string) string { return d.id(c, s) }
			out = append(out, d.positive(c, id("maximal"), "every property set, each at its longest valid form", d.request(op.id, body)))
			for _, size := range []int{1 << 10, 16 << 10} {
				out = append(out, d.positive(c, id(fmt.Sprintf("padded-%dk", size>>10)), fmt.Sprintf("the maximal body padded with whitespace to %d KiB", size>>10), d.request(op.id, pad(body, size))))
			}
			if freeForm(v.schema) {
				big := map[string]any{}
				for k, x := range m {
					big[k] = x
				}
				for i := 0; len(mustMarshal(big)) < 64<<10; i++ {
					big[fmt.Sprintf("var_%04d", i)] = strings.Repeat("v", 100)
				}
				out = append(out, d.positive(c, id("large-64k"), "64 KiB of Start node variables (the body is free-form)", d.request(op.id, mustMarshal(big))))
			}
		}
	}
	return out
}

func mustMarshal(v any) json.RawMessage { data, _ := json.Marshal(v); return data }

// pad puts whitespace between the first { and the rest up to size bytes:
// the same JSON value, larger.
func pad(body []byte, size int) json.RawMessage {
	if len(body) >= size || len(body) < 2 {
		return body
	}
	var b bytes.Buffer
	b.WriteByte(body[0])
	for i := 0; i < size-len(body); i++ {
		if i%80 == 79 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	b.Write(body[1:])
	return b.Bytes()
}

func bodyPointer(op operation, v variant) string {
	return "/paths/" + escapePointer(op.path) + "/" + strings.ToLower(op.method) + "/requestBody/content/application~1json/schema"
}

func sortedOps(m map[string]operation) []operation {
	var out []operation
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func longestValue(name string, p *openapi3.Schema) any {
	switch {
	case len(p.Enum) > 0:
		return p.Enum[len(p.Enum)-1]
	case p.Pattern != "":
		if g, err := newPatternGen(p.Pattern); err == nil {
			best := ""
			for _, v := range g.valid(64) {
				if len(v.value) > len(best) {
					best = v.value
				}
			}
			if best != "" {
				return best
			}
		}
	case p.Type != nil && p.Type.Is("string"):
		if p.MaxLength != nil {
			return strings.Repeat("9", int(*p.MaxLength))
		}
		return nonASCIIText
	}
	return sampleValue(name, p)
}

// nonASCIIText is a valid free string that needs escaping and is not
// ASCII: quotes, a backslash, a slash, markup, accents, an emoji.
const nonASCIIText = `Zoë "the agent" \ ☎ <b>/é</b> 😀`

// fuzz draws n cases with the seed: random valid bodies (each optional
// property in or out, enums and patterned strings drawn, free strings
// with escapes and non-ASCII text) and random single-field pattern
// violations of them.
func (d *deriver) fuzz(cons []Constraint, n int) []Case {
	var pats []Constraint
	for _, c := range cons {
		if c.Kind == KindPattern && c.In == "body" {
			pats = append(pats, c)
		}
	}
	type slot struct {
		op operation
		v  variant
	}
	var slots []slot
	for _, op := range sortedOps(d.ops) {
		for _, v := range d.variants[op.id] {
			slots = append(slots, slot{op, v})
		}
	}
	if len(slots) == 0 {
		return nil
	}
	var out []Case
	for i := range n {
		s := slots[d.rnd.IntN(len(slots))]
		m := d.randomBody(s.v)
		c := Constraint{Operation: s.op.id, Variant: s.v.name, Pointer: bodyPointer(s.op, s.v)}
		if i%3 == 2 && len(pats) > 0 {
			pc := pats[d.rnd.IntN(len(pats))]
			if pv, _, ok := d.base(pc.Operation, pc.Variant); ok {
				pm := d.randomBody(pv)
				g, err := newPatternGen(pc.Pattern)
				if err == nil {
					bad := g.invalid(fmt.Sprint(pm[pc.Field]))
					if len(bad) > 0 {
						b := bad[d.rnd.IntN(len(bad))]
						cs := d.negative(pc, fmt.Sprintf("%s/fuzz-%03d", pc.Operation, i), pc.Field+" "+quoteValue(b.value)+" breaks its pattern ("+b.kind+")", d.request(pc.Operation, with(pm, pc.Field, b.value)), pc.Field)
						cs.Generated = true
						out = append(out, cs)
						continue
					}
				}
			}
		}
		cs := d.positive(c, fmt.Sprintf("%s/fuzz-%03d", s.op.id, i), "a valid body drawn with the seed", d.request(s.op.id, mustMarshal(m)))
		cs.Generated = true
		out = append(out, cs)
	}
	return out
}

func (d *deriver) randomBody(v variant) map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(v.valid, &m)
	for _, f := range sortedKeys(v.schema.Properties) {
		p := v.schema.Properties[f].Value
		if p == nil || f == v.prop {
			continue
		}
		required := slices.Contains(v.schema.Required, f) && p.Default == nil
		if !required && d.rnd.IntN(2) == 0 {
			delete(m, f)
			continue
		}
		switch {
		case len(p.Enum) > 0:
			m[f] = p.Enum[d.rnd.IntN(len(p.Enum))]
		case p.Pattern != "":
			if g, err := newPatternGen(p.Pattern); err == nil {
				if s, ok := g.random(d.rnd); ok {
					m[f] = s
				}
			}
		case p.Type != nil && p.Type.Is("string"):
			texts := []string{nonASCIIText, "+14152225555", "line\nbreak\ttab", "日本語のテキスト"}
			m[f] = texts[d.rnd.IntN(len(texts))]
		}
	}
	return m
}

// faulty returns the fields really missing or invalid in body for op,
// besides named: a 400 naming any of them is right, whatever order the
// server validates in. An action no branch defines makes the action
// faulty and every field all branches require missing.
func (d *deriver) faulty(opID string, body json.RawMessage, named string) []string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil || m == nil {
		return nil
	}
	vs := d.variants[opID]
	if len(vs) == 0 {
		return nil
	}
	var out []string
	add := func(f string) {
		if f != named && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	v := vs[0]
	if v.tagged {
		action, _ := m[v.prop].(string)
		i := slices.IndexFunc(vs, func(x variant) bool { return x.name == action })
		if i < 0 {
			add(v.prop)
			for _, f := range requiredByAll(vs) {
				if _, ok := m[f]; !ok {
					add(f)
				}
			}
			return out
		}
		v = vs[i]
	}
	for _, f := range v.schema.Required {
		p := v.schema.Properties[f]
		if _, ok := m[f]; !ok && (p == nil || p.Value == nil || p.Value.Default == nil) {
			add(f)
		}
	}
	for _, f := range sortedKeys(m) {
		if p := v.schema.Properties[f]; p != nil && p.Value != nil && p.Value.VisitJSON(m[f]) != nil {
			add(f)
		}
	}
	return out
}

func requiredByAll(vs []variant) []string {
	var out []string
	for _, f := range vs[0].schema.Required {
		all := true
		for _, v := range vs[1:] {
			all = all && slices.Contains(v.schema.Required, f)
		}
		p := vs[0].schema.Properties[f]
		if all && (p == nil || p.Value == nil || p.Value.Default == nil) {
			out = append(out, f)
		}
	}
	return out
}
