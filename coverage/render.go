package coverage

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/phlomock/phlomock/internal/htmlreport"
	"github.com/phlomock/phlomock/internal/junit"
	"github.com/phlomock/phlomock/internal/report"
)

// WriteText writes the report for a terminal: each dimension's figures and
// the items never seen, then one line per client, then the gate's verdict
// (gateErr is Gate.Check's result).
func WriteText(w io.Writer, r *Report, gateErr error) error {
	p := report.NewPrinter(w)
	p.Table(func(t *report.Printer) {
		t.Printf("coverage: %s%% (%d of %d items) from %d requests", formatPercent(r.All.Percent), r.All.Covered, r.All.Total, r.Entries)
		if r.Unmatched > 0 {
			t.Printf(", %d matching no operation", r.Unmatched)
		}
		t.Printf("\n")
		for _, s := range r.All.Dimensions {
			t.Printf("  %s\t%d/%d\t%s%%\n", s.Dimension, s.Covered, s.Total, formatPercent(s.Percent))
		}
	})
	for _, s := range r.All.Dimensions {
		if len(s.Missed) == 0 {
			continue
		}
		p.Printf("never seen, %s (%d):\n", s.Dimension, len(s.Missed))
		for _, k := range s.Missed {
			p.Printf("  %s\n", k)
		}
	}
	if len(r.Clients) > 0 {
		p.Printf("per client:\n")
		p.Table(func(t *report.Printer) {
			for _, c := range r.Clients {
				t.Printf("  %s\t%s%%\t%d of %d\n", c.Client, formatPercent(c.Percent), c.Covered, c.Total)
			}
		})
	}
	for _, f := range gateFailures(gateErr) {
		p.Printf("FAIL %s: %s\n", f.Rule, f.Message)
	}
	return p.Err()
}

// WriteJSON writes the report and the gate's failures as one JSON object.
func WriteJSON(w io.Writer, r *Report, gateErr error) error {
	type failure struct {
		Rule    string `json:"rule"`
		Message string `json:"message"`
	}
	out := struct {
		*Report
		Gate []failure `json:"gate_failures"`
	}{Report: r, Gate: []failure{}}
	for _, f := range gateFailures(gateErr) {
		out.Gate = append(out.Gate, failure{f.Rule, f.Message})
	}
	return report.JSON(w, out, report.EscapeHTML)
}

// WriteJUnit writes one suite per dimension, an item seen as a passed case
// and one never seen as a skipped case (so coverage alone turns no build
// red), and a suite "gate" whose cases are the gate's rules that failed.
func WriteJUnit(w io.Writer, r *Report, gateErr error) error {
	rep := &junit.Report{Name: "phlomock coverage"}
	for _, s := range r.All.Dimensions {
		keys := make([]string, 0, s.Total)
		for k := range s.Seen {
			keys = append(keys, k)
		}
		keys = append(keys, s.Missed...)
		sort.Strings(keys)
		for _, k := range keys {
			c := junit.Case{Name: k, Classname: "coverage." + strings.ReplaceAll(string(s.Dimension), " ", "_")}
			if s.Seen[k] == 0 {
				c.Skipped = "never seen: " + describe(s.Dimension, k)
			}
			rep.Add("coverage: "+string(s.Dimension), c)
		}
	}
	for _, f := range gateFailures(gateErr) {
		rep.Add("coverage: gate", junit.Case{Name: f.Rule, Classname: "coverage.gate",
			Failure: &junit.Failure{Message: f.Message, Type: "coverage-gate", Text: f.Error()}})
	}
	return rep.Write(w)
}

// WriteHTML writes the report as one page: the figures, the gate's
// failures, the items never seen and those seen.
func WriteHTML(w io.Writer, r *Report, subject string, gateErr error) error {
	fails := gateFailures(gateErr)
	p := &htmlreport.Page{
		Title:   "phlomock coverage",
		Subject: subject,
		Verdict: fmt.Sprintf("%s%% covered (%d of %d items)", formatPercent(r.All.Percent), r.All.Covered, r.All.Total),
		OK:      len(fails) == 0,
		Counts:  []htmlreport.Count{{Label: "requests", N: r.Entries}, {Label: "clients", N: len(r.Clients)}},
	}
	if !p.OK {
		p.Verdict += ": gate failed"
	}
	for _, s := range r.All.Dimensions {
		p.Counts = append(p.Counts, htmlreport.Count{Label: string(s.Dimension) + " seen", N: s.Covered},
			htmlreport.Count{Label: string(s.Dimension) + " never seen", N: len(s.Missed)})
		for _, k := range s.Missed {
			p.Skipped = append(p.Skipped, htmlreport.Skip{ID: string(s.Dimension) + ": " + k, Reason: "never seen: " + describe(s.Dimension, k)})
		}
		keys := make([]string, 0, len(s.Seen))
		for k := range s.Seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p.Passed = append(p.Passed, fmt.Sprintf("%s: %s (%d)", s.Dimension, k, s.Seen[k]))
		}
	}
	for _, f := range fails {
		p.Failures = append(p.Failures, htmlreport.Failure{ID: f.Rule, About: f.Message,
			Problems: []htmlreport.Problem{{Code: "coverage-gate", Message: f.Message}}})
	}
	for _, c := range r.Clients {
		p.Passed = append(p.Passed, fmt.Sprintf("client %s: %s%% (%d of %d)", c.Client, formatPercent(c.Percent), c.Covered, c.Total))
	}
	return htmlreport.Write(w, p)
}

// gateFailures unpacks Gate.Check's error.
func gateFailures(err error) []*GateFailure {
	if err == nil {
		return nil
	}
	var out []*GateFailure
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, gateFailures(e)...)
		}
		return out
	}
	var f *GateFailure
	if errors.As(err, &f) {
		out = append(out, f)
	}
	return out
}
