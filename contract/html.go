package contract

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/phlomock/phlomock/internal/htmlreport"
)

// HTMLOptions say where the replay commands of an HTML report send their
// requests.
type HTMLOptions struct {
	// Subject names what was judged, under the title ("http://127.0.0.1:8080").
	Subject string
	// ReplayBase replaces the scheme and host of the requests in the replay
	// commands ("http://127.0.0.1:8080"): the in-process fake of a run is
	// gone when the report is read. Empty: the target as run.
	ReplayBase string
	// Serve, when set, is the command that starts a fake at ReplayBase
	// ("phlomock serve"); a scenario's case adds --scenario NAME to it.
	Serve string
}

// WriteHTML writes the report as one self-contained HTML page: the summary,
// each failed case with its violations (code, JSON pointer, message), the
// request as sent and the answer as received, and a curl command that
// sends the request again, then the skipped cases with their reasons. The
// credentials are never written: the commands read them from
// $PHLOMOCK_AUTH_ID and $PHLOMOCK_AUTH_TOKEN.
func WriteHTML(w io.Writer, rep *Report, opts HTMLOptions) error {
	n, passed, failed, skipped := rep.Counts()
	p := &htmlreport.Page{
		Title:   "phlomock conform",
		Subject: strings.TrimSpace(opts.Subject + " " + SeedLine(rep)),
		Verdict: "conforms",
		OK:      failed == 0,
		Counts:  []htmlreport.Count{{Label: "cases", N: n}, {Label: "passed", N: passed}, {Label: "failed", N: failed}, {Label: "skipped", N: skipped}},
		Replay:  "Each replay command reads the credentials from $PHLOMOCK_AUTH_ID and $PHLOMOCK_AUTH_TOKEN.",
	}
	if !p.OK {
		p.Verdict = Summary(rep)
	}
	if opts.Serve != "" {
		p.Replay = "Start the fake first (" + opts.Serve + ", with the case's --scenario when it names one), then run the case's command. " +
			"For the fake's default account: export PHLOMOCK_AUTH_ID=MAPHLOMOCKDEFAULT001 PHLOMOCK_AUTH_TOKEN=phlomock-default-auth-token."
	}
	for _, res := range rep.Results {
		switch {
		case res.Skipped != "":
			p.Skipped = append(p.Skipped, htmlreport.Skip{ID: res.Case.ID, Reason: res.Skipped})
		case len(res.Violations) == 0:
			p.Passed = append(p.Passed, res.Case.ID)
		default:
			p.Failures = append(p.Failures, htmlFailure(rep, res, opts))
		}
	}
	return htmlreport.Write(w, p)
}

func htmlFailure(rep *Report, res Result, opts HTMLOptions) htmlreport.Failure {
	f := htmlreport.Failure{ID: res.Case.ID, About: res.Case.Operation}
	if res.Case.Description != "" {
		f.About = strings.TrimSpace(f.About + ": " + res.Case.Description)
	}
	for _, v := range res.Violations {
		f.Problems = append(f.Problems, htmlreport.Problem{Code: string(v.Code), Where: v.Pointer, Message: v.Message + cites(v)})
	}
	for _, v := range res.Waived {
		f.Problems = append(f.Problems, htmlreport.Problem{Code: string(v.Code) + " (waived)", Where: v.Pointer, Message: v.Message})
	}
	x := res.Exchange
	if x == nil {
		return f
	}
	f.Exchanges = []htmlreport.Exchange{{
		Sent:     htmlreport.Request(x.Method, x.URL, x.Header, x.Body) + authLine(x.Auth),
		Received: htmlreport.Response(x.Status, x.AnswerHeader, x.Answer),
	}}
	if opts.Serve != "" {
		serve := opts.Serve
		if res.Case.Sequence != "" {
			serve += " --scenario " + htmlreport.Quote(res.Case.Sequence)
		}
		f.SetupTitle, f.Setup = "Start the target", serve
	}
	base := opts.ReplayBase
	if base == "" {
		base = rep.ReplayBase
	}
	f.Replay = Replay(res, base)
	if res.Shrunk != nil {
		f.About += fmt.Sprintf(" (shrunk from %d to %d bytes: the request shown is the smallest that still fails)", res.Shrunk.FromBytes, res.Shrunk.ToBytes)
	}
	return f
}

// Replay is a curl command that sends the case's request again (the
// shrunk one when the case was shrunk), to base instead of the URL it was
// sent to when base is set. Credentials come from $PHLOMOCK_AUTH_ID and
// $PHLOMOCK_AUTH_TOKEN: a report never holds them.
func Replay(res Result, base string) string {
	x := res.Exchange
	if x == nil {
		return ""
	}
	target := x.URL
	if base != "" {
		if u, err := url.Parse(x.URL); err == nil {
			target = strings.TrimRight(base, "/") + u.RequestURI()
		}
	}
	header := x.Header.Clone()
	var user string
	switch x.Auth {
	case AuthDefault:
		user = `"$PHLOMOCK_AUTH_ID:$PHLOMOCK_AUTH_TOKEN"`
	case AuthWrong:
		user = `"$PHLOMOCK_AUTH_ID:phlomock-wrong-$PHLOMOCK_AUTH_TOKEN"`
	case AuthOtherID:
		user = `"` + OtherAccountID + `:$PHLOMOCK_AUTH_TOKEN"`
	case AuthBearer:
		return strings.Replace(htmlreport.Curl(x.Method, target, header, x.Body, ""), "curl ", `curl -H "Authorization: Bearer $PHLOMOCK_AUTH_TOKEN" `, 1)
	case AuthMalformed:
		header.Set("Authorization", "Basic not*base64!")
	}
	return htmlreport.Curl(x.Method, target, header, x.Body, user)
}

func authLine(a Auth) string {
	switch a {
	case AuthDefault:
		return "(Basic auth: the target's Auth ID and Auth Token)\n"
	case AuthWrong:
		return "(Basic auth: the target's Auth ID and a wrong token)\n"
	case AuthBearer:
		return "(the target's Auth Token as a Bearer token)\n"
	case AuthMalformed:
		return "(a Basic value that is not base64)\n"
	case AuthOtherID:
		return "(Basic auth: another account's Auth ID and the target's token)\n"
	}
	return "(no credentials)\n"
}
