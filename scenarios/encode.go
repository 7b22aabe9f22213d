package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/phlomock/phlomock/internal/lazyre"
	"gopkg.in/yaml.v3"
)

// Marshal writes s in the format Parse reads: the version key first, the
// keys of each mapping in the order this package documents them, the
// short forms Parse accepts (respond: 500, delay: 200ms, url: ...), and
// every string that a YAML 1.1 or 1.2 reader could take for something
// else ("on", "+14155550100", "0755", "{{api_id}}") double-quoted. Positions,
// File and Source are not written. What Parse would read back differently
// is an error: a string that is not UTF-8, a number JSON cannot hold, a
// value of a Go type JSON has no kind for. Marshal does not validate: what
// it writes passes Check when s passes Validate.
func Marshal(s *Scenario) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Encode writes s to w as Marshal does.
func Encode(w io.Writer, s *Scenario) error {
	e := &encoder{}
	doc := e.scenario(s)
	if e.err != nil {
		return e.err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("scenarios: encode: %w", err)
	}
	return enc.Close()
}

// encoder builds the YAML tree; err is its first problem.
type encoder struct {
	err  error
	path []string
}

func (e *encoder) fail(format string, args ...any) {
	if e.err == nil {
		e.err = fmt.Errorf("scenarios: encode %s: %s", strings.Join(e.path, "."), fmt.Sprintf(format, args...))
	}
}

// mapping is a mapping node under construction; add skips what Parse
// would read as absent anyway.
type mapping struct {
	e *encoder
	n *yaml.Node
}

func (e *encoder) mapping() *mapping {
	return &mapping{e: e, n: &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}}
}

func (m *mapping) add(key string, v *yaml.Node) {
	if v == nil {
		return
	}
	m.n.Content = append(m.n.Content, m.e.str(key), v)
}

func (m *mapping) str(key, v string) {
	if v != "" {
		m.add(key, m.e.str(v))
	}
}

func (m *mapping) int(key string, v int) {
	if v != 0 {
		m.add(key, scalar("!!int", strconv.Itoa(v)))
	}
}

func (m *mapping) bool(key string, v bool) {
	if v {
		m.add(key, scalar("!!bool", "true"))
	}
}

func (m *mapping) strMap(key string, v map[string]string) {
	if v == nil {
		return
	}
	n := m.e.mapping()
	for _, k := range sortedKeys(v) {
		n.add(k, m.e.str(v[k]))
	}
	m.add(key, n.n)
}

func (m *mapping) node() *yaml.Node {
	if len(m.n.Content) == 0 {
		m.n.Style = yaml.FlowStyle // {}
	}
	return m.n
}

func scalar(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }

func seq(items []*yaml.Node) *yaml.Node {
	if len(items) == 0 {
		return nil
	}
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// plainSafe are the strings every YAML reader takes as strings when they
// are written without quotes; the rest are double-quoted.
var plainSafe = lazyre.New(`^[A-Za-z0-9_/][A-Za-z0-9_./@()-]*( [A-Za-z0-9_./@()-]+)*$`)

// date is the start of a YAML 1.1 timestamp.
var date = lazyre.New(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)

// plain says whether v can be written without quotes: what plainSafe
// allows and, for what starts with a digit (an id such as
// 0a1b2c3d-4e5f-...), nothing any YAML reader takes for a number or a
// date: a letter, no underscore (1_000 is a number in YAML 1.1), not a
// number for Go either (1e3, 0x1F).
func plain(v string) bool {
	if !plainSafe.MatchString(v) || yaml11Words[strings.ToLower(v)] {
		return false
	}
	if v[0] < '0' || v[0] > '9' {
		return true
	}
	if strings.Contains(v, "_") || date.MatchString(v) || !strings.ContainsFunc(v, unicode.IsLetter) {
		return false
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return false
	}
	_, err := strconv.ParseInt(v, 0, 64)
	return err != nil
}

// yaml11Words are plain scalars a YAML 1.1 reader takes for a boolean or
// null (yaml.v3 reads YAML 1.2, where most of them are strings).
var yaml11Words = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true, "nan": true, "inf": true}

func (e *encoder) str(v string) *yaml.Node {
	if !utf8.ValidString(v) {
		e.fail("%q is not UTF-8: a scenario file is text", v)
	}
	n := scalar("!!str", v)
	if !plain(v) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func (e *encoder) in(name string, f func()) {
	e.path = append(e.path, name)
	f()
	e.path = e.path[:len(e.path)-1]
}

func (e *encoder) scenario(s *Scenario) *yaml.Node {
	m := e.mapping()
	version := s.Version
	if version == 0 {
		version = Version
	}
	m.add("version", scalar("!!int", strconv.Itoa(version)))
	m.str("name", s.Name)
	m.str("description", s.Description)
	m.bool("stateful", s.Stateful)
	e.in("world", func() { m.add("world", e.world(s.World)) })
	var rules, interactions []*yaml.Node
	for i := range s.Rules {
		e.in(fmt.Sprintf("rules[%d]", i), func() { rules = append(rules, e.rule(&s.Rules[i])) })
	}
	m.add("rules", seq(rules))
	for i := range s.Interactions {
		e.in(fmt.Sprintf("interactions[%d]", i), func() { interactions = append(interactions, e.interaction(&s.Interactions[i])) })
	}
	m.add("interactions", seq(interactions))
	e.in("callbacks", func() { m.add("callbacks", e.callbacks(s.Callbacks)) })
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m.node()}}
}

func (e *encoder) world(w World) *yaml.Node {
	m := e.mapping()
	var accounts, phlos []*yaml.Node
	for _, a := range w.Accounts {
		am := e.mapping()
		am.str("auth_id", a.AuthID)
		am.str("auth_token", a.AuthToken)
		accounts = append(accounts, am.node())
	}
	m.add("accounts", seq(accounts))
	for _, p := range w.PHLOs {
		pm := e.mapping()
		pm.str("id", p.ID)
		pm.str("name", p.Name)
		pm.str("created_on", p.CreatedOn)
		var nodes []*yaml.Node
		for _, n := range p.Nodes {
			nodes = append(nodes, e.node(n))
		}
		pm.add("nodes", seq(nodes))
		phlos = append(phlos, pm.node())
	}
	m.add("phlos", seq(phlos))
	if len(m.n.Content) == 0 {
		return nil
	}
	return m.node()
}

func (e *encoder) node(n Node) *yaml.Node {
	m := e.mapping()
	m.str("id", n.ID)
	m.str("name", n.Name)
	m.str("created_on", n.CreatedOn)
	var members []*yaml.Node
	for _, mb := range n.Members {
		mm := e.mapping()
		mm.str("address", mb.Address)
		mm.str("role", mb.Role)
		mm.str("state", mb.State)
		members = append(members, mm.node())
	}
	m.add("members", seq(members))
	if c := n.Callbacks; c != nil {
		cm := e.mapping()
		if len(c.URLs) == 1 {
			cm.add("url", e.str(c.URLs[0]))
		} else {
			var urls []*yaml.Node
			for _, u := range c.URLs {
				urls = append(urls, e.str(u))
			}
			cm.add("urls", seq(urls))
		}
		cm.str("method", c.Method)
		cm.str("from", c.From)
		m.add("callbacks", cm.node())
	}
	return m.node()
}

func (e *encoder) rule(r *Rule) *yaml.Node {
	m := e.mapping()
	m.str("name", r.Name)
	m.add("match", e.match(&r.Match))
	if r.Respond != nil {
		m.add("respond", e.response(r.Respond, 0))
	}
	if r.Sequence != nil {
		steps := make([]*yaml.Node, 0, len(r.Sequence))
		for i := range r.Sequence {
			steps = append(steps, e.response(&r.Sequence[i].Response, r.Sequence[i].Times))
		}
		m.add("sequence", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: steps})
	}
	m.int("times", r.Times)
	return m.node()
}

func (e *encoder) match(mt *Match) *yaml.Node {
	m := e.mapping()
	m.str("operation", mt.Operation)
	m.str("method", mt.Method)
	m.str("path", mt.Path)
	m.strMap("path_params", mt.PathParams)
	m.strMap("body", mt.Body)
	m.strMap("headers", mt.Headers)
	m.str("auth_id", mt.AuthID)
	if len(m.n.Content) == 0 {
		return nil // matches every request, as no match key does
	}
	return m.node()
}

// response writes r; times is a sequence step's (1, the default, is left
// out; 0 outside a sequence).
func (e *encoder) response(r *Response, times int) *yaml.Node {
	if r.Status != 0 && r.Headers == nil && r.Body == nil && r.Delay.IsZero() && !r.Drop && times <= 1 {
		return scalar("!!int", strconv.Itoa(r.Status)) // respond: 500
	}
	m := e.mapping()
	m.int("status", r.Status)
	m.strMap("headers", r.Headers)
	if r.Body != nil {
		e.in("body", func() {
			if s, ok := r.Body.(string); ok {
				// A string body is raw text: the only way the format
				// writes a string body.
				m.add("body", e.str(s))
				return
			}
			m.add("body", e.value(r.Body))
		})
	}
	if !r.Delay.IsZero() {
		m.add("delay", e.delay(r.Delay))
	}
	m.bool("drop", r.Drop)
	if times > 1 {
		m.int("times", times)
	}
	return m.node()
}

func (e *encoder) delay(d Delay) *yaml.Node {
	if d.Min == d.Max {
		return scalar("!!str", duration(d.Min))
	}
	m := e.mapping()
	m.add("min", scalar("!!str", duration(d.Min)))
	m.add("max", scalar("!!str", duration(d.Max)))
	m.n.Style = yaml.FlowStyle
	return m.n
}

// duration is d as time.ParseDuration reads it back exactly.
func duration(d time.Duration) string { return d.String() }

// value writes a JSON value: map[string]any, []any, string, a number, bool
// or nil (and json.Number, as encoding/json decodes with UseNumber).
func (e *encoder) value(v any) *yaml.Node {
	switch v := v.(type) {
	case nil:
		return scalar("!!null", "null")
	case string:
		return e.str(v)
	case bool:
		return scalar("!!bool", strconv.FormatBool(v))
	case float64:
		return e.number(v)
	case float32:
		return e.number(float64(v))
	case int:
		return scalar("!!int", strconv.Itoa(v))
	case int64:
		return scalar("!!int", strconv.FormatInt(v, 10))
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			e.fail("number %s: %v", v, err)
			return nil
		}
		if i, err := v.Int64(); err == nil {
			return scalar("!!int", strconv.FormatInt(i, 10))
		}
		return e.number(f)
	case map[string]any:
		m := e.mapping()
		for _, k := range sortedKeys(v) {
			e.in(k, func() { m.add(k, e.value(v[k])) })
		}
		return m.node()
	case map[string]string:
		m := e.mapping()
		for _, k := range sortedKeys(v) {
			m.add(k, e.str(v[k]))
		}
		return m.node()
	case []string:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for _, x := range v {
			n.Content = append(n.Content, e.str(x))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for i, x := range v {
			e.in(strconv.Itoa(i), func() { n.Content = append(n.Content, e.value(x)) })
		}
		return n
	}
	e.fail("a %T is not a JSON value", v)
	return nil
}

func (e *encoder) number(f float64) *yaml.Node {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.fail("number %v cannot be written as JSON", f)
		return nil
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return scalar("!!int", strconv.FormatFloat(f, 'f', -1, 64))
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".") {
		// YAML 1.1 wants a dot in a float: 1e+21 is 1.0e+21.
		if i := strings.IndexAny(s, "e"); i >= 0 {
			s = s[:i] + ".0" + s[i:]
		} else {
			s += ".0"
		}
	}
	return scalar("!!float", s)
}

func (e *encoder) interaction(in *Interaction) *yaml.Node {
	m := e.mapping()
	m.str("name", in.Name)
	r := in.Request
	rm := e.mapping()
	rm.str("operation", r.Operation)
	rm.str("method", r.Method)
	rm.str("path", r.Path)
	rm.strMap("path_params", r.PathParams)
	rm.strMap("headers", r.Headers)
	rm.str("auth", r.Auth)
	if r.Body != nil {
		e.in("request.body", func() { rm.add("body", e.value(r.Body)) })
	}
	m.add("request", rm.node())
	x := in.Expect
	xm := e.mapping()
	xm.int("status", x.Status)
	if x.Body != nil {
		e.in("expect.body", func() { xm.add("body", e.value(x.Body)) })
	}
	xm.str("error", x.Error)
	m.add("expect", xm.node())
	return m.node()
}

func (e *encoder) callbacks(c Callbacks) *yaml.Node {
	if len(c.Faults) == 0 {
		return nil
	}
	var faults []*yaml.Node
	for _, f := range c.Faults {
		fm := e.mapping()
		fm.str("event", f.Event)
		fm.str("action", f.Action)
		fm.int("nth", f.Nth)
		if !f.Delay.IsZero() {
			fm.add("delay", e.delay(f.Delay))
		}
		fm.bool("drop", f.Drop)
		fm.int("duplicate", f.Duplicate)
		fm.bool("reorder", f.Reorder)
		fm.bool("bad_signature", f.BadSignature)
		fm.bool("fail", f.Fail)
		faults = append(faults, fm.node())
	}
	m := e.mapping()
	m.add("faults", seq(faults))
	return m.node()
}
