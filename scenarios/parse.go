package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"

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
	d.mapping(doc, func(key string, k, v *yaml.Node) bool {
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
