// Package overlay reads OpenAPI Overlay 1.0 documents and applies them to an
// OpenAPI document held as plain JSON values (map[string]any, []any).
//
// It implements the part of Overlay 1.0 that phlomock needs, not all of it:
// update and remove actions, and targets in a JSONPath subset: the root $,
// child names (.name, ['name'], ["name"]), unions of names (['a','b']),
// wildcards (.* and [*]) and array indexes ([0]). Filters (?()), recursive
// descent (..) and slices are rejected with an error naming the target. An
// update merges objects recursively (its scalars and arrays replace the
// target's); on an array target it appends. A target that selects nothing is
// reported, not fatal.
//
// The maintained Go implementations (speakeasy-api/openapi's overlay, alpha;
// pb33f/libopenapi's) pull whole OpenAPI libraries into the module graph,
// outside the project's dependency list, for what fits in one small file.
//
// It is not an OpenAPI validator: load the result with kin-openapi.
//
// Files: overlay.go (Overlay, Parse, Apply) and path.go (the JSONPath
// subset).
package overlay
