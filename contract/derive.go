package contract

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// DefaultMaxExamples bounds the random part of a suite (GenerateOptions.MaxExamples).
const DefaultMaxExamples = 60

// telephonyWords are plausible values a server could wrongly accept for
// an enum: words of the domain, besides every enum value of the contract
// itself (an action name sent as a role, a role sent as an action).
var telephonyWords = []string{
	"supervisor", "moderator", "listener", "coach", "host", "guest", "owner", "admin", "member",
	"caller", "transfer", "dial", "conference", "record", "barge", "whisper", "park", "kick",
	"join", "leave", "speak", "play", "start", "stop",
}

// deriver turns the contract's constraints into cases.
type deriver struct {
	ops      map[string]operation
	variants map[string][]variant
	words    []string // every enum value of the contract, sorted
	rnd      *rand.Rand
	unknown  string
}

// derived returns the cases derived constraint by constraint, in the
// order of the constraints: the coverage phase (every constraint, each
// kind of its violations, each of its valid forms), then at most
// maxExamples random ones drawn with the seed (the fuzzing phase).
func (d *deriver) derived(cons []Constraint, maxExamples int) []Case {
	var cases []Case
	for _, c := range cons {
		cases = append(cases, d.coverage(c)...)
	}
	cases = append(cases, d.maximal()...)
	if maxExamples > 0 {
		cases = append(cases, d.fuzz(cons, maxExamples)...)
	}
	return cases
}

// base returns the valid body of op's variant name as a map.
func (d *deriver) base(opID, name string) (variant, map[string]any, bool) {
	for _, v := range d.variants[opID] {
		if v.name == name {
			var m map[string]any
			if json.Unmarshal(v.valid, &m) == nil && m != nil {
				return v, m, true
			}
		}
	}
	return variant{}, nil, false
}

func with(m map[string]any, f string, v any) json.RawMessage {
	out := make(map[string]any, len(m)+1)
	for k, x := range m {
		out[k] = x
	}
	if v == deleteField {
		delete(out, f)
	} else {
		out[f] = v
	}
	data, _ := json.Marshal(out)
	return data
}

// deleteField, given to with, removes the field.
var deleteField any = struct{ delete bool }{true}

func (d *deriver) id(c Constraint, rest string) string {
	if c.Variant != "" {
		return c.Operation + "/" + c.Variant + "/" + rest
	}
	return c.Operation + "/" + rest
}

// positive is a case a faithful server must accept: a read must succeed;
// an action may be refused only for the state of the call (OutcomeAccept).
func (d *deriver) positive(c Constraint, id, desc string, req Request) Case {
	op := d.ops[c.Operation]
	cs := Case{ID: id, Operation: c.Operation, Safe: op.method == http.MethodGet, RealIDs: true, Constraint: c.Pointer, Description: desc, Request: req}
	cs.Expect.Outcome = OutcomeAccept
	if op.method == http.MethodGet {
		cs.Expect.Outcome = OutcomeSuccess
	}
	return cs
}

// negative is a request the API must refuse with a 400 naming field (or
// any other field that really is wrong in it).
func (d *deriver) negative(c Constraint, id, desc string, req Request, field string) Case {
	v, _, _ := d.base(c.Operation, c.Variant)
	cs := Case{ID: id, Operation: c.Operation, Safe: !freeForm(v.schema), RealIDs: true, Constraint: c.Pointer, Description: desc, Request: req,
		Expect: Expect{Outcome: OutcomeReject, Status: http.StatusBadRequest, ErrorNames: field}}
	cs.Expect.AlsoNames = d.faulty(c.Operation, req.Body, field)
	return cs
}

func (d *deriver) request(opID string, body json.RawMessage) Request {
	op := d.ops[opID]
	return Request{Method: op.method, Path: op.path, Body: body}
}

func (d *deriver) coverage(c Constraint) []Case {
	switch c.Kind {
	case KindEnum:
		return d.enumCases(c)
	case KindDiscriminator:
		return d.discriminatorCases(c)
	case KindPattern:
		return d.patternCases(c)
	case KindRequired:
		_, m, ok := d.base(c.Operation, c.Variant)
		if !ok {
			return nil
		}
		return []Case{d.negative(c, d.id(c, "null-"+c.Field), "required field "+c.Field+" is null", d.request(c.Operation, with(m, c.Field, nil)), c.Field)}
	case KindType:
		return d.typeCases(c)
	case KindLength:
		return d.lengthCases(c)
	case KindFormat:
		_, m, ok := d.base(c.Operation, c.Variant)
		if !ok {
			return nil
		}
		return []Case{d.negative(c, d.id(c, "format-"+c.Field), c.Field+" not a "+c.Schema.Format, d.request(c.Operation, with(m, c.Field, "not-a-"+c.Schema.Format)), c.Field)}
	case KindSecurity:
		return d.securityCases(c)
	case KindAccount:
		return d.accountCases(c)
	}
	return nil
}

// enumCases: each allowed value (positive), and words outside the enum
// (enumwords.go): the contract's own words, the allowed values as a
// normalising server reads them, random words and the domain's words.
func (d *deriver) enumCases(c Constraint) []Case {
	_, m, ok := d.base(c.Operation, c.Variant)
	if !ok {
		return nil
	}
	var out []Case
	for _, v := range c.Values {
		out = append(out, d.positive(c, d.id(c, "enum-"+c.Field+"="+v), c.Field+" "+v+", an allowed value", d.request(c.Operation, with(m, c.Field, v))))
	}
	for _, w := range d.unrelated(c.Values) {
		out = append(out, d.negative(c, d.id(c, "enum-"+c.Field+"-"+w.id), c.Field+" "+w.desc, d.request(c.Operation, with(m, c.Field, w.word)), c.Field))
	}
	return out
}

// outside is a word an enum is tried with, and why.
type outside struct{ word, id, desc string }

// unrelated returns the words outside allowed that its enum is tried with
// (enumwords.go), none of them allowed nor a case variant of an allowed
// value (Generate's own enum cases send those).
func (d *deriver) unrelated(allowed []string) []outside {
	lower := make([]string, len(allowed))
	for i, a := range allowed {
		lower[i] = strings.ToLower(a)
	}
	seen := map[string]bool{}
	var out []outside
	add := func(w, id, desc string) {
		if !slices.Contains(lower, strings.ToLower(w)) && !seen[w] {
			seen[w] = true
			out = append(out, outside{w, id, fmt.Sprintf("%q, %s", w, desc)})
		}
	}
	for _, w := range d.words {
		add(w, "word="+w, "another enum's value in the contract")
	}
	for _, w := range d.contractWords() {
		add(w, "word="+w, "a word of the contract outside this enum")
	}
	for _, s := range d.spellings(allowed) {
		add(s[1], s[0], "an allowed value "+strings.ReplaceAll(s[0], "-", " ")+": a server that normalises lets it through")
	}
	for range randomWords {
		w := d.randomWord()
		add(w, "random="+w, "a random word drawn with the seed")
	}
	pool := slices.Clone(telephonyWords)
	d.rnd.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for _, w := range pool {
		add(w, "word="+w, "a plausible word of the domain outside its enum")
	}
	return out
}

func (d *deriver) discriminatorCases(c Constraint) []Case {
	var out []Case
	for _, w := range d.unrelated(c.Values) {
		// the branch of the first variant, its action replaced
		_, m, ok := d.base(c.Operation, c.Values[0])
		if !ok {
			return nil
		}
		out = append(out, d.negative(c, c.Operation+"/discriminator-"+c.Field+"-"+w.id, c.Field+" "+w.desc+"; no branch defines it",
			d.request(c.Operation, with(m, c.Field, w.word)), c.Field))
	}
	return out
}

func (d *deriver) patternCases(c Constraint) []Case {
	g, err := newPatternGen(c.Pattern)
	if err != nil {
		return nil
	}
	var out []Case
	if c.In == "path" {
		op := d.ops[c.Operation]
		_, m, _ := d.base(c.Operation, firstVariant(d.variants[c.Operation]))
		var body json.RawMessage
		if m != nil {
			body, _ = json.Marshal(m)
		}
		req := func(v string) Request {
			return Request{Method: op.method, Path: op.path, Body: body, PathParams: map[string]string{c.Field: v}}
		}
		valid := g.valid(64)
		for _, v := range valid {
			out = append(out, d.positive(c, d.id(c, "path-"+c.Field+"-"+v.kind), c.Field+" "+v.value+" ("+v.kind+" form of its pattern)", req(v.value)))
		}
		if len(valid) > 0 {
			for _, v := range g.invalid(valid[0].value) {
				if v.value == "" || strings.Contains(v.value, "/") {
					continue // an empty or slashed segment is another route
				}
				out = append(out, d.negative(c, d.id(c, "path-"+c.Field+"-"+v.kind), c.Field+" "+quoteValue(v.value)+" breaks its pattern ("+v.kind+")", req(v.value), c.Field))
			}
		}
		return out
	}
	_, m, ok := d.base(c.Operation, c.Variant)
	if !ok {
		return nil
	}
	valid := g.valid(64)
	for _, v := range valid {
		out = append(out, d.positive(c, d.id(c, "pattern-"+c.Field+"-"+v.kind), c.Field+" "+v.value+" ("+v.kind+" form of its pattern)", d.request(c.Operation, with(m, c.Field, v.value))))
	}
	base, _ := m[c.Field].(string)
	for _, v := range g.invalid(base) {
		out = append(out, d.negative(c, d.id(c, "pattern-"+c.Field+"-"+v.kind), c.Field+" "+quoteValue(v.value)+" breaks its pattern ("+v.kind+")", d.request(c.Operation, with(m, c.Field, v.value)), c.Field))
	}
	return out
}

func quoteValue(s string) string { data, _ := json.Marshal(s); return string(data) }

func firstVariant(vs []variant) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0].name
}

// typeCases: the field as every JSON type its schema does not allow (the
// string one is Generate's type- case).
func (d *deriver) typeCases(c Constraint) []Case {
	_, m, ok := d.base(c.Operation, c.Variant)
	if !ok {
		return nil
	}
	var out []Case
	for _, t := range []struct {
		name  string
		value any
	}{{"number", 12.5}, {"boolean", true}, {"array", []any{"x"}}, {"object", map[string]any{"x": 1}}} {
		if c.Schema.Type.Is(t.name) || (t.name == "number" && c.Schema.Type.Is("integer")) {
			continue
		}
		if d.negativeOK(c, t.value) {
			out = append(out, d.negative(c, d.id(c, "type-"+c.Field+"-"+t.name), c.Field+" as a JSON "+t.name, d.request(c.Operation, with(m, c.Field, t.value)), c.Field))
		}
	}
	return out
}

// negativeOK reports whether value really breaks the property's schema.
func (d *deriver) negativeOK(c Constraint, value any) bool {
	return c.Schema.VisitJSON(value) != nil
}

func (d *deriver) lengthCases(c Constraint) []Case {
	_, m, ok := d.base(c.Operation, c.Variant)
	if !ok {
		return nil
	}
	var out []Case
	if c.Schema.MaxLength != nil {
		long := strings.Repeat("9", int(*c.Schema.MaxLength)+1)
		out = append(out, d.negative(c, d.id(c, "length-"+c.Field+"-over"), fmt.Sprintf("%s one character over its maxLength %d", c.Field, *c.Schema.MaxLength), d.request(c.Operation, with(m, c.Field, long)), c.Field))
	}
	if c.Schema.MinLength > 0 {
		short := strings.Repeat("9", int(c.Schema.MinLength)-1)
		out = append(out, d.negative(c, d.id(c, "length-"+c.Field+"-under"), fmt.Sprintf("%s one character under its minLength %d", c.Field, c.Schema.MinLength), d.request(c.Operation, with(m, c.Field, short)), c.Field))
	}
	return out
}

// securityCases add to Generate's auth-none and auth-wrong the other
// credentials a server could mistake for the caller's: another scheme
// carrying the token, a Basic value that does not decode, another
// account's Auth ID with the caller's token.
func (d *deriver) securityCases(c Constraint) []Case {
	op := d.ops[c.Operation]
	_, m, _ := d.base(c.Operation, firstVariant(d.variants[c.Operation]))
	var body json.RawMessage
	if m != nil {
		body, _ = json.Marshal(m)
	}
	var out []Case
	for _, a := range []struct {
		auth Auth
		desc string
	}{{AuthBearer, "the Auth Token as a Bearer token"}, {AuthMalformed, "a Basic value that is not base64"}, {AuthOtherID, "another account's Auth ID with the caller's token"}} {
		out = append(out, Case{ID: c.Operation + "/auth-" + string(a.auth), Operation: c.Operation, Safe: true, Constraint: c.Pointer, Description: a.desc,
			Request: Request{Method: op.method, Path: op.path, Body: body, Auth: a.auth},
			Expect:  Expect{Outcome: OutcomeReject, Status: http.StatusUnauthorized}})
	}
	return out
}

// OtherAccountID is the Auth ID the other-account cases put in the path:
// the shape of a real one (20 characters, MA...), no one's.
const OtherAccountID = "MAPHLOMOCKOTHER00001"

// accountCases: the caller's request under another account's path. A
// server that ignores the path runs the caller's PHLO for an account that
// did not ask; it is live (a lenient server would place the call).
func (d *deriver) accountCases(c Constraint) []Case {
	op := d.ops[c.Operation]
	_, m, _ := d.base(c.Operation, firstVariant(d.variants[c.Operation]))
	var body json.RawMessage
	if m != nil {
		body, _ = json.Marshal(m)
	}
	return []Case{{ID: c.Operation + "/other-account", Operation: c.Operation, Safe: false, RealIDs: true, Constraint: c.Pointer,
		Description: "the caller's credentials under another account's path (" + OtherAccountID + ")",
		Request:     Request{Method: op.method, Path: op.path, Body: body, PathParams: map[string]string{c.Field: OtherAccountID}},
		Expect:      Expect{Outcome: OutcomeReject}}}
}

// derive builds the deriver for the spec and returns its cases.
func derive(spec *openapi3.T, ops []operation, opts GenerateOptions, unknown string) (*deriver, []Case, error) {
	d := &deriver{ops: map[string]operation{}, variants: map[string][]variant{}, unknown: unknown,
		rnd: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	words := map[string]bool{}
	for _, op := range ops {
		d.ops[op.id] = op
		vs, err := bodyVariants(op)
		if err != nil {
			return nil, nil, err
		}
		d.variants[op.id] = vs
	}
	cons := Constraints(spec)
	for _, c := range cons {
		for _, v := range c.Values {
			words[v] = true
		}
	}
	d.words = sortedKeys(words)
	n := opts.MaxExamples
	if n == 0 {
		n = DefaultMaxExamples
	}
	return d, d.derived(cons, n), nil
}
