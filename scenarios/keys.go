package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
)

// placeKeys are the keys of every mapping of a scenario file, by place: the
// keys down to it, "[]" for a list's item. The decoder takes a place's keys
// from here, and an unknown key is told where it belongs from here, so the
// file's shape is written once. Mappings of free keys (a match's body, a
// response's body, headers) are not places.
var placeKeys = map[string][]string{
	"":                                {"version", "name", "description", "stateful", "world", "rules", "interactions", "callbacks"},
	"world":                           {"accounts", "phlos"},
	"world.accounts[]":                {"auth_id", "auth_token"},
	"world.phlos[]":                   {"id", "name", "created_on", "nodes"},
	"world.phlos[].nodes[]":           {"id", "name", "created_on", "members", "callbacks"},
	"world.phlos[].nodes[].members[]": {"address", "role", "state"},
	"world.phlos[].nodes[].callbacks": {"url", "urls", "method", "from"},
	"rules[]":                         {"name", "match", "respond", "sequence", "times"},
	"rules[].match":                   {"operation", "method", "path", "path_params", "body", "headers", "auth_id"},
	"rules[].respond":                 responseKeys,
	"rules[].respond.delay":           delayKeys,
	"rules[].sequence[]":              append(slices.Clone(responseKeys), "times"),
	"rules[].sequence[].delay":        delayKeys,
	"interactions[]":                  {"name", "request", "expect"},
	"interactions[].request":          {"operation", "method", "path", "path_params", "headers", "auth", "body"},
	"interactions[].expect":           {"status", "body", "error"},
	"callbacks":                       {"faults"},
	"callbacks.faults[]":              {"event", "action", "nth", "delay", "drop", "duplicate", "reorder", "bad_signature", "fail"},
	"callbacks.faults[].delay":        delayKeys,
}

var (
	responseKeys = []string{"status", "headers", "body", "delay", "drop"}
	delayKeys    = []string{"min", "max"}
)

// unknownKey says why key is not one of place's keys: where it belongs
// when another place has it (one level down first, as "status" in a rule
// belongs under respond; then up, as "times" under respond belongs to the
// rule; then anywhere), else the key of this place it is a misspelling of.
func unknownKey(place, key string) string {
	var down, up, elsewhere []string
	for q, keys := range placeKeys {
		if q == place || !slices.Contains(keys, key) {
			continue
		}
		switch {
		case within(q, place):
			down = append(down, q)
		case within(place, q):
			up = append(up, q)
		default:
			elsewhere = append(elsewhere, q)
		}
	}
	at := "at the top level"
	if place != "" {
		at = "in " + place
	}
	if len(down) > 0 {
		depth := func(q string) int { return strings.Count(q, ".") + strings.Count(q, "[]") }
		slices.SortFunc(down, func(a, b string) int { return cmp.Or(depth(a)-depth(b), strings.Compare(a, b)) })
		var rel []string
		for _, q := range down {
			if depth(q) == depth(down[0]) {
				rel = append(rel, strings.TrimPrefix(strings.TrimPrefix(q, place), "."))
			}
		}
		return fmt.Sprintf("unknown key %q %s: it belongs under %s", key, at, orList(rel))
	}
	if len(up) > 0 {
		slices.Sort(up)
		q := up[len(up)-1] // the nearest: the longest
		return fmt.Sprintf("unknown key %q %s: it belongs one level up, %s", key, at, where(q))
	}
	if near := didyoumean.Closest(key, placeKeys[place]); near != "" {
		return fmt.Sprintf("unknown key %q (did you mean %q?)", key, near)
	}
	if len(elsewhere) > 0 {
		slices.Sort(elsewhere)
		return fmt.Sprintf("unknown key %q %s: it is a key of %s", key, at, orList(names(elsewhere)))
	}
	return fmt.Sprintf("unknown key %q %s", key, at)
}

// within reports whether place q is inside place p.
func within(q, p string) bool {
	if p == "" {
		return q != ""
	}
	rest, ok := strings.CutPrefix(q, p)
	return ok && rest != "" && (rest[0] == '.' || rest[0] == '[')
}

func where(q string) string {
	if q == "" {
		return "at the top level"
	}
	return "in " + q
}

func names(qs []string) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = cmp.Or(q, "the top level")
	}
	return out
}

// orList is "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
