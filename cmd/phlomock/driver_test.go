package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	certdriver "github.com/phlomock/phlomock/certify/driver"
)

// driverFake answers like the PHLO runner: errors for the phlo ids
// "missing", "empty" and "html", success otherwise. It journals the request
// lines it gets.
type driverFake struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newDriverFake(tb testing.TB) *driverFake {
	tb.Helper()
	f := &driverFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		user, pass, _ := r.BasicAuth()
		f.mu.Lock()
		f.seen = append(f.seen, strings.TrimSpace(fmt.Sprintf("%s %s %s:%s %s", r.Method, r.RequestURI, user, pass, body)))
		f.mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"api_id":"e1","error":"PHLO not found"}`)
		case strings.Contains(r.URL.Path, "/empty"):
			w.WriteHeader(http.StatusUnauthorized)
		case strings.Contains(r.URL.Path, "/html"):
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>bad gateway</html>")
		case strings.HasPrefix(r.URL.Path, "/v1/account/"):
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"api_id":"r1","phlo_id":"P1","phlo_run_id":"r1","message":"started"}`)
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/multi_party_call/"):
			io.WriteString(w, `{"api_id":"g2","node_id":"N1","phlo_id":"P1","name":"mpc","node_type":"multi_party_call","created_on":"c"}`)
		case r.Method == http.MethodGet:
			io.WriteString(w, `{"api_id":"g1","phlo_id":"P1","name":"n","created_on":"c"}`)
		default:
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"api_id":"a1","error":""}`)
		}
	}))
	tb.Cleanup(f.Close)
	return f
}

func (f *driverFake) journal() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// converse runs the driver on the given messages and returns its answers,
// decoded, one per line, and what it logged.
func converse(tb testing.TB, messages ...string) ([]map[string]any, string) {
	tb.Helper()
	var out, logs bytes.Buffer
	err := serveDriver(tb.Context(), strings.NewReader(strings.Join(messages, "\n")+"\n"), &out, &logs)
	require.NoError(tb, err)
	var answers []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m map[string]any
		require.NoError(tb, json.Unmarshal(sc.Bytes(), &m), "answer %q is not one JSON object", sc.Text())
		answers = append(answers, m)
	}
	return answers, logs.String()
}

func callLine(tb testing.TB, base, id, op string, params map[string]any) string {
	tb.Helper()
	b, err := json.Marshal(map[string]any{
		"type": "call", "id": id, "operation": op, "base_url": base,
		"auth_id": "MAPHLOMOCKDEFAULT001", "auth_token": "tok", "params": params,
	})
	require.NoError(tb, err)
	return string(b)
}

func TestDriverHello(t *testing.T) {
	answers, _ := converse(t, `{"type":"hello","protocol":1,"future":"ignored"}`, `{"type":"bye"}`)
	require.Len(t, answers, 1)
	assert.Equal(t, "hello", answers[0]["type"])
	assert.Equal(t, 1.0, answers[0]["protocol"])
	assert.Equal(t, "phlomock-go", answers[0]["client"])
	assert.NotEmpty(t, answers[0]["version"])
	assert.Equal(t, []any{
		"runPhlo", "getPhlo", "getMultiPartyCall", "call", "warmTransfer", "coldTransfer",
		"abortTransfer", "hold", "unhold", "hangup", "resumeCall", "voicemailDrop",
	}, answers[0]["operations"])
}

// The driver speaks the version phlomock opens with when it knows it (1
// or 2), and otherwise says which it speaks.
func TestDriverHelloOtherVersion(t *testing.T) {
	for _, tt := range []struct {
		open, want float64
		log        string
	}{{1, 1, ""}, {2, 2, ""}, {3, 2, "protocol 3"}} {
		answers, logs := converse(t, fmt.Sprintf(`{"type":"hello","protocol":%v}`, tt.open))
		require.Len(t, answers, 1)
		assert.Equal(t, tt.want, answers[0]["protocol"], "opened with %v", tt.open)
		if tt.log != "" {
			assert.Contains(t, logs, tt.log)
		} else {
			assert.Empty(t, logs)
		}
	}
}

// A call's timeout_ms (protocol 2) bounds the whole call: an answer the
// server holds back becomes an error result without a status.
func TestDriverCallTimeout(t *testing.T) {
	held := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-held:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(held) })
	call := fmt.Sprintf(`{"type":"call","id":"c","operation":"getPhlo","base_url":%q,"auth_id":"MA","auth_token":"t","params":{"phlo_id":"P1"},"timeout_ms":200}`, srv.URL)
	answers, _ := converse(t, `{"type":"hello","protocol":2}`, call, `{"type":"bye"}`)
	require.Len(t, answers, 2)
	assert.Equal(t, "error", answers[1]["outcome"])
	e := answers[1]["error"].(map[string]any)
	assert.Contains(t, e["message"], "context deadline exceeded")
	assert.Equal(t, 0.0, e["status"])
}

func TestDriverCalls(t *testing.T) {
	fake := newDriverFake(t)
	node := map[string]any{"phlo_id": "P1", "node_id": "N1", "to": "+14152225555", "role": "customer", "trigger_source": "+14152223333"}
	member := map[string]any{"phlo_id": "P1", "node_id": "N1", "member_address": "sip:alice123@phone.plivo.com"}
	action := map[string]any{"api_id": "a1", "error": ""}
	tests := []struct {
		op         string
		params     map[string]any
		wantSeen   string
		wantFields map[string]any
	}{
		{"runPhlo", map[string]any{"phlo_id": "P1", "payload": map[string]any{"from": "+1"}},
			`POST /v1/account/MAPHLOMOCKDEFAULT001/phlo/P1 MAPHLOMOCKDEFAULT001:tok {"from":"+1"}`,
			map[string]any{"api_id": "r1", "phlo_id": "P1", "phlo_run_id": "r1", "message": "started"}},
		{"runPhlo", map[string]any{"phlo_id": "P1"},
			`POST /v1/account/MAPHLOMOCKDEFAULT001/phlo/P1 MAPHLOMOCKDEFAULT001:tok`,
			map[string]any{"api_id": "r1", "phlo_id": "P1", "phlo_run_id": "r1", "message": "started"}},
		{"getPhlo", map[string]any{"phlo_id": "P1"},
			`GET /v1/phlo/P1 MAPHLOMOCKDEFAULT001:tok`,
			map[string]any{"api_id": "g1", "phlo_id": "P1", "name": "n", "created_on": "c"}},
		{"getMultiPartyCall", map[string]any{"phlo_id": "P1", "node_id": "N1"},
			`GET /v1/phlo/P1/multi_party_call/N1 MAPHLOMOCKDEFAULT001:tok`,
			map[string]any{"api_id": "g2", "node_id": "N1", "phlo_id": "P1", "name": "mpc", "node_type": "multi_party_call", "created_on": "c"}},
		{"call", node, `POST /v1/phlo/P1/multi_party_call/N1 MAPHLOMOCKDEFAULT001:tok {"action":"call","to":"+14152225555","role":"customer","trigger_source":"+14152223333"}`, action},
		{"warmTransfer", node, `POST /v1/phlo/P1/multi_party_call/N1 MAPHLOMOCKDEFAULT001:tok {"action":"warm_transfer","to":"+14152225555","role":"customer","trigger_source":"+14152223333"}`, action},
		{"coldTransfer", map[string]any{"phlo_id": "P1", "node_id": "N1", "to": "+3", "trigger_source": "+2"},
			`POST /v1/phlo/P1/multi_party_call/N1 MAPHLOMOCKDEFAULT001:tok {"action":"cold_transfer","to":"+3","role":"agent","trigger_source":"+2"}`, action},
		{"abortTransfer", member, `POST /v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com MAPHLOMOCKDEFAULT001:tok {"action":"abort_transfer"}`, action},
		{"hold", map[string]any{"phlo_id": "P1", "node_id": "N1", "member_address": "+14152223333"},
			`POST /v1/phlo/P1/multi_party_call/N1/members/+14152223333 MAPHLOMOCKDEFAULT001:tok {"action":"hold"}`, action},
		{"unhold", member, `POST /v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com MAPHLOMOCKDEFAULT001:tok {"action":"unhold"}`, action},
		{"hangup", member, `POST /v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com MAPHLOMOCKDEFAULT001:tok {"action":"hangup"}`, action},
		{"resumeCall", member, `POST /v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com MAPHLOMOCKDEFAULT001:tok {"action":"resume_call"}`, action},
		{"voicemailDrop", member, `POST /v1/phlo/P1/multi_party_call/N1/members/sip:alice123@phone.plivo.com MAPHLOMOCKDEFAULT001:tok {"action":"voicemail_drop"}`, action},
	}
	covered := map[string]bool{}
	for i, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			covered[tt.op] = true
			id := fmt.Sprintf("%s/%d", tt.op, i)
			answers, _ := converse(t, callLine(t, fake.URL, id, tt.op, tt.params))
			require.Len(t, answers, 1)
			assert.Equal(t, map[string]any{"type": "result", "id": id, "outcome": "success", "fields": tt.wantFields}, answers[0])
			seen := fake.journal()
			assert.Equal(t, tt.wantSeen, seen[len(seen)-1])
		})
	}
	for _, op := range certdriver.Operations {
		assert.True(t, covered[op], "no test for %s", op)
	}
}

func TestDriverOutcomes(t *testing.T) {
	fake := newDriverFake(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name string
		line string
		want map[string]any
	}{
		{"API error", callLine(t, fake.URL, "e", "getPhlo", map[string]any{"phlo_id": "missing"}),
			map[string]any{"type": "result", "id": "e", "outcome": "error", "error": map[string]any{"status": 404.0, "message": "phlorunner: 404 PHLO not found (api_id e1)", "api_id": "e1"}}},
		{"empty error body", callLine(t, fake.URL, "e", "hold", map[string]any{"phlo_id": "empty", "node_id": "N1", "member_address": "+1"}),
			map[string]any{"type": "result", "id": "e", "outcome": "error", "error": map[string]any{"status": 401.0, "message": "phlorunner: 401 Unauthorized (empty body)"}}},
		{"non-JSON error body", callLine(t, fake.URL, "e", "hold", map[string]any{"phlo_id": "html", "node_id": "N1", "member_address": "+1"}),
			map[string]any{"type": "result", "id": "e", "outcome": "error", "error": map[string]any{"status": 502.0, "message": `phlorunner: 502 Bad Gateway (not a JSON object: "<html>bad gateway</html>")`}}},
		{"missing parameter, nothing sent", callLine(t, fake.URL, "e", "hold", map[string]any{"phlo_id": "P1", "node_id": "N1"}),
			map[string]any{"type": "result", "id": "e", "outcome": "error", "error": map[string]any{"status": 0.0, "message": "Hold: empty path parameter member_address"}}},
		{"unknown operation", callLine(t, fake.URL, "u", "transmogrify", nil),
			map[string]any{"type": "result", "id": "u", "outcome": "unsupported", "message": `no operation "transmogrify" in the Go client`}},
		{"bad params", `{"type":"call","id":"b","operation":"runPhlo","base_url":"x","params":{"payload":{"n":1}}}`,
			map[string]any{"type": "result", "id": "b", "outcome": "driver_error", "message": "cannot parse params: json: cannot unmarshal number into Go struct field Params.payload of type string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers, _ := converse(t, tt.line)
			require.Len(t, answers, 1)
			assert.Equal(t, tt.want, answers[0])
		})
	}

	t.Run("transport error", func(t *testing.T) {
		answers, _ := converse(t, callLine(t, closed.URL, "t", "getPhlo", map[string]any{"phlo_id": "P1"}))
		require.Len(t, answers, 1)
		assert.Equal(t, "error", answers[0]["outcome"])
		e := answers[0]["error"].(map[string]any)
		assert.Equal(t, 0.0, e["status"])
		assert.Contains(t, e["message"], "connection refused")
	})
}

func TestDriverClientPanic(t *testing.T) {
	fields, err := perform(func() (map[string]string, error) {
		var m map[string]string
		//lint:ignore SA5000 the panic is what this test is about
		m["x"] = "y"
		return m, nil
	})
	assert.Nil(t, fields)
	require.ErrorContains(t, err, "panic: assignment to entry in nil map")
}

// Messages phlomock never sends are logged and left unanswered, since any
// unexpected answer fails the run.
func TestDriverIgnores(t *testing.T) {
	for _, line := range []string{`{"type":"ping","id":"p"}`, `hello`, `[1]`} {
		t.Run(line, func(t *testing.T) {
			answers, logs := converse(t, line, `{"type":"hello","protocol":1}`)
			require.Len(t, answers, 1, "only the hello is answered")
			assert.Equal(t, "hello", answers[0]["type"])
			assert.Contains(t, logs, "ignoring")
		})
	}
}

// After bye the driver reads nothing more; at the end of its input it
// stops as after a bye.
func TestDriverStops(t *testing.T) {
	fake := newDriverFake(t)
	answers, _ := converse(t, `{"type":"bye"}`, callLine(t, fake.URL, "late", "getPhlo", map[string]any{"phlo_id": "P1"}))
	assert.Empty(t, answers)
	assert.Empty(t, fake.journal())

	answers, _ = converse(t, `{"type":"hello","protocol":1}`, "")
	assert.Len(t, answers, 1)
}

func TestRunDriver(t *testing.T) {
	m := &Main{Stdin: strings.NewReader(`{"type":"hello","protocol":1}` + "\n" + `{"type":"bye"}` + "\n")}
	var stdout, stderr bytes.Buffer
	require.NoError(t, m.Run(t.Context(), []string{"driver"}, &stdout, &stderr))
	assert.True(t, strings.HasPrefix(stdout.String(), `{"type":"hello","protocol":1,"client":"phlomock-go"`), "got %q", stdout.String())
	assert.Equal(t, 1, strings.Count(stdout.String(), "\n"), "one line per message")

	err := run(t.Context(), []string{"driver", "extra"}, &stdout, &stderr)
	assert.Equal(t, 2, exitCode(err, io.Discard))
}

// TestDriverProcess runs the driver as phlomock certify does, as a process
// started by certify/driver: this test binary, re-executed as the helper
// below.
func TestDriverProcess(t *testing.T) {
	fake := newDriverFake(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	d, err := certdriver.Start(t.Context(), exe+" -test.run=^TestDriverProcessHelper$", certdriver.Options{
		Env: append(os.Environ(), "PHLOMOCK_TEST_DRIVER_PROCESS=1"),
	})
	require.NoError(t, err)
	assert.Equal(t, "phlomock-go", d.Hello().Client)
	assert.ElementsMatch(t, certdriver.Operations, d.Hello().Operations)

	r, err := d.Call(t.Context(), certdriver.CallMessage{
		ID: "coldTransfer/ok", Operation: certdriver.OpColdTransfer, BaseURL: fake.URL,
		AuthID: "MAPHLOMOCKDEFAULT001", AuthToken: "tok",
		Params: certdriver.Params{PhloID: "P1", NodeID: "N1", To: "+14152225555", TriggerSource: "+14152223333"},
	})
	require.NoError(t, err)
	assert.Equal(t, certdriver.OutcomeSuccess, r.Outcome)
	assert.Equal(t, map[string]string{"api_id": "a1", "error": ""}, r.Fields)

	r, err = d.Call(t.Context(), certdriver.CallMessage{
		ID: "getPhlo/404", Operation: certdriver.OpGetPhlo, BaseURL: fake.URL,
		AuthID: "MAPHLOMOCKDEFAULT001", AuthToken: "tok", Params: certdriver.Params{PhloID: "missing"},
	})
	require.NoError(t, err)
	assert.Equal(t, certdriver.OutcomeError, r.Outcome)
	require.NotNil(t, r.Error)
	assert.Equal(t, 404, r.Error.Status)
	assert.Equal(t, "e1", r.Error.APIID)

	require.NoError(t, d.Close(), "the driver must exit 0 after bye; its stderr: %s", d.Stderr())
}

// TestDriverProcessHelper is the driver process of TestDriverProcess.
func TestDriverProcessHelper(t *testing.T) {
	if os.Getenv("PHLOMOCK_TEST_DRIVER_PROCESS") != "1" {
		t.Skip("run by TestDriverProcess")
	}
	err := serveDriver(context.Background(), os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// A message it cannot read is named in the protocol's terms (the field and
// JSON kinds), not by our Go types (main.driverMessage).
func TestDriverIgnoredMessageWording(t *testing.T) {
	for line, want := range map[string]string{
		`{"type":"hello","protocol":"2"}`: "field protocol: got string, want integer",
		`[1]`:                             "not a JSON object (got array)",
		`hello`:                           "not a JSON object: invalid character",
	} {
		_, logs := converse(t, line)
		assert.Contains(t, logs, want, line)
		assert.NotContains(t, logs, "main.", line)
		assert.NotContains(t, logs, "Go ", line)
	}
}
