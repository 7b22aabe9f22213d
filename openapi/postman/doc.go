// Package postman reads Postman Collection v2.1 documents (and the v2.0 shapes
// that still circulate) into plain Go values: folders, items, requests with
// their URL, auth, headers and body, and saved responses.
//
// It accepts the many shapes the format allows for one field (a URL as a
// string or an object, a description as a string or an object, auth as a list
// or a map) and normalises them, so its users see one shape. JSON errors are
// reported with line and column.
//
// It is not a Postman runtime: it resolves no {{variables}}, runs no scripts
// and sends nothing. Turning a collection into OpenAPI is package derive's job.
//
// Files: collection.go (the values Parse returns), parse.go (Parse, and the
// normalising of each field's shapes), raw.go (the JSON as the format
// writes it), body.go (JSON bodies with comments, as Postman allows) and
// errors.go (ParseError, with line and column).
package postman
