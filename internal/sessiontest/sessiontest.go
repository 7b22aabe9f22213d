package sessiontest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phlomock/phlomock/internal/wait"
)

// The PHLO and node of the built-in scenarios' world.
const (
	PhloID = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	NodeID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

// A Target is where the flow's requests go and as whom.
type Target struct {
	API, Admin string // base URLs (the admin one without /__admin)
	// AuthID and AuthToken authenticate the API requests.
	AuthID, AuthToken string
	// Session, when set, is sent as X-Phlomock-Session on every request
	// (API and control plane); else the control plane is asked with
	// ?session=QuerySession when that is set.
	Session, QuerySession string
	Client                *http.Client
	// Replicas, when set, are more API and admin base URLs of the same
	// fake (replicas on one store): requests go to each in turn, and after
	// each change of the scenarios the flow waits until every replica
	// lists the same (a replica follows another's change a moment later).
	Replicas [][2]string
}

// OwnScenario is the YAML of test i's own scenario, named "own" in every
// test (so uploads of the same name must not collide): its first n GETs of
// the PHLO answer 429 with the test's number, n = i%3+1 (so its counters
// must not be shared either).
func OwnScenario(i int) string {
	return fmt.Sprintf(`version: 1
name: own
rules:
  - name: limited-%d
    match: {operation: getPhlo}
    times: %d
    respond:
      status: 429
      body: {api_id: x, error: "test %d is rate limited"}
`, i, i%3+1, i)
}

// Flow runs test i's traffic: upload its own scenario, activate it with
// transfer-flow, four GETs of the PHLO, the transfer flow's actions, the
// call's state, verify, the journal, reset, the call again, and the journal
// emptied. It returns one line per step.
func Flow(tb testing.TB, t Target, i int) []string {
	tb.Helper()
	var out []string
	step := func(status int, body []byte) {
		out = append(out, fmt.Sprintf("%d: %d %s", len(out)+1, status, Mask(body)))
	}
	bases := append([][2]string{{t.API, t.Admin}}, t.Replicas...)
	n := i // which replica is next
	next := func() [2]string { n++; return bases[n%len(bases)] }
	scoped := func(path string) string {
		if t.Session == "" && t.QuerySession != "" {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			path += sep + "session=" + t.QuerySession
		}
		return "/__admin" + path
	}
	admin := func(method, path, body string) (int, []byte) {
		base := next()[1]
		status, raw := t.do(tb, method, base+scoped(path), body, false)
		if method != "GET" && len(bases) > 1 && (strings.HasPrefix(path, "/scenarios") || strings.HasPrefix(path, "/reset")) {
			// a reset puts the active scenarios back too: the other replicas
			// follow it within their bound, as they follow an activation
			t.settle(tb, base, bases, scoped("/scenarios"))
		}
		return status, raw
	}
	api := func(method, path, body string) (int, []byte) {
		return t.do(tb, method, next()[0]+path, body, true)
	}
	node := "/v1/phlo/" + PhloID + "/multi_party_call/" + NodeID
	member := func(addr string) string { return node + "/members/" + addr }

	step(admin("POST", "/scenarios?file=own.yaml&activate=false", OwnScenario(i)))
	step(admin("PUT", "/scenarios/active", `{"names":["transfer-flow","own"]}`))
	for range 4 {
		step(api("GET", "/v1/phlo/"+PhloID, ""))
	}
	agent, customer, second := "+14152225555", "+14152223333", fmt.Sprintf("+141522244%02d", i)
	step(api("POST", member(agent), `{"action":"abort_transfer"}`))
	step(api("POST", node, `{"action":"warm_transfer","to":"`+second+`","role":"agent","trigger_source":"`+agent+`"}`))
	step(api("POST", member(agent), `{"action":"abort_transfer"}`))
	step(api("POST", node, `{"action":"cold_transfer","to":"`+second+`","role":"agent","trigger_source":"`+agent+`"}`))
	step(api("POST", member(agent), `{"action":"hangup"}`))
	step(api("POST", member(customer), `{"action":"hold"}`))
	step(admin("GET", "/calls/"+PhloID+"/"+NodeID, ""))
	step(admin("POST", "/verify", `{"operation":"updateMultiPartyCall","expect":2}`))
	step(admin("POST", "/verify", `{"operation":"getPhlo","status":429}`))
	status, body := admin("GET", "/journal?limit=1000", "")
	out = append(out, fmt.Sprintf("journal: %d %s", status, Summary(tb, body)))
	step(admin("POST", "/reset", ""))
	step(admin("GET", "/calls/"+PhloID+"/"+NodeID, ""))
	step(api("GET", "/v1/phlo/"+PhloID, ""))
	step(admin("DELETE", "/journal", ""))
	status, body = admin("GET", "/journal", "")
	out = append(out, fmt.Sprintf("journal emptied: %d %s", status, Summary(tb, body)))
	return out
}

// settle waits (at most 10 s) until every replica lists the scenarios
// as the one a change was made on does.
func (t Target) settle(tb testing.TB, made string, bases [][2]string, path string) {
	tb.Helper()
	_, want := t.do(tb, "GET", made+path, "", false)
	for _, b := range bases {
		wait.UntilNil(tb, 10*time.Second, "replica "+b[1]+" follows the change made on "+made, func() error {
			if _, got := t.do(tb, "GET", b[1]+path, "", false); !bytes.Equal(got, want) {
				return fmt.Errorf("got %s, want %s", got, want)
			}
			return nil
		})
	}
}

func (t Target) do(tb testing.TB, method, url, body string, api bool) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatalf("request: %v", err)
	}
	if body != "" && api {
		req.Header.Set("Content-Type", "application/json")
	}
	if api {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(t.AuthID+":"+t.AuthToken)))
	}
	if t.Session != "" {
		req.Header.Set("X-Phlomock-Session", t.Session)
	}
	c := t.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	return res.StatusCode, raw
}

var (
	uuid  = regexp.MustCompile(`"api_id":"[^"]*"`)
	times = regexp.MustCompile(`"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+(Z|[+-][0-9:]+)?"`)
)

// Mask is an answer with its api_ids and times replaced by placeholders.
func Mask(body []byte) string {
	s := strings.TrimSpace(string(body))
	s = uuid.ReplaceAllString(s, `"api_id":"*"`)
	return times.ReplaceAllString(s, `"*time*"`)
}

// Summary is a journal page as "operation status" per entry, sorted (the
// entries of several replicas are numbered in the order they reached the
// store), and the page's count.
func Summary(tb testing.TB, body []byte) string {
	tb.Helper()
	var page struct {
		Entries []struct {
			OperationID string `json:"operation_id"`
			Status      int    `json:"status"`
			Scenario    string `json:"scenario"`
			Rule        string `json:"rule"`
		} `json:"entries"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&page); err != nil {
		return "not a journal page: " + Mask(body)
	}
	lines := make([]string, len(page.Entries))
	for i, e := range page.Entries {
		lines[i] = fmt.Sprintf("%s %d %s %s", e.OperationID, e.Status, e.Scenario, e.Rule)
	}
	sort.Strings(lines)
	return fmt.Sprintf("%d entries [%s]", len(lines), strings.Join(lines, "; "))
}
