// Package lazyre is a regular expression compiled on its first use
// instead of when the program starts, as the standard library's
// internal/lazyregexp does. A package-level regexp.MustCompile runs in
// every start of phlomock, whatever the subcommand: the dozens the binary
// had cost a fifth of the time from exec to the first answer of a default
// serve that needs none of them (issue 31). In a test binary every
// pattern is compiled at once, so that a bad one still fails the package's
// tests and not its first caller.
//
// Files: lazyre.go.
package lazyre
