package overlay

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Overlay is a parsed Overlay 1.0 document.
type Overlay struct {
	Version string   // the "overlay" field, 1.0.x
	Title   string   // info.title
	Info    string   // info.version
	Extends string   // the document it was written for, informative
	Actions []Action // in order
}

// Action is one update or remove. Line is where it starts in the overlay file.
type Action struct {
	Target      string
	Description string
	Update      any // nil unless an update
	Remove      bool
	Line        int

	path path
}

// Error is a malformed overlay or an action that cannot be applied. Line is
// 1-based and 0 when unknown.
type Error struct {
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d: %v", e.Line, e.Err)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Sentinels wrapped by Error.
var (
	ErrVersion = errors.New("unsupported overlay version")
	ErrInvalid = errors.New("invalid overlay")
	ErrTarget  = errors.New("unsupported target")
)

var known = map[string]map[string]bool{
	"overlay": {"overlay": true, "info": true, "extends": true, "actions": true},
	"info":    {"title": true, "version": true},
	"action":  {"target": true, "description": true, "update": true, "remove": true},
}

// Parse reads an Overlay 1.0 document (YAML or JSON) strictly: unknown fields
// other than x- extensions are errors, with their line.
func Parse(data []byte) (*Overlay, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{Line: 1, Err: fmt.Errorf("%w: want a mapping with overlay, info and actions", ErrInvalid)}
	}
	var errs []error
	fail := func(n *yaml.Node, format string, args ...any) {
		errs = append(errs, &Error{Line: n.Line, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)})
	}
	o := &Overlay{}
	top := root.Content[0]
	fields := mapping(top, "overlay", fail)
	if n := fields["overlay"]; n == nil {
		fail(top, "missing \"overlay\" version")
	} else if o.Version = n.Value; !strings.HasPrefix(o.Version, "1.0") {
		errs = append(errs, &Error{Line: n.Line, Err: fmt.Errorf("%w %q: want 1.0.x", ErrVersion, o.Version)})
	}
	if n := fields["extends"]; n != nil {
		o.Extends = n.Value
	}
	if n := fields["info"]; n == nil {
		fail(top, "missing \"info\"")
	} else {
		info := mapping(n, "info", fail)
		if info["title"] == nil || info["version"] == nil {
			fail(n, "info needs a title and a version")
		} else {
			o.Title, o.Info = info["title"].Value, info["version"].Value
		}
	}
	actions := fields["actions"]
	if actions == nil || actions.Kind != yaml.SequenceNode || len(actions.Content) == 0 {
		fail(top, "want a non-empty \"actions\" list")
	} else {
		for _, n := range actions.Content {
			if a, ok := parseAction(n, fail); ok {
				o.Actions = append(o.Actions, a)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return o, nil
}

func mapping(n *yaml.Node, kind string, fail func(*yaml.Node, string, ...any)) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		fail(n, "%s: want a mapping", kind)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !known[kind][k.Value] && !strings.HasPrefix(k.Value, "x-") {
			fail(k, "%s: unknown field %q", kind, k.Value)
			continue
		}
		out[k.Value] = n.Content[i+1]
	}
	return out
}

func parseAction(n *yaml.Node, fail func(*yaml.Node, string, ...any)) (Action, bool) {
	fields := mapping(n, "action", fail)
	a := Action{Line: n.Line}
	t := fields["target"]
	if t == nil || t.Value == "" {
		fail(n, "action: missing target")
		return a, false
	}
	a.Target = t.Value
	path, err := parsePath(a.Target)
	if err != nil {
		fail(t, "target %q: %w", a.Target, err)
		return a, false
	}
	a.path = path
	if d := fields["description"]; d != nil {
		a.Description = d.Value
	}
	if r := fields["remove"]; r != nil {
		if err := r.Decode(&a.Remove); err != nil {
			fail(r, "remove: want true or false")
			return a, false
		}
	}
	if u := fields["update"]; u != nil {
		var v any
		if err := u.Decode(&v); err != nil {
			fail(u, "update: %v", err)
			return a, false
		}
		a.Update = normalize(v)
	}
	switch {
	case a.Remove && a.Update != nil:
		fail(n, "action on %q: update and remove together", a.Target)
		return a, false
	case !a.Remove && a.Update == nil:
		fail(n, "action on %q: neither update nor remove: true", a.Target)
		return a, false
	}
	return a, true
}

// normalize turns YAML's decoded values into JSON's: string keys, float64
// numbers stay as YAML gives them (int or float64), which both encoders accept.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalize(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		for i := range v {
			v[i] = normalize(v[i])
		}
		return v
	}
	return v
}

// Apply applies the actions in order to doc, a document decoded from JSON,
// and returns the result. doc is modified in place unless the root is
// replaced. unmatched lists the actions whose target selected nothing.
// On error nothing is guaranteed about doc: apply to a copy.
func (o *Overlay) Apply(doc any) (out any, unmatched []string, err error) {
	root := &doc
	for _, a := range o.Actions {
		refs, err := a.path.resolve(root)
		if err != nil {
			return nil, nil, &Error{Line: a.Line, Err: fmt.Errorf("target %q: %w", a.Target, err)}
		}
		if len(refs) == 0 {
			unmatched = append(unmatched, fmt.Sprintf("%d: target %q selects nothing", a.Line, a.Target))
			continue
		}
		if a.Remove {
			if err := remove(refs); err != nil {
				return nil, nil, &Error{Line: a.Line, Err: fmt.Errorf("target %q: %w", a.Target, err)}
			}
			continue
		}
		for _, r := range refs {
			r.set(update(r.get(), deepCopy(a.Update)))
		}
	}
	return *root, unmatched, nil
}

// update merges u into target: objects recursively, u's other values replace,
// and an array target gets u appended (u's elements, when u is an array).
func update(target, u any) any {
	switch t := target.(type) {
	case map[string]any:
		um, ok := u.(map[string]any)
		if !ok {
			return u
		}
		keys := make([]string, 0, len(um))
		for k := range um {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if old, exists := t[k]; exists {
				if _, isMap := old.(map[string]any); isMap {
					t[k] = update(old, um[k])
					continue
				}
			}
			t[k] = um[k]
		}
		return t
	case []any:
		if ua, ok := u.([]any); ok {
			return append(t, ua...)
		}
		return append(t, u)
	}
	return u
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = deepCopy(v[i])
		}
		return out
	}
	return v
}

// syntaxError keeps the line of yaml.v3's "yaml: line N: msg" as the
// Error's, so that the message reads file:line: like every other.
func syntaxError(err error) *Error {
	msg, line := strings.TrimPrefix(err.Error(), "yaml: "), 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, convErr := strconv.Atoi(n); convErr == nil {
				line, msg = l, after
			}
		}
	}
	return &Error{Line: line, Err: fmt.Errorf("%w: %s", ErrInvalid, msg)}
}
