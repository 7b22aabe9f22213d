package htmlreport

import (
	_ "embed"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// A Page is one report.
type Page struct {
	Title    string // "phlomock conform"
	Subject  string // what was judged: the target, the client
	Verdict  string // "conforms", "NOT certified"...
	OK       bool   // the verdict is a pass
	Counts   []Count
	Failures []Failure
	Skipped  []Skip
	Passed   []string // the ids of the cases that passed
	// Replay says, above the failures, how to run their commands (which
	// target to start first, which variables to set).
	Replay string
}

// A Count is one number of the summary: "cases 57".
type Count struct {
	Label string
	N     int
}

// A Failure is one failed case.
type Failure struct {
	ID       string
	About    string // the operation, a sentence
	Problems []Problem
	// Exchanges are the requests of the case, as sent and received.
	Exchanges []Exchange
	// Setup is the file or command the replay needs first (a scenario).
	SetupTitle string
	Setup      string
	// Replay is the shell command that sends the case's request again.
	Replay string
}

// A Problem is a violation or finding: its code, where (a JSON pointer, or
// ""), and what.
type Problem struct {
	Code, Where, Message string
}

// An Exchange is a request and its answer, as text.
type Exchange struct {
	Sent, Received string
}

// A Skip is a case that did not run, and why.
type Skip struct {
	ID, Reason string
}

//go:embed report.html.tmpl
var pageText string

// page is parsed on its first use, not in every start of the binary.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Parse(pageText))
})

// Write writes p as one HTML page.
func Write(w io.Writer, p *Page) error { return page().Execute(w, p) }

// Request renders a request as text: the request line, the headers (sorted)
// and the body.
func Request(method, url string, header http.Header, body string) string {
	var b strings.Builder
	b.WriteString(method + " " + url + "\n")
	writeHeaders(&b, header)
	if body != "" {
		b.WriteString("\n" + body + "\n")
	}
	return b.String()
}

// Response renders an answer as text: the status, the headers and the body.
func Response(status int, header http.Header, body string) string {
	var b strings.Builder
	if status == 0 {
		return "no answer\n"
	}
	b.WriteString(statusLine(status) + "\n")
	writeHeaders(&b, header)
	if body != "" {
		b.WriteString("\n" + body + "\n")
	}
	return b.String()
}

func statusLine(status int) string {
	return strings.TrimSpace(strconv.Itoa(status) + " " + http.StatusText(status))
}

func writeHeaders(b *strings.Builder, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
}

// skipped headers are the ones curl sets itself (or that only describe
// the connection).
var skipped = map[string]bool{"Authorization": true, "Content-Length": true, "Accept-Encoding": true, "Host": true, "Connection": true}

// Curl is a curl command that sends the request again. user is the -u
// argument as it must appear in the shell (quoted by the caller, so that
// it may name variables: "$PHLOMOCK_AUTH_ID:$PHLOMOCK_AUTH_TOKEN"); ""
// sends no credentials.
func Curl(method, url string, header http.Header, body, user string) string {
	parts := []string{"curl", "-sS", "-i"}
	if method != http.MethodGet || body != "" {
		parts = append(parts, "-X", method)
	}
	if user != "" {
		parts = append(parts, "-u", user)
	}
	keys := make([]string, 0, len(header))
	for k := range header {
		if !skipped[http.CanonicalHeaderKey(k)] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range header[k] {
			parts = append(parts, "-H", Quote(k+": "+v))
		}
	}
	if body != "" {
		parts = append(parts, "--data-binary", Quote(body))
	}
	parts = append(parts, Quote(url))
	return strings.Join(parts, " ")
}

// Quote quotes s for a POSIX shell, in single quotes.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
