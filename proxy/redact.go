package proxy

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/phlomock/phlomock/mockserver"
)

// redact replaces in the file the Auth IDs seen (by the fake's default
// one) and, with all, every id, phone number and SIP address of the
// recorded requests and answers by a placeholder of the same class.
func redact(data []byte, authIDs []string, all bool, groups [][]recorded) []byte {
	var pairs []string
	for _, id := range authIDs {
		if id != mockserver.DefaultAuthID {
			pairs = append(pairs, id, mockserver.DefaultAuthID)
		}
	}
	if all {
		values := map[string]string{}
		count := map[string]int{}
		var note func(v any)
		note = func(v any) {
			switch v := v.(type) {
			case string:
				c := Class(v)
				if _, done := values[v]; done || (c != ClassUUID && c != ClassPhone && c != ClassSIP) {
					return
				}
				count[c]++
				values[v] = placeholder(c, count[c])
			case map[string]any:
				for _, k := range slices.Sorted(maps.Keys(v)) {
					note(v[k])
				}
			case []any:
				for _, e := range v {
					note(e)
				}
			}
		}
		for _, g := range groups {
			for _, x := range g {
				for _, k := range slices.Sorted(maps.Keys(x.params)) {
					if k != "auth_id" {
						note(x.params[k])
					}
				}
				note(canonical(x.body))
				note(canonical(x.answer))
			}
		}
		for _, v := range slices.Sorted(maps.Keys(values)) {
			pairs = append(pairs, v, values[v])
		}
	}
	// Longest first: a value that is the start of another is not replaced
	// inside it.
	type pair struct{ from, to string }
	ps := make([]pair, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		ps = append(ps, pair{pairs[i], pairs[i+1]})
	}
	slices.SortStableFunc(ps, func(a, b pair) int { return cmp.Compare(len(b.from), len(a.from)) })
	args := make([]string, 0, len(pairs))
	for _, p := range ps {
		args = append(args, p.from, p.to)
	}
	if len(args) == 0 {
		return data
	}
	return []byte(strings.NewReplacer(args...).Replace(string(data)))
}

// placeholder is the n-th stand-in of a class: a valid value of it.
func placeholder(class string, n int) string {
	switch class {
	case ClassUUID:
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	case ClassPhone:
		return "+1555" + fmt.Sprintf("%07d", n)
	}
	return "sip:user" + strconv.Itoa(n) + "@example.invalid"
}
