package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/routers/legacy/pathpattern"
)

// route matches the request to an operation: one trailing slash is
// stripped, a path with another method answers 405 with Allow, no match
// answers 404 naming the closest operation (closest.go), and an id that
// cannot name a resource answers 404 without being echoed.
func (s *Server) route(x *request) *RequestError {
	op, params, re := s.match(x.r)
	if op != nil {
		x.op, x.params = op, params
		x.entry.OperationID, x.entry.PathParams = op.id, params
	}
	return re
}

// match finds the operation of r, and its path parameters.
func (s *Server) match(r *http.Request) (*operation, map[string]string, *RequestError) {
	path := r.URL.Path
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		path = path[:len(path)-1]
	}
	if op, params := s.router.find(r.Method, path); op != nil {
		return op, params, checkIDs(op, params, r.URL.Path)
	}
	var allow []string
	for _, m := range methods {
		if m == r.Method {
			continue
		}
		if op, params := s.router.find(m, path); op != nil {
			// The 405 echoes the path: an id that names no resource
			// answers the 404 the right method would, never echoed.
			if re := checkIDs(op, params, r.URL.Path); re != nil {
				return nil, nil, re
			}
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		re := refuse(CodeMethodNotAllowed, fmt.Sprintf("Method %s is not allowed on %s: use %s.", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		re.allow = allow
		return nil, nil, re
	}
	msg := fmt.Sprintf("Resource not found: no operation for %s %s.", r.Method, r.URL.Path)
	if controlPlanePath(path) {
		msg += " " + s.elsewhere(path)
	} else if m := meant(s.routes, r.Method, path); m != nil {
		msg += " " + m.didYouMean()
	}
	miss := closestRoute(s.routes, r.Method, path)
	re := refuse(CodeNotFound, msg)
	re.closest = miss
	return nil, nil, re
}

// checkIDs refuses the path parameters of op that cannot name a resource
// (404), without echoing a bad one.
func checkIDs(op *operation, params map[string]string, path string) *RequestError {
	for _, name := range op.pathParams {
		if params[name] == "" { // no id names no resource
			return refuse(CodeNotFound, fmt.Sprintf("Resource not found: %s is empty in %s (the path is %s).", name, path, op.path))
		}
		if why := badID(name, params[name]); why != "" {
			if op.valued[name] {
				return refuse(CodeInvalid, "Invalid value provided for "+name+": "+strings.TrimPrefix(why, name+" ")+".")
			}
			return refuse(CodeNotFound, "Resource not found: "+why+".")
		}
	}
	return nil
}

// maxIDBytes is the longest id (path parameter) that can name a resource:
// PHLO and node ids are UUIDs, member addresses E.164 numbers or SIP URIs.
// A longer one answers 404 without being echoed back.
const maxIDBytes = 256

// badID says why value cannot name a resource ("" when it can): ids are
// short, hold no control characters (a %00 in the path) and are not a path
// step ("..", "."), so the fake never echoes such a value back.
func badID(name, value string) string {
	if value == "." || value == ".." {
		return name + " is " + value
	}
	if len(value) > maxIDBytes {
		return fmt.Sprintf("%s is %d bytes long; no resource has an id longer than %d bytes", name, len(value), maxIDBytes)
	}
	if !utf8.ValidString(value) {
		return name + " is not valid UTF-8"
	}
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		return fmt.Sprintf("%s holds the control character %U", name, []rune(value[i:])[0])
	}
	return ""
}

// router finds the operation of a method and path. It is kin-openapi's
// legacy router without its wrapper: the same pathpattern trees, so the
// same paths match the same operations with the same parameters, but one
// tree per method (no "METHOD path" string to build per request), holding
// the compiled operation itself, and built without validating the document
// once more (legacy.NewRouter does; the document was validated when it was
// loaded).
type router struct {
	byMethod map[string]*pathpattern.Node
	// shared holds the path parameters seen before, shared by the
	// requests that repeat them and by their journal entries (the
	// journal's table: Journal.compact finds them there).
	shared *internTable[map[string]string]
}

func newRouter(ops []*operation, shared *internTable[map[string]string]) (*router, error) {
	rt := &router{byMethod: map[string]*pathpattern.Node{}, shared: shared}
	for _, op := range ops {
		root := rt.byMethod[op.method]
		if root == nil {
			root = &pathpattern.Node{}
			rt.byMethod[op.method] = root
		}
		if err := root.Add(op.path, op, nil); err != nil {
			return nil, fmt.Errorf("operation %s: %w", op.id, err)
		}
	}
	return rt, nil
}

// find returns the operation serving method and path, and its path
// parameters; nil when there is none. The parameters are read-only: a set
// seen before is the map of the first request that had it, not a new one
// (a map per request was two of the pipeline's allocations).
func (rt *router) find(method, path string) (*operation, map[string]string) {
	root := rt.byMethod[method]
	if root == nil {
		return nil, nil
	}
	node, values := root.Match(path)
	if node == nil {
		return nil, nil
	}
	op, _ := node.Value.(*operation)
	if op == nil {
		return nil, nil
	}
	var buf [256]byte
	key, shareable := pairsKey(buf[:0], node.VariableNames, values)
	if shareable {
		if params, ok := rt.shared.get(key); ok {
			return op, params
		}
	}
	params := make(map[string]string, len(values))
	for i, v := range values {
		params[strings.TrimSuffix(node.VariableNames[i], "*")] = v
	}
	if shareable {
		params = rt.shared.put(key, params)
	}
	return op, params
}

// pairsKey is paramsKey of the parameters names[i] = values[i] (a name
// may end in "*"), without the map.
func pairsKey(dst []byte, names, values []string) ([]byte, bool) {
	var arr [8]int
	if len(values) > len(arr) || len(names) < len(values) {
		return nil, false
	}
	name := func(i int) string { return strings.TrimSuffix(names[i], "*") }
	order := arr[:len(values)]
	for i := range order { // insertion sort by name: a path has few
		order[i] = i
		for j := i; j > 0 && name(order[j]) < name(order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	for k, i := range order {
		if k > 0 && name(i) == name(order[k-1]) || strings.IndexByte(values[i], 0) >= 0 {
			return nil, false // a name twice (the map keeps the last), or a NUL that would make two sets one key
		}
		dst = append(append(append(append(dst, name(i)...), 0), values[i]...), 0)
	}
	return dst, len(dst) <= 4096
}
