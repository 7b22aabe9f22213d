package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrSyntax is wrapped by every ParseError whose file is not well-formed YAML.
var ErrSyntax = errors.New("yaml syntax error")

// ParseError is one problem of a scenario file, at a position.
type ParseError struct {
	File   string
	Line   int
	Column int
	Msg    string
	Err    error // optional cause, for errors.Is
}

func (e *ParseError) Error() string {
	file := e.File
	if file == "" {
		file = "<scenario>"
	}
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", file, e.Msg)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", file, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Column, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parse decodes a scenario file strictly: unknown keys, duplicate keys, wrong
// types and malformed durations or templates are errors. Every error is a
// *ParseError naming filename:line:column; all are reported at once, joined
// with errors.Join. Parse does not check operation ids or other semantic
// rules: call Validate for that.
func Parse(filename string, data []byte) (*Scenario, error) {
	s, _, err := parse(filename, data)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parse is Parse, returning what it could decode along with the errors (nil
// for a file that is not YAML), so that Check can validate the rest, and
// the positions of the mappings that hold a problem (see tainted).
func parse(filename string, data []byte) (*Scenario, map[Pos]bool, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, syntaxError(filename, data, err)
	}
	d := &decoder{file: filename}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorf(&extra, "a second YAML document: a scenario file holds one (split it into files)")
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, syntaxError(filename, data, err)
	}
	s := &Scenario{File: filename, Source: bytes.Clone(data)}
	if root.Kind == 0 || len(root.Content) == 0 {
		d.errorf(&root, "empty file: want a mapping with version: %d", Version)
		return nil, nil, d.err()
	}
	doc := root.Content[0]
	var sawVersion bool
	d.mapping(doc, []string{"version", "name", "description", "stateful", "world", "rules", "interactions", "callbacks"}, func(key string, k, v *yaml.Node) bool {
		switch key {
		case "version":
			sawVersion = true
			before := len(d.errs)
			s.Version = d.int(v)
			if s.Version != Version && len(d.errs) == before {
				d.errorf(v, "unsupported version %d: this phlomock reads version %d", s.Version, Version)
			}
		case "name":
			s.Name = d.str(v)
		case "description":
			s.Description = d.str(v)
		case "stateful":
			s.Stateful = d.bool(v)
		case "world":
			s.World = d.world(v)
		case "rules":
			d.seq(v, func(n *yaml.Node) { s.Rules = append(s.Rules, d.rule(n)) })
		case "interactions":
			d.seq(v, func(n *yaml.Node) { s.Interactions = append(s.Interactions, d.interaction(n)) })
		case "callbacks":
			s.Callbacks = d.callbacks(v)
		default:
			return false
		}
		return true
	})
	if doc.Kind == yaml.MappingNode && !sawVersion {
		d.errorf(doc, "missing version: want version: %d", Version)
	}
	return s, d.tainted(&root), d.err()
}

// tainted returns the positions of the mappings and sequences that hold a
// node Parse found a problem in: a rule with a misspelt key. What Validate
// then says of them ("neither respond nor sequence") is a consequence, and
// Check leaves it out.
func (d *decoder) tainted(root *yaml.Node) map[Pos]bool {
	bad := map[*yaml.Node]bool{}
	for _, n := range d.errNodes {
		bad[n] = true
	}
	out := map[Pos]bool{}
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		hit := bad[n]
		for _, c := range n.Content {
			if walk(c) {
				hit = true
			}
		}
		if hit && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
			out[pos(n)] = true
		}
		return hit
	}
	walk(root)
	return out
}

// syntaxError places yaml's error. A tab in a line's indentation, which
// YAML forbids and yaml.v3 reports as a character that "cannot start any
// token" with no column, is named as such, at its line and column.
func syntaxError(file string, data []byte, err error) error {
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if col := strings.IndexByte(indent, '\t'); col >= 0 && strings.TrimSpace(line) != "" {
			return &ParseError{File: file, Line: i + 1, Column: col + 1, Msg: "YAML does not allow tabs for indentation: indent with spaces", Err: ErrSyntax}
		}
	}
	// yaml.v3 reports "yaml: line N: msg"; keep the line as a position.
	msg := err.Error()
	line := 0
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, convErr := strconv.Atoi(n); convErr == nil {
				line, msg = l, after
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &ParseError{File: file, Line: line, Msg: msg, Err: ErrSyntax}
}

type decoder struct {
	file     string
	errs     []error
	errNodes []*yaml.Node // where each error is, for tainted
}

func (d *decoder) err() error { return errors.Join(d.errs...) }

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errNodes = append(d.errNodes, n)
	d.errs = append(d.errs, &ParseError{File: d.file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

func pos(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// mapping walks a mapping node; field reports whether it knew the key. keys
// lists the known keys, to suggest one for a misspelling.
func (d *decoder) mapping(n *yaml.Node, keys []string, field func(key string, k, v *yaml.Node) bool) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "got %s, want a mapping", kindName(n))
		return
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, "got %s as a key, want a name", kindName(k))
			continue
		}
		if seen[k.Value] {
			d.errorf(k, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		if !field(k.Value, k, v) {
			if near := closest(k.Value, keys); near != "" {
				d.errorf(k, "unknown key %q (did you mean %q?)", k.Value, near)
			} else {
				d.errorf(k, "unknown key %q", k.Value)
			}
		}
	}
}

func (d *decoder) seq(n *yaml.Node, item func(*yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "got %s, want a list", kindName(n))
		return
	}
	for _, c := range n.Content {
		item(c)
	}
}

func (d *decoder) scalar(n *yaml.Node, want string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, "got %s, want %s", kindName(n), want)
		return false
	}
	return true
}

func (d *decoder) str(n *yaml.Node) string {
	if !d.scalar(n, "a string") {
		return ""
	}
	return n.Value
}

func (d *decoder) int(n *yaml.Node) int {
	if !d.scalar(n, "an integer") {
		return 0
	}
	i, err := strconv.Atoi(n.Value)
	if err != nil || n.Tag != "!!int" {
		d.errorf(n, "got %q, want an integer", n.Value)
		return 0
	}
	return i
}

func (d *decoder) bool(n *yaml.Node) bool {
	if !d.scalar(n, "true or false") {
		return false
	}
	b, err := strconv.ParseBool(n.Value)
	if err != nil || n.Tag != "!!bool" {
		d.errorf(n, "got %q, want true or false", n.Value)
	}
	return b
}

func (d *decoder) strMap(n *yaml.Node) map[string]string {
	m := map[string]string{}
	d.mapping(n, nil, func(key string, _, v *yaml.Node) bool {
		if d.scalar(v, "a string") {
			m[key] = v.Value
		}
		return true
	})
	return m
}

func (d *decoder) duration(n *yaml.Node) time.Duration {
	if !d.scalar(n, "a duration") {
		return 0
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errorf(n, "bad duration %q: want a number with a unit, like 200ms or 1.5s", n.Value)
		return 0
	}
	return v
}

// delay reads `delay: 200ms` or `delay: {min: 100ms, max: 300ms}`.
func (d *decoder) delay(n *yaml.Node) Delay {
	dl := Delay{Pos: pos(n)}
	if n.Kind == yaml.MappingNode {
		var sawMin, sawMax bool
		d.mapping(n, []string{"min", "max"}, func(key string, _, v *yaml.Node) bool {
			switch key {
			case "min":
				sawMin, dl.Min = true, d.duration(v)
			case "max":
				sawMax, dl.Max = true, d.duration(v)
			default:
				return false
			}
			return true
		})
		if !sawMin || !sawMax {
			d.errorf(n, "a delay range needs both min and max")
		}
		return dl
	}
	dl.Min = d.duration(n)
	dl.Max = dl.Min
	return dl
}

// value turns a YAML node into a JSON value: map[string]any, []any, string,
// float64, bool or nil.
func (d *decoder) value(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		d.mapping(n, nil, func(key string, _, v *yaml.Node) bool {
			m[key] = d.value(v)
			return true
		})
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			l = append(l, d.value(c))
		}
		return l
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil
		case "!!bool":
			b, _ := strconv.ParseBool(n.Value)
			return b
		case "!!int", "!!float":
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				d.errorf(n, "number %q cannot be written as JSON", n.Value)
				return nil
			}
			return f
		}
		return n.Value
	}
	d.errorf(n, "got %s, want a JSON value", kindName(n))
	return nil
}

func (d *decoder) world(n *yaml.Node) World {
	var w World
	d.mapping(n, []string{"accounts", "phlos"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "accounts":
			d.seq(v, func(n *yaml.Node) {
				a := Account{Pos: pos(n)}
				d.mapping(n, []string{"auth_id", "auth_token"}, func(key string, _, v *yaml.Node) bool {
					switch key {
					case "auth_id":
						a.AuthID = d.str(v)
					case "auth_token":
						a.AuthToken = d.str(v)
					default:
						return false
					}
					return true
				})
				w.Accounts = append(w.Accounts, a)
			})
		case "phlos":
			d.seq(v, func(n *yaml.Node) { w.PHLOs = append(w.PHLOs, d.phlo(n)) })
		default:
			return false
		}
		return true
	})
	return w
}

func (d *decoder) phlo(n *yaml.Node) PHLO {
	p := PHLO{Pos: pos(n)}
	d.mapping(n, []string{"id", "name", "created_on", "nodes"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "id":
			p.ID = d.str(v)
		case "name":
			p.Name = d.str(v)
		case "created_on":
			p.CreatedOn = d.str(v)
		case "nodes":
			d.seq(v, func(n *yaml.Node) { p.Nodes = append(p.Nodes, d.node(n)) })
		default:
			return false
		}
		return true
	})
	return p
}

func (d *decoder) node(n *yaml.Node) Node {
	nd := Node{Pos: pos(n)}
	d.mapping(n, []string{"id", "name", "created_on", "members", "callbacks"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "id":
			nd.ID = d.str(v)
		case "name":
			nd.Name = d.str(v)
		case "created_on":
			nd.CreatedOn = d.str(v)
		case "members":
			d.seq(v, func(n *yaml.Node) {
				m := Member{Pos: pos(n)}
				d.mapping(n, []string{"address", "role", "state"}, func(key string, _, v *yaml.Node) bool {
					switch key {
					case "address":
						m.Address = d.str(v)
					case "role":
						m.Role = d.str(v)
					case "state":
						m.State = d.str(v)
					default:
						return false
					}
					return true
				})
				nd.Members = append(nd.Members, m)
			})
		case "callbacks":
			nd.Callbacks = d.nodeCallbacks(v)
		default:
			return false
		}
		return true
	})
	return nd
}

func (d *decoder) rule(n *yaml.Node) Rule {
	r := Rule{Pos: pos(n)}
	d.mapping(n, []string{"name", "match", "respond", "sequence", "times"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "name":
			r.Name = d.str(v)
		case "match":
			r.Match = d.match(v)
		case "respond":
			resp := d.response(v, nil)
			r.Respond = &resp
		case "sequence":
			if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
				d.errorf(v, "empty sequence: want at least one step")
			}
			d.seq(v, func(n *yaml.Node) {
				st := Step{Times: 1}
				st.Response = d.response(n, func(key string, v *yaml.Node) bool {
					if key != "times" {
						return false
					}
					st.Times = d.int(v)
					return true
				})
				r.Sequence = append(r.Sequence, st)
			})
		case "times":
			r.Times = d.int(v)
		default:
			return false
		}
		return true
	})
	return r
}

func (d *decoder) match(n *yaml.Node) Match {
	var m Match
	d.mapping(n, []string{"operation", "method", "path", "path_params", "body", "headers", "auth_id"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "operation":
			m.Operation, m.OperationPos = d.str(v), pos(v)
		case "method":
			m.Method, m.MethodPos = d.str(v), pos(v)
		case "path":
			m.Path, m.PathPos = d.str(v), pos(v)
			if _, err := path.Match(m.Path, ""); err != nil {
				d.errorf(v, "bad path pattern %q: %v", m.Path, err)
			}
		case "path_params":
			m.PathParams = d.strMap(v)
			d.positions(&m, "path_params.", v)
		case "body":
			m.Body = d.strMap(v)
			d.positions(&m, "body.", v)
		case "headers":
			m.Headers = d.strMap(v)
		case "auth_id":
			m.AuthID = d.str(v)
		default:
			return false
		}
		return true
	})
	return m
}

// positions keeps where the keys and values of a match's mapping n were
// written, under prefix+key.
func (d *decoder) positions(m *Match, prefix string, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return
	}
	if m.KeyPos == nil {
		m.KeyPos, m.ValuePos = map[string]Pos{}, map[string]Pos{}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m.KeyPos[prefix+n.Content[i].Value] = pos(n.Content[i])
		m.ValuePos[prefix+n.Content[i].Value] = pos(n.Content[i+1])
	}
}

// response reads a response mapping, or the short form `respond: 500`.
// extra, when set, may claim additional keys (a sequence step's times).
func (d *decoder) response(n *yaml.Node, extra func(key string, v *yaml.Node) bool) Response {
	r := Response{Pos: pos(n)}
	responseKeys := []string{"status", "headers", "body", "delay", "drop"}
	if extra != nil {
		responseKeys = append(responseKeys, "times")
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		r.Status = d.int(n)
		return r
	}
	d.mapping(n, responseKeys, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "status":
			r.Status = d.int(v)
		case "headers":
			r.Headers = d.strMap(v)
		case "body":
			if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
				r.Body, r.BodyRaw = v.Value, true
			} else {
				r.Body = d.value(v)
			}
			if err := checkTemplate(r.Body); err != nil {
				d.errorf(v, "%v", err)
			}
		case "delay":
			r.Delay = d.delay(v)
		case "drop":
			r.Drop = d.bool(v)
		default:
			return extra != nil && extra(key, v)
		}
		return true
	})
	return r
}

func (d *decoder) interaction(n *yaml.Node) Interaction {
	in := Interaction{Pos: pos(n)}
	d.mapping(n, []string{"name", "request", "expect"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "name":
			in.Name = d.str(v)
		case "request":
			in.Request = d.interactionRequest(v)
		case "expect":
			in.Expect = d.expect(v)
		default:
			return false
		}
		return true
	})
	return in
}

func (d *decoder) interactionRequest(n *yaml.Node) InteractionRequest {
	var r InteractionRequest
	d.mapping(n, []string{"operation", "method", "path", "path_params", "headers", "auth", "body"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "operation":
			r.Operation, r.OperationPos = d.str(v), pos(v)
		case "method":
			r.Method = d.str(v)
		case "path":
			r.Path = d.str(v)
		case "path_params":
			r.PathParams = d.strMap(v)
		case "headers":
			r.Headers = d.strMap(v)
		case "auth":
			r.Auth = d.str(v)
		case "body":
			r.Body = d.value(v)
		default:
			return false
		}
		return true
	})
	return r
}

func (d *decoder) expect(n *yaml.Node) Expect {
	e := Expect{Pos: pos(n)}
	d.mapping(n, []string{"status", "body", "error"}, func(key string, _, v *yaml.Node) bool {
		switch key {
		case "status":
			e.Status = d.int(v)
		case "body":
			if v.Kind != yaml.MappingNode {
				d.errorf(v, "got %s, want a mapping of fields", kindName(v))
				return true
			}
			e.Body, _ = d.value(v).(map[string]any)
		case "error":
			e.Error = d.str(v)
		default:
			return false
		}
		return true
	})
	return e
}

// closest returns the option nearest to word when it is a likely
// misspelling (an edit distance of at most 2, or only case differs), else "".
func closest(word string, options []string) string {
	best, bestDist := "", 3
	for _, o := range options {
		if strings.EqualFold(o, word) {
			return o
		}
		if d := editDistance(strings.ToLower(word), strings.ToLower(o)); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
