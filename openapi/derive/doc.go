// Package derive turns a Postman collection (package postman) into an
// OpenAPI 3 document (kin-openapi types).
//
// One operation per method and path; the path is templated from the URL's
// {var}, :var and {{var}} variables. Request schemas are inferred from the
// example body and then corrected by the markdown argument table of the item's
// description (Required/Optional, "Allowed values are ...", "Defaults to ..."):
// the table wins. Items that share a method and path and differ by a constant
// field become one operation whose body is a oneOf with a discriminator.
// Saved responses become responses with examples and inferred schemas.
//
// The result is deterministic. What the collection cannot express (statuses
// the collection never saved, shared error bodies, formats) is not guessed
// here: package overlay applies it afterwards. What derive cannot translate it
// reports as warnings, never as a failure.
//
// Files: derive.go (Derive: items, auth, routes, servers), request.go
// (parameters, request bodies and the argument table's constraints),
// response.go (saved responses), group.go (one operation per method and
// path, oneOf for items that differ by a constant), schema.go (schemas
// inferred from examples), table.go (the markdown argument table) and
// names.go (operation ids and schema names).
package derive
