package report

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// A Printer prints formatted text and keeps the first write error: after
// one, it prints nothing more, so that a report is a list of Printf calls
// and one check of Err at the end.
type Printer struct {
	w   io.Writer
	err error
}

// NewPrinter returns a Printer that writes to w.
func NewPrinter(w io.Writer) *Printer { return &Printer{w: w} }

// Printf writes as fmt.Fprintf does, unless an earlier write failed.
func (p *Printer) Printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// Table prints what rows prints with its tab-separated cells aligned in
// columns two spaces apart, as the reports' tables are.
func (p *Printer) Table(rows func(t *Printer)) {
	if p.err != nil {
		return
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	t := &Printer{w: tw}
	rows(t)
	p.err = t.err
	if p.err == nil {
		p.err = tw.Flush()
	}
}

// Err is the first write error, or nil.
func (p *Printer) Err() error { return p.err }

// OrDash is s, or "-" for an empty s: a column never left blank.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Plural is word for n == 1, else word with an s: "1 case", "2 cases".
func Plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
