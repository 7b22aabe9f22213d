package contract

import (
	"fmt"
	"io"
	"strings"

	"github.com/phlomock/phlomock/internal/junit"
	"github.com/phlomock/phlomock/internal/report"
)

// WriteText writes the readable report: one line per case, its violations
// indented under it, and a summary line.
func WriteText(w io.Writer, rep *Report) error {
	p := report.NewPrinter(w)
	for _, res := range rep.Results {
		switch {
		case res.Skipped != "":
			p.Printf("skip %s: %s\n", res.Case.ID, res.Skipped)
		case len(res.Violations) == 0:
			p.Printf("pass %s (%d)\n", res.Case.ID, res.Status)
			for _, v := range res.Waived {
				p.Printf("     waived %s %s: %s\n", v.Code, report.OrDash(v.Pointer), v.Message)
			}
		default:
			status := "no answer"
			if res.Status != 0 {
				status = fmt.Sprint(res.Status)
			}
			p.Printf("FAIL %s (%s)\n", res.Case.ID, status)
			for _, v := range res.Violations {
				p.Printf("     %s %s: %s%s\n", v.Code, report.OrDash(v.Pointer), v.Message, cites(v))
			}
			if res.Shrunk != nil {
				p.Printf("     shrunk from %d to %d bytes in %d tries\n", res.Shrunk.FromBytes, res.Shrunk.ToBytes, res.Shrunk.Tries)
			}
			if c := Replay(res, rep.ReplayBase); c != "" {
				p.Printf("     replay: %s\n", c)
			}
			for _, v := range res.Waived {
				p.Printf("     waived %s %s: %s\n", v.Code, report.OrDash(v.Pointer), v.Message)
			}
		}
	}
	for _, g := range rep.NotChecked() {
		p.Printf("not checked (%d %s): %s\n     how: %s\n", len(g.Cases), report.Plural(len(g.Cases), "case"), g.What, g.How)
	}
	p.Printf("%s\n", SeedLine(rep))
	p.Printf("%s\n", Summary(rep))
	return p.Err()
}

// SeedLine says which seed drew the run's cases and how to draw them again.
func SeedLine(rep *Report) string {
	return fmt.Sprintf("conform: seed %d (phlomock conform --seed %d draws the same cases)", rep.Seed, rep.Seed)
}

// cites is a violation's constraint as the reports print it.
func cites(v Violation) string {
	if v.Constraint == "" {
		return ""
	}
	return " [contract " + v.Constraint + "]"
}

// Summary is the report's last line, e.g.
// "conform: 57 cases, 57 passed, 0 failed".
func Summary(rep *Report) string {
	n, passed, failed, skipped := rep.Counts()
	s := fmt.Sprintf("conform: %d cases, %d passed, %d failed", n, passed, failed)
	if skipped > 0 {
		s += fmt.Sprintf(", %d skipped", skipped)
	}
	return s
}

type jsonReport struct {
	Seed       uint64       `json:"seed"`
	Cases      int          `json:"cases"`
	Passed     int          `json:"passed"`
	Failed     int          `json:"failed"`
	Skipped    int          `json:"skipped"`
	Results    []jsonResult `json:"results"`
	NotChecked []Gap        `json:"not_checked"`
}

type jsonResult struct {
	ID         string      `json:"id"`
	Operation  string      `json:"operation"`
	Safe       bool        `json:"safe"`
	Outcome    string      `json:"outcome"` // pass, fail or skip
	Status     int         `json:"status,omitempty"`
	Skipped    string      `json:"skipped,omitempty"`
	Violations []Violation `json:"violations"`
	Waived     []Violation `json:"waived,omitempty"`
	Shrunk     *Shrunk     `json:"shrunk,omitempty"`
	Replay     string      `json:"replay,omitempty"`
}

// WriteJSON writes the report as one indented JSON document. It leaves
// timings out so that reports of conforming runs are byte-identical.
func WriteJSON(w io.Writer, rep *Report) error {
	out := jsonReport{Seed: rep.Seed, Results: []jsonResult{}, NotChecked: rep.NotChecked()}
	if out.NotChecked == nil {
		out.NotChecked = []Gap{}
	}
	out.Cases, out.Passed, out.Failed, out.Skipped = rep.Counts()
	for _, res := range rep.Results {
		jr := jsonResult{
			ID: res.Case.ID, Operation: res.Case.Operation, Safe: res.Case.Safe,
			Status: res.Status, Skipped: res.Skipped, Violations: res.Violations, Waived: res.Waived,
		}
		switch {
		case res.Skipped != "":
			jr.Outcome = "skip"
		case len(res.Violations) == 0:
			jr.Outcome = "pass"
		default:
			jr.Outcome = "fail"
			jr.Shrunk, jr.Replay = res.Shrunk, Replay(res, rep.ReplayBase)
		}
		if jr.Violations == nil {
			jr.Violations = []Violation{}
		}
		out.Results = append(out.Results, jr)
	}
	return report.JSON(w, out, report.EscapeHTML)
}

// WriteJUnit writes the report as JUnit XML: a testsuite per operation
// (in order of first appearance; a case of no operation goes to the suite
// its ID starts with), a testcase per case, and for a failing
// case one <failure> whose type is the first violation's code and whose
// text lists them all.
func WriteJUnit(w io.Writer, rep *Report) error {
	out := junit.Report{Name: fmt.Sprintf("phlomock conform (seed %d)", rep.Seed), Duration: rep.Duration}
	for _, res := range rep.Results {
		name := res.Case.Operation
		if name == "" {
			// a wrong method: file it under the operation its ID names
			name, _, _ = strings.Cut(res.Case.ID, "/")
		}
		jc := junit.Case{Name: res.Case.ID, Classname: "phlomock.conform." + name, Duration: res.Duration, Skipped: res.Skipped}
		if res.Skipped == "" && len(res.Violations) > 0 {
			var text strings.Builder
			for _, v := range res.Violations {
				fmt.Fprintf(&text, "%s %s: %s%s\n", v.Code, report.OrDash(v.Pointer), v.Message, cites(v))
			}
			if res.Shrunk != nil {
				fmt.Fprintf(&text, "shrunk from %d to %d bytes\n", res.Shrunk.FromBytes, res.Shrunk.ToBytes)
			}
			if c := Replay(res, rep.ReplayBase); c != "" {
				fmt.Fprintf(&text, "replay: %s\n", c)
			}
			first := res.Violations[0]
			jc.Failure = &junit.Failure{Message: first.Message, Type: string(first.Code), Text: text.String()}
		}
		out.Add(name, jc)
	}
	return out.Write(w)
}
