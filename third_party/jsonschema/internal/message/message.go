// Package message stands in for golang.org/x/text/message in this copy:
// its one use here is Sprintf with the English printer, and x/text's
// language tables and their initialisers were a part of every start of
// phlomock, which never turns this validator on (see README.md).
// Numbers print as fmt prints them, without x/text's digit grouping.
package message

import "fmt"

// A Printer formats messages; it is fmt's.
type Printer struct{}

// English is the only language of this copy.
const English = "en"

// NewPrinter returns the printer (the tag is English's, the only one).
func NewPrinter(string) *Printer { return &Printer{} }

// Sprintf is fmt.Sprintf.
func (*Printer) Sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
