package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

type decoder struct {
	file     string
	errs     []error
	errNodes []*yaml.Node // where each error is, for tainted
	path     []string     // the keys (and "[]" for a list item) down to here
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

// mapping walks a mapping node; field reports whether it knew the key. An
// unknown key is named with where it belongs (keys.go) or, misspelt, the
// key of this place it is nearest to.
func (d *decoder) mapping(n *yaml.Node, field func(key string, k, v *yaml.Node) bool) {
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
		d.path = append(d.path, k.Value)
		known := field(k.Value, k, v)
		d.path = d.path[:len(d.path)-1]
		if !known {
			d.errorf(k, "%s", unknownKey(d.place(), k.Value))
		}
	}
}

// seq walks a list node, each item one level deeper ("rules[]").
func (d *decoder) seq(n *yaml.Node, item func(*yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "got %s, want a list", kindName(n))
		return
	}
	d.path = append(d.path, "[]")
	defer func() { d.path = d.path[:len(d.path)-1] }()
	for _, c := range n.Content {
		item(c)
	}
}

// place is where the decoder is, as keys.go names places: rules[].respond.
func (d *decoder) place() string {
	var b strings.Builder
	for i, p := range d.path {
		if i > 0 && p != "[]" {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
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
	d.mapping(n, func(key string, _, v *yaml.Node) bool {
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
		d.mapping(n, func(key string, _, v *yaml.Node) bool {
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
		d.mapping(n, func(key string, _, v *yaml.Node) bool {
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
