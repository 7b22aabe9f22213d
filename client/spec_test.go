package client

import (
	"maps"
	"os/exec"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/openapi"
)

// specOperation is one operation of the contract, split by body action.
type specOperation struct {
	operationID, action, method, path string
	bodyRequired                      bool
	body                              *openapi3.Schema // nil when there is no request body
	response                          *openapi3.Schema // the first 2xx JSON body
}

func (s specOperation) key() string { return s.operationID + "/" + s.action }
func (o *operation) key() string    { return o.operationID + "/" + o.action }

// specOperations lists every (operationId, action) pair of the contract.
func specOperations(tb testing.TB) map[string]specOperation {
	tb.Helper()
	doc, err := openapi.Load()
	require.NoError(tb, err)
	out := map[string]specOperation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			base := specOperation{operationID: op.OperationID, method: method, path: path, response: successSchema(tb, op)}
			var schema *openapi3.Schema
			if op.RequestBody != nil {
				base.bodyRequired = op.RequestBody.Value.Required
				mt := op.RequestBody.Value.Content.Get("application/json")
				require.NotNil(tb, mt, "%s: request body without application/json", op.OperationID)
				schema = mt.Schema.Value
			}
			if schema == nil || schema.Discriminator == nil {
				base.body = schema
				out[base.key()] = base
				continue
			}
			require.Equal(tb, "action", schema.Discriminator.PropertyName, "%s: discriminator", op.OperationID)
			for action, ref := range schema.Discriminator.Mapping {
				variant := base
				variant.action = action
				for _, one := range schema.OneOf {
					if one.Ref == ref.Ref {
						variant.body = one.Value
					}
				}
				require.NotNil(tb, variant.body, "%s: mapping %s -> %s is not one of oneOf", op.OperationID, action, ref.Ref)
				out[variant.key()] = variant
			}
		}
	}
	return out
}

func successSchema(tb testing.TB, op *openapi3.Operation) *openapi3.Schema {
	tb.Helper()
	codes := slices.Sorted(maps.Keys(op.Responses.Map()))
	for _, code := range codes {
		if !strings.HasPrefix(code, "2") {
			continue
		}
		mt := op.Responses.Value(code).Value.Content.Get("application/json")
		require.NotNil(tb, mt, "%s %s: no application/json body", op.OperationID, code)
		return mt.Schema.Value
	}
	tb.Fatalf("%s: no 2xx response", op.OperationID)
	return nil
}

// jsonFields maps the JSON names of a struct's fields to whether they are
// always sent (no omitempty).
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() { // not t.Fields(): Go 1.26, above go.mod's go line
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		out[name] = !strings.Contains(opts, "omitempty")
	}
	return out
}

func TestOperationsMatchSpec(t *testing.T) {
	spec := specOperations(t)
	table := map[string]*operation{}
	for _, op := range operations {
		table[op.key()] = op
	}
	assert.ElementsMatch(t, slices.Collect(maps.Keys(spec)), slices.Collect(maps.Keys(table)),
		"operations of the spec (operationId/action) and of the client differ")

	for key, so := range spec {
		op, ok := table[key]
		if !ok {
			continue
		}
		t.Run(op.name, func(t *testing.T) {
			assert.Equal(t, so.method, op.method, "method")
			assert.Equal(t, so.path, op.path, "path")
			checkRequest(t, so, op)
			checkResponse(t, so, op)
		})
	}
}

func checkRequest(t *testing.T, so specOperation, op *operation) {
	t.Helper()
	if op.request == nil {
		assert.Nil(t, so.body, "the spec has a request body, the client sends none")
		return
	}
	require.NotNil(t, so.body, "the client sends a body, the spec has none")
	rt := reflect.TypeOf(op.request)
	if rt.Kind() == reflect.Map {
		// A free-form object, sent only when the caller gives one.
		assert.False(t, so.bodyRequired, "the spec requires a body the client may leave out")
		assert.True(t, so.body.Type.Is("object"), "got type %v, want object", so.body.Type)
		assert.Empty(t, so.body.Required, "required keys in a free-form body")
		ap := so.body.AdditionalProperties
		assert.True(t, ap.Has == nil || *ap.Has || ap.Schema != nil, "the spec forbids the free-form keys the client sends")
		return
	}
	assert.True(t, so.bodyRequired, "the client always sends a body, the spec makes it optional")
	fields := jsonFields(rt)
	assert.ElementsMatch(t, slices.Collect(maps.Keys(so.body.Properties)), slices.Collect(maps.Keys(fields)),
		"body fields of the spec and of %s differ", rt.Name())
	for _, name := range so.body.Required {
		assert.True(t, fields[name], "the spec requires %q, the client may leave it out (omitempty)", name)
	}
	for name, always := range fields {
		prop := so.body.Properties[name]
		if always && !slices.Contains(so.body.Required, name) && prop != nil {
			assert.NotNil(t, prop.Value.Default, "the client always sends optional %q, which has no default to send", name)
		}
	}
	action := so.body.Properties["action"]
	require.NotNil(t, action, "no action property")
	assert.Equal(t, []any{op.action}, action.Value.Enum, "action enum")
}

func checkResponse(t *testing.T, so specOperation, op *operation) {
	t.Helper()
	fields := jsonFields(reflect.TypeOf(op.response))
	assert.ElementsMatch(t, slices.Collect(maps.Keys(so.response.Properties)), slices.Collect(maps.Keys(fields)),
		"response fields of the spec and of %T differ", op.response)
}

// Every exported method of *Client is an operation of the table, and the
// reverse: no method can bypass the comparison with the spec. NodeAction
// and MemberAction are the table's actions by action value (they only look
// an operation up: TestActionByName).
func TestMethodsAreOperations(t *testing.T) {
	var methods []string
	ct := reflect.TypeFor[*Client]()
	for i := range ct.NumMethod() {
		if name := ct.Method(i).Name; name != "NodeAction" && name != "MemberAction" {
			methods = append(methods, name)
		}
	}
	var names []string
	for _, op := range operations {
		names = append(names, op.name)
	}
	sort.Strings(methods)
	assert.ElementsMatch(t, names, methods)
	// A role the spec does not know would be sent as is.
	roles := []any{string(RoleAgent), string(RoleCustomer)}
	for _, so := range specOperations(t) {
		if so.operationID != "updateMultiPartyCall" {
			continue
		}
		assert.ElementsMatch(t, so.body.Properties["role"].Value.Enum, roles, "%s: role enum", so.action)
		assert.Equal(t, string(RoleAgent), so.body.Properties["role"].Value.Default, "%s: role default", so.action)
	}
}

// The client is for programs that must not pull in anything: it links the
// standard library only.
func TestStandardLibraryOnly(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	require.NoError(t, err)
	assert.Equal(t, "github.com/phlomock/phlomock/client", strings.TrimSpace(string(out)), "non-standard dependencies")
}
