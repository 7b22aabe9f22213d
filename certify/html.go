package certify

import (
	"io"
	"strings"

	"github.com/phlomock/phlomock/internal/htmlreport"
	"github.com/phlomock/phlomock/internal/report"
	"github.com/phlomock/phlomock/mockserver"
)

// ReplayBase is where the replay commands of an HTML report send their
// requests: a fake started by `phlomock serve` on its default address.
const ReplayBase = "http://127.0.0.1:8080"

// WriteHTML writes the report as one self-contained HTML page: the summary
// and whether the client is certified, each failed case with its findings
// (code and message), every request the client sent with the fake's
// answer, the case's scenario and the commands that replay the requests
// against a fake started with it, then the skipped cases with their
// reasons.
func WriteHTML(w io.Writer, r *Report) error {
	n, passed, failed, skipped := r.Counts()
	p := &htmlreport.Page{
		Title:   "phlomock certify",
		Subject: r.name() + " (operations: " + report.OrDash(strings.Join(r.Operations, " ")) + ")",
		Verdict: "NOT certified",
		OK:      r.Certified(),
		Counts:  []htmlreport.Count{{Label: "cases", N: n}, {Label: "passed", N: passed}, {Label: "failed", N: failed}, {Label: "skipped", N: skipped}},
		Replay: "Each case's commands replay the client's requests against a fake that answers as in the run: save the case's scenario (when it has one), " +
			"start the fake with the command shown, then run the curl commands.",
	}
	if p.OK {
		p.Verdict = "certified"
	}
	for _, res := range r.Results {
		switch res.Verdict {
		case VerdictSkipped:
			p.Skipped = append(p.Skipped, htmlreport.Skip{ID: res.Case.ID, Reason: res.Skipped})
		case VerdictPass:
			p.Passed = append(p.Passed, res.Case.ID)
		default:
			p.Failures = append(p.Failures, htmlFailure(res))
		}
	}
	return htmlreport.Write(w, p)
}

func htmlFailure(res Result) htmlreport.Failure {
	f := htmlreport.Failure{ID: res.Case.ID, About: res.Case.Operation}
	for _, fd := range res.Findings {
		f.Problems = append(f.Problems, htmlreport.Problem{Code: string(fd.Code), Message: fd.Message})
	}
	var replay []string
	for _, e := range res.Journal {
		f.Exchanges = append(f.Exchanges, htmlreport.Exchange{
			Sent:     htmlreport.Request(e.Method, target(e, ""), e.Header, e.Body),
			Received: htmlreport.Response(e.Status, nil, string(e.Answer)),
		})
		user := ""
		if e.AuthID != "" {
			// certify's fake accepts the documented default account only.
			user = htmlreport.Quote(mockserver.DefaultAuthID + ":" + mockserver.DefaultAuthToken)
		}
		replay = append(replay, htmlreport.Curl(e.Method, target(e, ReplayBase), e.Header, e.Body, user))
	}
	f.Replay = strings.Join(replay, "\n")
	f.SetupTitle, f.Setup = "Start the fake", "phlomock serve"
	if res.Case.Trouble != nil {
		file := strings.ReplaceAll(res.Case.ID, "/", "-") + ".yaml"
		if src, err := ScenarioYAML(res.Case); err != nil {
			f.Setup = "# " + err.Error()
		} else {
			f.Setup = "cat > " + file + " <<'EOF'\n" + src + "EOF\nphlomock serve --scenario " + file
		}
	}
	return f
}

func target(e *mockserver.Entry, base string) string {
	u := base + e.Path
	if e.RawQuery != "" {
		u += "?" + e.RawQuery
	}
	return u
}
