package certify

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/openapi"
)

// request judges what every request of the case must get right, the
// operation's own and the reads before it alike: no body where the
// contract has none, no query parameter it does not declare, and the
// credentials in the Authorization header only.
func (j *judge) request(e *mockserver.Entry) {
	if body := strings.TrimSpace(e.Body); body != "" && e.OperationID != "" && j.contract.body(e.OperationID) == nil {
		j.add(CodeSentBodyOnBodiless, "%s has no request body in the contract, and the client sent one: %s", describeEntry(e), clip(body))
	}
	if e.RawQuery != "" {
		var names []string
		if q, err := url.ParseQuery(e.RawQuery); err == nil {
			for _, k := range slices.Sorted(maps.Keys(q)) {
				if !j.contract.declaresQuery(e.OperationID, k) {
					names = append(names, strconv.Quote(k))
				}
			}
		} else {
			names = append(names, "(a query that does not parse)")
		}
		if len(names) > 0 {
			j.add(CodeSentUndeclaredQuery, "%s has the query ?%s: the contract declares no query parameter %s", describeEntry(e), clip(e.RawQuery), strings.Join(names, ", "))
		}
	}
	if j.secret == "" {
		return
	}
	var where []string
	if containsSecret(e.Path, j.secret) {
		where = append(where, "the path")
	}
	if containsSecret(e.RawQuery, j.secret) {
		where = append(where, "the query string")
	}
	if containsSecret(e.Body, j.secret) {
		where = append(where, "the body")
	}
	for _, name := range slices.Sorted(maps.Keys(e.Header)) {
		if name == "Authorization" {
			continue
		}
		for _, v := range e.Header[name] {
			if containsSecret(v, j.secret) {
				where = append(where, "the header "+name)
				break
			}
		}
	}
	if len(where) > 0 {
		j.add(CodeSentCredentialsExposed, "%s carries the Auth Token in %s, where logs and proxies keep it: send it only in the Authorization header", describeEntry(e), strings.Join(where, " and "))
	}
}

// containsSecret finds the secret as sent: raw, percent-encoded or inside
// base64 (of "id:secret" or "secret:id", wherever it starts).
func containsSecret(s, secret string) bool {
	if s == "" || secret == "" {
		return false
	}
	// The journal masks the request's secrets wherever it keeps them: a
	// mask outside the Authorization header is where the token was.
	if strings.Contains(s, mockserver.Redacted) || strings.Contains(s, url.QueryEscape(mockserver.Redacted)) {
		return true
	}
	if strings.Contains(s, secret) || strings.Contains(s, url.QueryEscape(secret)) || strings.Contains(s, url.PathEscape(secret)) {
		return true
	}
	if u, err := url.QueryUnescape(s); err == nil && strings.Contains(u, secret) {
		return true
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !isBase64Char(r) }) {
		if b, err := base64.StdEncoding.DecodeString(w); err == nil && strings.Contains(string(b), secret) {
			return true
		}
	}
	return false
}

func isBase64Char(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '='
}

// redact removes the secret from a text quoted in a report, in every
// form containsSecret finds.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, form, "[redacted]")
	}
	return s
}

// others judges the requests besides the operation's own: reading the
// PHLO or the node first is what some SDKs do (plivo-go needs the node's
// type to build the action's path), and sending the operation again after
// a 429, a 5xx or no answer is a retry; anything else is an extra request.
// A retry is judged by retry.
func (j *judge) others(entries []*mockserver.Entry, target *mockserver.Entry) {
	var prev *mockserver.Entry // the last attempt at the operation so far
	for _, e := range entries {
		attempt := e.OperationID == target.OperationID
		if attempt && prev != nil {
			j.retry(prev, e)
		}
		if attempt {
			prev = e
		}
		if e == target {
			continue
		}
		read := e.Method == "GET" && (e.OperationID == openapi.OpGetPhlo || e.OperationID == openapi.OpGetMultiPartyCall) &&
			e.PathParams["phlo_id"] == j.c.Params.PhloID &&
			(e.OperationID == openapi.OpGetPhlo || e.PathParams["node_id"] == j.c.Params.NodeID)
		retry := attempt && unknownOrRefused(e.Status)
		if !read && !retry {
			j.add(CodeSentExtraRequests, "the client also sent %s", describeEntry(e))
		}
	}
}

// unknownOrRefused: after this answer a client may send the request
// again (a 429 refused it; a 5xx or no answer leaves it unknown).
func unknownOrRefused(status int) bool { return status == 0 || status == 429 || status >= 500 }

// retry judges next, an attempt at the case's operation after prev.
//
// The rule: reads (GET) may be retried after any answer that allows it.
// Actions (every POST: a run dials, a node or member action moves people)
// may be retried only after a 429, which says the request was refused and
// not performed, and only once its Retry-After has passed. After a 5xx or
// a dropped connection the first attempt may have happened, and the API
// has no idempotency key to make a second one safe, so the client must
// surface the error instead.
func (j *judge) retry(prev, next *mockserver.Entry) {
	if prev.Status == 429 {
		switch wait := j.retryAfter(); {
		case !j.retryAt.IsZero() && next.Time.Before(j.retryAt.Add(-RetryAfterTolerance)):
			j.add(CodeSentRetryTooSoon, "the client sent %s again before the date the 429's Retry-After gave: Retry-After may be an HTTP date as well as seconds (RFC 9110, 10.2.3); wait until that date",
				describeEntry(next))
		case wait > 0 && next.Time.Sub(prev.Time.Add(prev.Duration)) < wait-RetryAfterTolerance:
			j.add(CodeSentRetryTooSoon, "the client sent %s again sooner than the 429's Retry-After: %d (less than %s after the answer)",
				describeEntry(next), int(wait/time.Second), wait-RetryAfterTolerance)
		}
		return
	}
	if next.Method == "POST" && (prev.Status == 0 || prev.Status >= 500) {
		what := fmt.Sprintf("a %d", prev.Status)
		if prev.Status == 0 {
			what = "no answer"
		}
		j.add(CodeSentActionRetried, "the client sent %s again after %s: that does not say whether the first one happened, and a retry may do it twice; surface the error instead", describeAction(next), what)
	}
}

// retryAfter is the Retry-After the case's answer carries, in whole seconds.
func (j *judge) retryAfter() time.Duration {
	if j.c.Trouble == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(j.c.Trouble.Header["Retry-After"]))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
