package mockserver

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/routers/legacy/pathpattern"
)

// router finds the operation of a method and path. It is kin-openapi's
// legacy router without its wrapper: the same pathpattern trees, so the
// same paths match the same operations with the same parameters, but one
// tree per method (no "METHOD path" string to build per request), holding
// the compiled operation itself, and built without validating the document
// once more (legacy.NewRouter does; the document was validated when it was
// loaded).
type router struct {
	byMethod map[string]*pathpattern.Node
}

func newRouter(ops []*operation) (*router, error) {
	rt := &router{byMethod: map[string]*pathpattern.Node{}}
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
// parameters; nil when there is none.
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
	params := make(map[string]string, len(values))
	for i, v := range values {
		params[strings.TrimSuffix(node.VariableNames[i], "*")] = v
	}
	return op, params
}
