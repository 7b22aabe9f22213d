package certify

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/phlomock/phlomock/internal/junit"
	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/mockserver"
)

// Verdict is a case's outcome.
type Verdict string

const (
	// VerdictPass: the client sent what the contract and the case ask and
	// surfaced what the fake answered.
	VerdictPass Verdict = "pass"
	// VerdictFail: at least one finding.
	VerdictFail Verdict = "fail"
	// VerdictSkipped: the client does not offer the operation (not listed
	// in its hello, or "unsupported" at run time). Not a failure.
	VerdictSkipped Verdict = "skipped"
)

// Report is the outcome of a certification run.
type Report struct {
	// Client, Version and Operations are what the driver's hello said.
	Client     string
	Version    string
	Operations []string
	Results    []Result
	Duration   time.Duration
	// Stop, when set, says where and why the run stopped before its end
	// (the driver broke the protocol, hung or exited): Results hold the
	// verdicts reached before it.
	Stop *Stop
	// Seed drew the cases' values from Values, the value space
	// (Runner.Seed, ValueSpace).
	Seed   uint64
	Values []string
}

// Stop is where and why a run stopped early.
type Stop struct {
	// Case is the case being run; "" when the driver failed outside one
	// (start-up, hello, bye).
	Case string `json:"case,omitempty"`
	// Reason says what the driver did and what the fake saw in the case
	// ("the client sent 14 requests (getPhlo), all answered 429").
	Reason string `json:"reason"`
}

func (s *Stop) String() string {
	if s.Case == "" {
		return s.Reason
	}
	return s.Case + ": " + s.Reason
}

// Result is one case's verdict.
type Result struct {
	Case     Case
	Verdict  Verdict
	Skipped  string    // why, for VerdictSkipped
	Findings []Finding // in the order found: what was sent, then what was surfaced
	Requests int       // how many requests the client sent for the case
	Duration time.Duration
	// Journal holds the requests the client sent for the case and the
	// fake's answers, as the fake recorded them (credentials redacted),
	// for the reports that show them (WriteHTML).
	Journal []*mockserver.Entry
	// Shrunk, for a failed case, is the smallest input that still fails
	// (nil when the case is not shrunk: the cases on time and
	// configuration, or the run's budget of tries spent).
	Shrunk *Shrunk
}

// Counts returns the number of cases and of each verdict.
func (r *Report) Counts() (cases, passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Verdict {
		case VerdictPass:
			passed++
		case VerdictFail:
			failed++
		case VerdictSkipped:
			skipped++
		}
	}
	return len(r.Results), passed, failed, skipped
}

// Certified reports whether the run ended, no case failed and at least
// one passed. Skipped cases do not count against a client: it is certified
// for the operations it offers, but a client that offers none is not
// certified.
func (r *Report) Certified() bool {
	_, passed, failed, _ := r.Counts()
	return r.Stop == nil && failed == 0 && passed > 0
}

// Findings returns every finding of the run, in case order.
func (r *Report) Findings() []Finding {
	var out []Finding
	for _, res := range r.Results {
		out = append(out, res.Findings...)
	}
	return out
}

func (r *Report) name() string {
	s := strings.TrimSpace(r.Client + " " + r.Version)
	if s == "" {
		return "the client"
	}
	return s
}

// Summary is the report's last line, e.g.
// "certify: plivo-go 7.60.2: 38 cases, 30 passed, 8 failed: NOT certified".
func Summary(r *Report) string {
	n, passed, failed, skipped := r.Counts()
	s := fmt.Sprintf("certify: %s: %d cases, %d passed, %d failed", r.name(), n, passed, failed)
	if skipped > 0 {
		s += fmt.Sprintf(", %d skipped", skipped)
	}
	if r.Stop != nil {
		return s + ": STOPPED, NOT certified"
	}
	if r.Certified() {
		return s + ": certified"
	}
	return s + ": NOT certified"
}

// WriteText writes the readable report: the findings of each failed case
// and why each skipped case was skipped, then the summary table (case,
// verdict, finding codes) and the summary line. It holds no times and no
// api_ids, so that two runs of the same client give the same text.
func WriteText(w io.Writer, r *Report) error {
	p := report.NewPrinter(w)
	p.Printf("phlomock certify: %s (operations: %s)\n", r.name(), report.OrDash(strings.Join(r.Operations, " ")))
	if len(r.Values) > 0 {
		p.Printf("seed %d (phlomock certify --seed %d draws the same values); values drawn from:\n", r.Seed, r.Seed)
		for _, v := range r.Values {
			p.Printf("  %s\n", v)
		}
	}
	p.Printf("\n")
	details := false
	for _, res := range r.Results {
		if res.Verdict == VerdictFail {
			p.Printf("FAIL %s\n", res.Case.ID)
			for _, f := range res.Findings {
				p.Printf("     %s: %s\n", f.Code, f.Message)
			}
			for _, line := range shrunkLines(r, res) {
				p.Printf("     %s\n", line)
			}
			details = true
		}
	}
	for _, line := range skipLines(r) {
		p.Printf("skip %s\n", line)
		details = true
	}
	if r.Stop != nil {
		p.Printf("STOP %s\n", r.Stop)
		details = true
	}
	if details {
		p.Printf("\n")
	}
	// The table lists the cases that ran: the skipped ones are above,
	// once, with why.
	if _, passed, failed, _ := r.Counts(); passed+failed > 0 {
		p.Table(func(t *report.Printer) {
			t.Printf("CASE\tVERDICT\tFINDINGS\n")
			for _, res := range r.Results {
				if res.Verdict != VerdictSkipped {
					t.Printf("%s\t%s\t%s\n", res.Case.ID, res.Verdict, report.OrDash(strings.Join(codesOf(res.Findings), " ")))
				}
			}
		})
	}
	p.Printf("%s\n", Summary(r))
	return p.Err()
}

// skipLines says why cases were skipped, one line per reason: "the
// client does not offer OP" once for every operation it does not offer
// (how many cases, the operations), any other reason with its cases.
func skipLines(r *Report) []string {
	type group struct {
		reason string   // for an operation's reason, without the operation
		names  []string // the operations, or the cases
		cases  int
	}
	var groups []*group
	at := map[string]*group{}
	for _, res := range r.Results {
		if res.Verdict != VerdictSkipped {
			continue
		}
		op, _, _ := strings.Cut(res.Case.ID, "/")
		key, name := res.Skipped, res.Case.ID
		if t, ok := strings.CutSuffix(res.Skipped, " "+op); ok {
			key, name = "op\x00"+t, op
		}
		g := at[key]
		if g == nil {
			g = &group{reason: strings.TrimPrefix(key, "op\x00")}
			at[key] = g
			groups = append(groups, g)
		}
		if !slices.Contains(g.names, name) {
			g.names = append(g.names, name)
		}
		g.cases++
	}
	lines := make([]string, 0, len(groups))
	for _, g := range groups {
		if at["op\x00"+g.reason] == g {
			lines = append(lines, fmt.Sprintf("%d %s: %s %s", g.cases, report.Plural(g.cases, "case"), g.reason, strings.Join(g.names, ", ")))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s: %s", strings.Join(g.names, ", "), g.reason))
	}
	return lines
}

// codesOf lists the distinct codes of findings, in order.
func codesOf(fs []Finding) []string {
	var out []string
	seen := map[Code]bool{}
	for _, f := range fs {
		if !seen[f.Code] {
			seen[f.Code] = true
			out = append(out, string(f.Code))
		}
	}
	return out
}

type jsonReport struct {
	Client     string       `json:"client"`
	Version    string       `json:"version"`
	Operations []string     `json:"operations"`
	Certified  bool         `json:"certified"`
	Cases      int          `json:"cases"`
	Passed     int          `json:"passed"`
	Failed     int          `json:"failed"`
	Skipped    int          `json:"skipped"`
	Results    []jsonResult `json:"results"`
	Stopped    *Stop        `json:"stopped,omitempty"`
	Seed       uint64       `json:"seed"`
	Values     []string     `json:"values"`
}

type jsonResult struct {
	ID        string    `json:"id"`
	Operation string    `json:"operation"`
	Verdict   Verdict   `json:"verdict"`
	Skipped   string    `json:"skipped,omitempty"`
	Requests  int       `json:"requests"`
	Findings  []Finding `json:"findings"`
	Shrunk    *Shrunk   `json:"shrunk,omitempty"`
	Replay    string    `json:"replay,omitempty"`
}

// WriteJSON writes the report as one indented JSON document, without
// times, so that two runs of the same client are byte-identical.
func WriteJSON(w io.Writer, r *Report) error {
	out := jsonReport{Client: r.Client, Version: r.Version, Operations: r.Operations, Certified: r.Certified(), Results: []jsonResult{}, Stopped: r.Stop, Seed: r.Seed, Values: r.Values}
	if out.Operations == nil {
		out.Operations = []string{}
	}
	out.Cases, out.Passed, out.Failed, out.Skipped = r.Counts()
	for _, res := range r.Results {
		jr := jsonResult{ID: res.Case.ID, Operation: res.Case.Operation, Verdict: res.Verdict, Skipped: res.Skipped, Requests: res.Requests, Findings: res.Findings, Shrunk: res.Shrunk}
		if res.Verdict == VerdictFail {
			jr.Replay = replay(r, res)
		}
		if jr.Findings == nil {
			jr.Findings = []Finding{}
		}
		out.Results = append(out.Results, jr)
	}
	return report.JSON(w, out, report.KeepHTML)
}

// WriteJUnit writes the report as JUnit XML: a testsuite per operation, a
// testcase per case; a failed case has one <failure> whose type is its
// first finding's code and whose text lists every finding, a skipped case
// has <skipped/>.
func WriteJUnit(w io.Writer, r *Report) error {
	out := junit.Report{Name: "phlomock certify " + r.name(), Duration: r.Duration}
	for _, res := range r.Results {
		op := res.Case.Operation
		jc := junit.Case{Name: res.Case.ID, Classname: "phlomock.certify." + op, Duration: res.Duration}
		switch res.Verdict {
		case VerdictSkipped:
			jc.Skipped = res.Skipped
		case VerdictFail:
			var text strings.Builder
			for _, f := range res.Findings {
				fmt.Fprintf(&text, "%s: %s\n", f.Code, f.Message)
			}
			for _, line := range shrunkLines(r, res) {
				fmt.Fprintf(&text, "%s\n", line)
			}
			first := res.Findings[0]
			jc.Failure = &junit.Failure{Message: first.Message, Type: string(first.Code), Text: text.String()}
		}
		out.Add(op, jc)
	}
	if s := r.Stop; s != nil {
		// The case the run stopped in, failed with the reason, so that a
		// CI job shows where it ended.
		name, op := s.Case, "run"
		for _, c := range Cases() {
			if c.ID == s.Case {
				op = c.Operation
			}
		}
		if name == "" {
			name = "run"
		}
		out.Add(op, junit.Case{Name: name, Classname: "phlomock.certify." + op, Failure: &junit.Failure{Message: s.Reason, Type: "run-stopped", Text: s.Reason + "\n"}})
	}
	return out.Write(w)
}

// WriteMarkdown writes the report as the Markdown page kept in
// docs/certification/: the verdict, a table of every case and the
// findings in full. Like WriteText, it is deterministic.
func WriteMarkdown(w io.Writer, r *Report) error {
	p := report.NewPrinter(w)
	n, passed, failed, skipped := r.Counts()
	p.Printf("# Certification of %s\n\n", r.name())
	verdict := "**certified**"
	if !r.Certified() {
		verdict = "**not certified**"
	}
	p.Printf("%s: %d cases, %d passed, %d failed, %d skipped.\n\n", verdict, n, passed, failed, skipped)
	if r.Stop != nil {
		p.Printf("The run stopped early: %s\n\n", mdEscape(r.Stop.String()))
	}
	p.Printf("Operations the driver offers: %s.\n\n", report.OrDash(strings.Join(r.Operations, ", ")))
	if len(r.Values) > 0 {
		p.Printf("Values drawn with seed %d from: %s.\n\n", r.Seed, mdEscape(strings.Join(r.Values, "; ")))
	}
	p.Printf("| case | verdict | findings |\n|---|---|---|\n")
	for _, res := range r.Results {
		p.Printf("| `%s` | %s | %s |\n", res.Case.ID, res.Verdict, report.OrDash(strings.Join(codesOf(res.Findings), ", ")))
	}
	if failed > 0 || skipped > 0 {
		p.Printf("\n## Findings\n")
		for _, res := range r.Results {
			switch res.Verdict {
			case VerdictFail:
				p.Printf("\n### `%s`\n\n", res.Case.ID)
				for _, f := range res.Findings {
					p.Printf("- `%s`: %s\n", f.Code, mdEscape(f.Message))
				}
				for _, line := range shrunkLines(r, res) {
					p.Printf("- %s\n", mdEscape(line))
				}
			case VerdictSkipped:
				p.Printf("\n### `%s` (skipped)\n\n%s\n", res.Case.ID, mdEscape(res.Skipped))
			}
		}
	}
	return p.Err()
}

// mdEscape keeps client text from being read as Markdown.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`")
	return r.Replace(s)
}

// replay is the command line that runs a failed case again with the same
// values.
func replay(r *Report, res Result) string {
	return fmt.Sprintf("phlomock certify --driver ... --seed %d --cases '%s'", r.Seed, res.Case.ID)
}

// shrunkLines say, under a failed case's findings, the smallest input that
// still fails and how to replay the case.
func shrunkLines(r *Report, res Result) []string {
	var out []string
	if s := res.Shrunk; s != nil {
		what := "the smallest input that still fails"
		if !s.Reduced {
			what = "no smaller input fails the same way; the input"
		}
		line := fmt.Sprintf("shrunk (%d tries): %s: %s", s.Tries, what, res.Shrunk.Call(res.Case))
		if len(s.Before) > 0 {
			line += " after " + strings.Join(s.Before, ", ")
		} else if res.Case.Sequence != nil {
			line += " with no call before it"
		}
		out = append(out, line)
	}
	return append(out, "replay: "+replay(r, res))
}
