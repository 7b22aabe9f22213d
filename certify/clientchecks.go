package certify

import (
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"

	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/mockserver"
)

// The second account of the fake, for the case that switches accounts
// (Case.Switch): the shape of a real Auth ID, no one's.
const (
	AltAuthID    = "MAPHLOMOCKALTERNATE1"
	AltAuthToken = "phlomock-alternate-auth-token"
)

// The codes of the checks on time, configuration and output.
const (
	// CodeClientTimeoutTooShort: the fake's valid answer came after
	// SlowDelay and the client gave up on it.
	CodeClientTimeoutTooShort Code = "client-timeout-too-short"
	// CodeClientCredentialsInOutput: the Auth Token in what the client
	// surfaced (an error message, a field) or wrote to its logs.
	CodeClientCredentialsInOutput Code = "client-credentials-in-output"
	// CodeSentWrongHost: a Host header that is not the base URL's host.
	CodeSentWrongHost Code = "sent-wrong-host"
	// CodeSentStaleConfig: the base URL or credentials of an earlier call
	// sent in a call that was given others.
	CodeSentStaleConfig Code = "sent-stale-config"
	// CodeSentAfterReturn: a request of the case that arrived after the
	// call had returned (asynchronous or duplicate submission).
	CodeSentAfterReturn Code = "sent-after-return"
)

// config is where and as whom a case's call goes.
type config struct {
	baseURL, authID, token string
	// stale are the base URL host and Auth ID of the calls before, for a
	// case that switched (Case.Switch).
	staleHost, staleID string
}

func (l *lane) configFor(c Case) config {
	if c.Switch {
		return config{baseURL: l.altURL, authID: AltAuthID, token: AltAuthToken, staleHost: hostOf(l.url), staleID: mockserver.DefaultAuthID}
	}
	return config{baseURL: l.url, authID: mockserver.DefaultAuthID, token: mockserver.DefaultAuthToken}
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

// where judges the Host and the credentials of every request of the case
// against the case's configuration, and the charset of its body.
func (j *judge) where(e *mockserver.Entry) {
	host := e.Header.Get("Host")
	var stale []string
	switch want := hostOf(j.cfg.baseURL); {
	case host == "" || want == "":
	case j.cfg.staleHost != "" && host == j.cfg.staleHost:
		stale = append(stale, fmt.Sprintf("went to the base URL of the calls before (Host %s), not to the one this call was given (%s)", host, want))
	case !strings.EqualFold(host, want):
		j.add(CodeSentWrongHost, "%s has the Host header %q, want the base URL's host %q", describeEntry(e), host, want)
	}
	if user, ok := basicUser(e.Header.Get("Authorization")); ok && j.cfg.staleID != "" && user == j.cfg.staleID {
		stale = append(stale, fmt.Sprintf("carries the Auth ID of the calls before (%s), not the one this call was given (%s)", user, j.cfg.authID))
	}
	if len(stale) > 0 {
		j.add(CodeSentStaleConfig, "%s %s: the client kept its first configuration", describeEntry(e), strings.Join(stale, " and "))
	}
	if ct := e.Header.Get("Content-Type"); ct != "" && strings.TrimSpace(e.Body) != "" {
		if _, params, err := mime.ParseMediaType(ct); err == nil {
			if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
				j.add(CodeSentWrongContentType, "%s declares charset=%s for a JSON body: JSON is UTF-8 (RFC 8259), a server decodes it wrongly", describeEntry(e), cs)
			}
		}
	}
}

// staleUser reports a Basic user that is the previous calls' Auth ID:
// sent-stale-config says so, not sent-wrong-value.
func (j *judge) staleUser(user string) bool { return j.cfg.staleID != "" && user == j.cfg.staleID }

// output judges what the client surfaced and logged for the Auth Token.
// stderr is what the driver wrote during the case.
func (j *judge) output(res driver.Result, stderr string) {
	var where []string
	if res.Error != nil && containsSecret(res.Error.Message, j.secret) {
		where = append(where, "its error message")
	}
	if containsSecret(res.Message, j.secret) {
		where = append(where, "its message")
	}
	for _, k := range sortedKeys(res.Fields) {
		if containsSecret(res.Fields[k], j.secret) {
			where = append(where, "the field "+k)
		}
	}
	if containsSecret(stderr, j.secret) {
		where = append(where, "its log (the driver's standard error)")
	}
	if len(where) > 0 {
		j.add(CodeClientCredentialsInOutput, "the client put the Auth Token in %s, where logs, error trackers and screens keep it", strings.Join(where, " and "))
	}
}

// slowGaveUp reports the slow case's failure: an error for an answer
// that was valid, only late.
func (j *judge) slowGaveUp(res driver.Result) bool {
	if j.c.Trouble == nil || !j.c.Trouble.Slow || res.Outcome != driver.OutcomeError {
		return false
	}
	j.add(CodeClientTimeoutTooShort, "the fake answered %s validly after %s and the client gave up with %s: a timeout under a second fails on an ordinary slow answer; give it several seconds", j.c.Operation, SlowDelay, describeError(res.Error))
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
