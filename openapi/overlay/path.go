package overlay

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// segment selects children: by names, by index, or all of them.
type segment struct {
	names []string
	index int // when names is nil and !wild
	wild  bool
}

type path []segment

// parsePath reads the JSONPath subset documented in the package comment.
func parsePath(s string) (path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("%w: must start with $", ErrTarget)
	}
	var p path
	rest := s[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".."):
			return nil, fmt.Errorf("%w: recursive descent (..)", ErrTarget)
		case strings.HasPrefix(rest, ".*"):
			p, rest = append(p, segment{wild: true}), rest[2:]
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : 1+end]
			if name == "" {
				return nil, fmt.Errorf("%w: empty name", ErrTarget)
			}
			p, rest = append(p, segment{names: []string{name}}), rest[1+end:]
		case rest[0] == '[':
			seg, n, err := bracket(rest)
			if err != nil {
				return nil, err
			}
			p, rest = append(p, seg), rest[n:]
		default:
			return nil, fmt.Errorf("%w: unexpected %q", ErrTarget, rest)
		}
	}
	return p, nil
}

// bracket reads [*], [3], ['a'], ["a"] or ['a','b'] and returns its length.
func bracket(s string) (segment, int, error) {
	i := 1
	skip := func() {
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
	skip()
	if i >= len(s) {
		return segment{}, 0, fmt.Errorf("%w: unclosed [", ErrTarget)
	}
	switch c := s[i]; {
	case c == '*':
		i++
		skip()
		if i >= len(s) || s[i] != ']' {
			return segment{}, 0, fmt.Errorf("%w: want ] after *", ErrTarget)
		}
		return segment{wild: true}, i + 1, nil
	case c == '?':
		return segment{}, 0, fmt.Errorf("%w: filter expressions", ErrTarget)
	case c >= '0' && c <= '9':
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return segment{}, 0, fmt.Errorf("%w: unclosed [", ErrTarget)
		}
		n, err := strconv.Atoi(strings.TrimSpace(s[i : i+end]))
		if err != nil {
			return segment{}, 0, fmt.Errorf("%w: index %q (slices are not supported)", ErrTarget, s[i:i+end])
		}
		return segment{index: n}, i + end + 1, nil
	case c == '\'' || c == '"':
		var seg segment
		for {
			skip()
			if i >= len(s) || (s[i] != '\'' && s[i] != '"') {
				return segment{}, 0, fmt.Errorf("%w: want a quoted name", ErrTarget)
			}
			q := s[i]
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				return segment{}, 0, fmt.Errorf("%w: unterminated name", ErrTarget)
			}
			seg.names = append(seg.names, s[i+1:i+1+end])
			i += end + 2
			skip()
			if i < len(s) && s[i] == ',' {
				i++
				continue
			}
			if i < len(s) && s[i] == ']' {
				return seg, i + 1, nil
			}
			return segment{}, 0, fmt.Errorf("%w: want , or ]", ErrTarget)
		}
	}
	return segment{}, 0, fmt.Errorf("%w: unexpected %q", ErrTarget, s)
}

// ref is a place in the document: the root, a key of an object or an index
// of an array.
type ref struct {
	root   *any
	object map[string]any
	key    string
	array  []any
	index  int
}

func (r ref) get() any {
	switch {
	case r.object != nil:
		return r.object[r.key]
	case r.array != nil:
		return r.array[r.index]
	}
	return *r.root
}

func (r ref) set(v any) {
	switch {
	case r.object != nil:
		r.object[r.key] = v
	case r.array != nil:
		r.array[r.index] = v
	default:
		*r.root = v
	}
}

// resolve returns the places the path selects, in document order (object
// keys sorted, so that the result is deterministic).
func (p path) resolve(root *any) ([]ref, error) {
	refs := []ref{{root: root}}
	for _, seg := range p {
		var next []ref
		for _, r := range refs {
			switch v := r.get().(type) {
			case map[string]any:
				if seg.wild {
					keys := make([]string, 0, len(v))
					for k := range v {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						next = append(next, ref{object: v, key: k})
					}
					continue
				}
				for _, name := range seg.names {
					if _, ok := v[name]; ok {
						next = append(next, ref{object: v, key: name})
					}
				}
			case []any:
				switch {
				case seg.wild:
					for i := range v {
						next = append(next, ref{array: v, index: i})
					}
				case seg.names == nil && seg.index < len(v):
					next = append(next, ref{array: v, index: seg.index})
				}
			}
		}
		refs = next
	}
	return refs, nil
}

// remove deletes the selected object members. Removing array elements
// would shift the indexes of the other refs; it is not supported.
func remove(refs []ref) error {
	for _, r := range refs {
		switch {
		case r.array != nil:
			return fmt.Errorf("%w: removing array elements", ErrTarget)
		case r.object == nil:
			return fmt.Errorf("%w: removing the root", ErrTarget)
		}
	}
	for _, r := range refs {
		delete(r.object, r.key)
	}
	return nil
}
