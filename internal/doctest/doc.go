// Package doctest reads the repository's Markdown pages (README.md and
// docs/*.md) for the tests that keep them true: a section under a heading,
// the fenced blocks in it, the commands of a shell block.
//
// Every fenced shell block (sh, console, bash) of a page carries a marker
// on the line before it, an HTML comment that says how it is checked:
//
//	<!-- doctest: run -->                   run by TestCommandBlocks, as written
//	<!-- doctest: run; want TEXT; want T2 -->  ... and its output must contain TEXT
//	<!-- doctest: by TestName -->           run by that test (which must exist)
//	<!-- doctest: skip REASON -->           not run: it needs the network, a registry...
//
// TestCommandBlocks fails on a shell block without a marker, so a new
// command in the docs is either run by a test or says why it cannot be.
//
// It is test support only: nothing outside _test.go files imports it.
//
// Files: doctest.go.
package doctest
