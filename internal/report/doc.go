// Package report is the plumbing the commands' reports share: a text
// printer that keeps the first write error, the small words the reports
// print (a dash for nothing, a plural), the indented JSON document, and
// the writing of a command's outputs to files or to standard output.
//
// A command declares its outputs once, each a flag, a path ("-" for
// standard output, "" for not asked) and the function that writes that
// format; Write writes every one, a file through a temporary file renamed
// into place (a failed write leaves no partial file), and returns every
// failure, each naming its flag and the path. What a report says is its
// package's (certify, contract, coverage, proxy); JUnit XML and the HTML
// page are internal/junit's and internal/htmlreport's.
//
// Files: text.go (Printer, OrDash, Plural), json.go (JSON) and output.go
// (Output, Write, WriteFile, Bytes).
package report
