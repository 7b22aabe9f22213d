// Package htmlreport writes the one-page HTML reports of conform, certify
// and coverage (their --html FILE): a summary, each failure with what was sent
// and received, its codes and a command that replays it, and the skipped
// cases with their reasons. The page is self-contained (its style sheet is
// inline, no script, nothing fetched), so it opens offline from a CI
// artifact. Everything in it is escaped text (html/template).
//
// Packages contract, certify and coverage turn their reports into a Page; this
// package knows nothing of any of them.
//
// Files: htmlreport.go.
package htmlreport
