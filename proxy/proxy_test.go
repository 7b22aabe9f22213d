package proxy_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/proxy"
)

const callBody = `{"action":"call","to":"+14152224444","role":"agent","trigger_source":"+14152225555"}`

// findGroup returns the report's group for op and kind at pointer.
func findGroup(r *proxy.Report, op string, kind proxy.Kind, pointer string) *proxy.Group {
	for i, g := range r.Drift {
		if g.Operation == op && g.Kind == kind && g.Pointer == pointer {
			return &r.Drift[i]
		}
	}
	return nil
}

// TestDeviations: each way the independent phlorunner deviates from the
// contract's answers is reported, grouped, with the option that explains
// it; the application gets the target's answer byte for byte.
func TestDeviations(t *testing.T) {
	cases := []struct {
		name, method, path, body string
		times                    int
		op                       string
		kind                     proxy.Kind
		pointer, real, fake      string
		text, hint               string
	}{
		{"200 instead of 201", "POST", nodePath, callBody, 3, "updateMultiPartyCall", proxy.KindStatus, "/status", "200", "201",
			"the real API answers 200 where the fake answers 201 on updateMultiPartyCall (3 times)", "--action-status 200 would remove it"},
		{"an extra field", "GET", phloPath, "", 2, "getPhlo", proxy.KindFieldAdded, "/body/region", "text", "",
			"the real API's answer has /region (text), the fake's does not on getPhlo (2 times)", ""},
		{"another error text", "POST", nodePath, `{"action":"dance"}`, 1, "updateMultiPartyCall", proxy.KindErrorText, "/body/error", "invalid action",
			"Invalid value provided for action. Allowed values are 'call', 'warm_transfer' and 'cold_transfer'.", `the real API's error is "invalid action"`, ""},
		{"an unknown node", "GET", phloPath + "/multi_party_call/" + unknownNode, "", 1, "getMultiPartyCall", proxy.KindStatus, "/status", "404", "200",
			"the real API answers 404 where the fake answers 200 on getMultiPartyCall (once)", "--strict-ids"},
		{"a 429 burst", "POST", memberPath, `{"action":"hold"}`, 2, "updateMember", proxy.KindStatus, "/status", "429", "201",
			"the real API answers 429 where the fake answers 201 on updateMember (2 times)", "--scenario rate-limited"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := newPhlorunner(t)
			f := newFront(t, up.URL, mockserver.Options{}, nil)
			for range tc.times {
				got := call(t, f.URL, tc.method, tc.path, tc.body)
				status, sent := up.sent()
				assert.Equal(t, status, got.status, "the application gets the target's status")
				assert.Equal(t, string(sent), string(got.raw), "the application gets the target's body")
			}
			rep := f.report(t, tc.times)
			g := findGroup(rep, tc.op, tc.kind, tc.pointer)
			require.NotNilf(t, g, "no %s group at %s on %s in %+v", tc.kind, tc.pointer, tc.op, rep.Drift)
			assert.Equal(t, tc.times, g.Count)
			assert.Equal(t, tc.real, g.Real)
			assert.Equal(t, tc.fake, g.Fake)
			assert.Contains(t, g.Text, tc.text)
			if tc.hint != "" {
				assert.Contains(t, g.Hint, tc.hint)
			} else {
				assert.Empty(t, g.Hint)
			}
			assert.Equal(t, tc.times, rep.Drifted)
			assert.Equal(t, 1, rep.ExitCode())
		})
	}
}

// TestNoDriftWhereTheyAgree: api_id, created_on and the other per-request
// values differ on every answer; those are classes, not drift. A fake
// started with the option a hint named shows no drift.
func TestNoDriftWhereTheyAgree(t *testing.T) {
	up := newPhlorunner(t)
	f := newFront(t, up.URL, mockserver.Options{ActionStatus: 200}, nil)
	call(t, f.URL, "POST", nodePath, callBody)
	call(t, f.URL, "GET", nodePath, "")
	rep := f.report(t, 2)
	assert.Empty(t, rep.Drift)
	assert.Equal(t, 0, rep.ExitCode())
}

// TestTargetFailures: a slow target gets the application a 504, a dropped
// connection a 502, both JSON in the fake's error shape, logged with the
// cause; a target that never answered exits 2.
func TestTargetFailures(t *testing.T) {
	up := newPhlorunner(t)
	f := newFront(t, up.URL, mockserver.Options{}, nil)
	for _, tc := range []struct {
		path   string
		status int
		error  string
		log    string
	}{
		{"/v1/phlo/" + slowPhlo, 504, "did not answer within 500ms", "status=504"},
		{"/v1/phlo/" + dropPhlo, 502, "the connection was closed before an answer", "status=502"},
	} {
		got := call(t, f.URL, "GET", tc.path, "")
		assert.Equal(t, tc.status, got.status)
		assert.Equal(t, "application/json", got.header.Get("Content-Type"))
		body := decodeJSON(t, got.raw)
		assert.Equal(t, proxy.ClassUUID, proxy.Class(body["api_id"].(string)))
		assert.Contains(t, body["error"], tc.error)
		assert.Contains(t, f.logs.String(), tc.log)
	}
	rep := f.report(t, 2)
	assert.Equal(t, 2, rep.Failed)
	require.Len(t, rep.Errors, 2)
	assert.Equal(t, 2, rep.ExitCode(), "no exchange was answered: nothing compared")

	// A target that is down.
	down := newFront(t, "http://127.0.0.1:1", mockserver.Options{}, nil)
	got := call(t, down.URL, "GET", phloPath, "")
	assert.Equal(t, 502, got.status)
	assert.Contains(t, decodeJSON(t, got.raw)["error"], "connection refused")
	assert.Contains(t, down.logs.String(), "connection refused")
}

// TestRequestUnchanged: the target receives what the application sent,
// but for Host and the hop-by-hop headers: the same method, path (a raw
// "+" and a trailing slash included), query, headers and body, and no
// X-Forwarded-For the application did not send.
func TestRequestUnchanged(t *testing.T) {
	up := newPhlorunner(t)
	f := newFront(t, up.URL, mockserver.Options{}, nil)
	body := "{\"action\": \"hold\"}\n"
	req, err := http.NewRequest("POST", f.URL+memberPath+"/?x=1&x=2", strings.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth("MAREALACCOUNT0000001", "real-token")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "plivo-go/7.60.2 (Go: go1.26)")
	req.Header.Set("X-Custom", "kept")
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Connection", "keep-alive, X-Hop")
	req.Header.Set("X-Hop", "dropped: named by Connection")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	f.report(t, 1)
	require.Len(t, up.seen, 1)
	got := up.seen[0]
	assert.Equal(t, "POST", got.Method)
	assert.Equal(t, memberPath+"/", got.Path)
	assert.Equal(t, "x=1&x=2", got.RawQuery)
	assert.Equal(t, body, string(got.Body))
	assert.Equal(t, int64(len(body)), got.ContentLength)
	assert.Equal(t, strings.TrimPrefix(up.URL, "http://"), got.Host)
	for _, h := range []string{"Content-Type", "User-Agent", "X-Custom", "Accept-Encoding", "Authorization"} {
		assert.Equal(t, req.Header.Values(h), got.Header.Values(h), h)
	}
	assert.Empty(t, got.Header.Values("X-Hop"))
	assert.Empty(t, got.Header.Values("X-Forwarded-For"))
	assert.Empty(t, got.Header.Values("Forwarded"))
}

// TestUnsafeTargets: plain http off loopback is refused unless allowed;
// credentials in the URL and relative URLs are refused.
func TestUnsafeTargets(t *testing.T) {
	for _, tc := range []struct {
		target   string
		insecure bool
		err      string
	}{
		{"http://phlorunner.example.com", false, "plain http to a host that is not loopback"},
		{"http://phlorunner.example.com", true, ""},
		{"https://phlorunner.example.com", false, ""},
		{"http://127.0.0.1:8080", false, ""},
		{"http://[::1]:8080", false, ""},
		{"http://localhost:8080", false, ""},
		{"https://MA1:token@phlorunner.example.com", false, "no user or password"},
		{"phlorunner.example.com", false, "want an absolute http or https URL"},
		{"ftp://phlorunner.example.com", false, "want an absolute http or https URL"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			u, err := url.Parse(tc.target)
			require.NoError(t, err)
			fake, err := mockserver.New(mustSpec(t), mockserver.Options{})
			require.NoError(t, err)
			_, err = proxy.New(proxy.Options{Target: u, Fake: fake, InsecureTarget: tc.insecure})
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			assert.NotContains(t, err.Error(), "token", "the password is never repeated")
			if strings.HasPrefix(tc.target, "http://phlo") {
				assert.True(t, errors.Is(err, proxy.ErrInsecureTarget))
			}
		})
	}
}

// TestNoCredentials: the application's Auth Token is in none of the
// journal, the logs, the drift report or the recording.
func TestNoCredentials(t *testing.T) {
	up := newPhlorunner(t)
	f := newFront(t, up.URL, mockserver.Options{}, func(o *proxy.Options) { o.Record = true })
	const id, token = "MAREALACCOUNT0000001", "s3cret-real-token-value"
	for _, path := range []string{phloPath, nodePath, "/v1/phlo/" + dropPhlo, "/v1/account/" + id + "/phlo/" + phloID} {
		method := "GET"
		if strings.Contains(path, "/account/") {
			method = "POST"
		}
		req, err := http.NewRequest(method, f.URL+path, nil)
		require.NoError(t, err)
		req.SetBasicAuth(id, token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	f.report(t, 4)
	journal := get(t, f.AdminURL+"/__admin/journal")
	drift := get(t, f.AdminURL+"/__admin/drift")
	rec, err := f.Proxy.Recorded(proxy.RecordOptions{})
	require.NoError(t, err)
	var text bytes.Buffer
	require.NoError(t, proxy.WriteText(&text, f.Proxy.Report()))
	for name, s := range map[string]string{"journal": journal, "drift": drift, "logs": f.logs.String(), "recording": string(rec), "text report": text.String()} {
		assert.NotContains(t, s, token, name)
		assert.NotContains(t, s, "czNjcmV0", name) // the token in base64, as in the header
	}
	assert.NotContains(t, string(rec), id, "the recording replaces the Auth ID")
	assert.Contains(t, journal, `"source":"target"`)
}

func get(tb testing.TB, u string) string {
	tb.Helper()
	resp, err := http.Get(u)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	require.Equalf(tb, 200, resp.StatusCode, "%s: %s", u, b)
	return string(b)
}

// TestPhlomockAsTarget: in front of phlomock itself, with the same
// options, nothing drifts, for every operation, valid or not.
func TestPhlomockAsTarget(t *testing.T) {
	target := faketest.NewServer(t, fake.Config{})
	f := newFront(t, target.URL, mockserver.Options{}, nil)
	reqs := []struct{ method, path, body string }{
		{"GET", phloPath, ""},
		{"GET", nodePath, ""},
		{"POST", nodePath, callBody},
		{"POST", nodePath, `{"action":"cold_transfer","to":"sip:alice123@phone.plivo.com","role":"customer","trigger_source":"+14152225555"}`},
		{"POST", memberPath, `{"action":"hold"}`},
		{"POST", "/v1/account/" + mockserver.DefaultAuthID + "/phlo/" + phloID, `{"from":"+14152225555"}`},
		{"POST", nodePath, `{"action":"dance"}`},
		{"GET", "/v1/nowhere", ""},
		{"DELETE", phloPath, ""},
	}
	for _, r := range reqs {
		call(t, f.URL, r.method, r.path, r.body)
	}
	rep := f.report(t, len(reqs))
	assert.Empty(t, rep.Drift)
	assert.Empty(t, rep.Errors)
	// The invalid action is the application's violation, not the target's.
	for _, v := range rep.Violations {
		assert.Equal(t, "request", v.Side, "%+v", v)
	}
	assert.Len(t, target.Journal(mockserver.Filter{}), len(reqs), "every request reached the target once")
}

// TestDriftEndpoint: GET /__admin/drift is the report, as JSON or text.
func TestDriftEndpoint(t *testing.T) {
	up := newPhlorunner(t)
	f := newFront(t, up.URL, mockserver.Options{}, nil)
	call(t, f.URL, "POST", nodePath, callBody)
	f.report(t, 1)
	var rep proxy.Report
	require.NoError(t, json.Unmarshal([]byte(get(t, f.AdminURL+"/__admin/drift")), &rep))
	assert.Equal(t, 1, rep.Exchanges)
	require.Len(t, rep.Drift, 1)
	assert.Equal(t, proxy.KindStatus, rep.Drift[0].Kind)
	require.Len(t, rep.Latest, 1)
	assert.Equal(t, 200, rep.Latest[0].Status)
	assert.Equal(t, 201, rep.Latest[0].FakeStatus)
	text := get(t, f.AdminURL+"/__admin/drift?format=text")
	assert.Contains(t, text, "DRIFT updateMultiPartyCall status /status: the real API answers 200 where the fake answers 201")
	resp, err := http.Get(f.AdminURL + "/__admin/drift?format=xml")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)
	resp, err = http.Post(f.AdminURL+"/__admin/record", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 409, resp.StatusCode, "not recording")
	assert.True(t, slices.Contains(rep.Operations, "updateMultiPartyCall"))
}

// TestGzipAnswer: an answer the target compressed (the application asked
// for it) reaches the application compressed, and is compared decoded.
func TestGzipAnswer(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			http.Error(w, "want gzip", 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte(`{"api_id":"` + uuid() + `","phlo_id":"` + phloID + `","name":"x","created_on":"` + realCreated + `","extra":1}`))
		_ = zw.Close()
	}))
	defer target.Close()
	f := newFront(t, target.URL, mockserver.Options{}, nil)
	got := call(t, f.URL, "GET", phloPath, "") // Go's client asks for gzip and decodes it
	require.Equal(t, 200, got.status, "%s", got.raw)
	assert.Contains(t, string(got.raw), `"extra":1`)
	rep := f.report(t, 1)
	g := findGroup(rep, "getPhlo", proxy.KindFieldAdded, "/body/extra")
	require.NotNil(t, g, "%+v", rep.Drift)
	assert.Equal(t, "number", g.Real)
	assert.Len(t, rep.Drift, 1, "%+v", rep.Drift)
}
