package certify_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/certify/driver"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/openapi"
)

// Every finding code, produced by a driver that misbehaves on purpose:
// this test binary, re-executed as TestHelperDriver with a fault to make.

const helperEnv = "PHLOMOCK_CERTIFY_HELPER_FAULT"

func TestFindingCodes(t *testing.T) {
	tests := []struct {
		fault string
		cases string
		want  []finding // nil: the case passes
	}{
		{"", "*/ok,*/no-*,hold/sip-address,coldTransfer/*", nil},
		{"send-nothing", "coldTransfer/ok", []finding{{"coldTransfer/ok", "sent-nothing"}}},
		{"send-nothing-succeed", "coldTransfer/ok", []finding{{"coldTransfer/ok", "sent-nothing"}, {"coldTransfer/ok", "surfaced-success-without-request"}}},
		{"wrong-operation", "coldTransfer/ok", []finding{{"coldTransfer/ok", "sent-wrong-operation"}}},
		// The fake answers 401, which the client surfaces: only what it sent is wrong.
		{"no-auth", "getPhlo/ok", []finding{{"getPhlo/ok", "sent-no-auth"}}},
		{"form-content-type", "coldTransfer/ok", []finding{{"coldTransfer/ok", "sent-wrong-content-type"}}},
		{"stray-field", "hold/ok", []finding{{"hold/ok", "sent-stray-field"}}},
		{"wrong-to", "call/ok", []finding{{"call/ok", "sent-wrong-value"}}},
		{"wrong-member", "hold/ok", []finding{{"hold/ok", "sent-wrong-value"}}},
		{"role-customer", "call/no-role", []finding{{"call/no-role", "sent-wrong-value"}}},
		{"role-empty", "call/no-role", []finding{{"call/no-role", "sent-contract-violation"}}},
		{"payload-string", "runPhlo/no-payload", []finding{{"runPhlo/no-payload", "sent-contract-violation"}}},
		{"extra-request", "hold/ok", []finding{{"hold/ok", "sent-extra-requests"}}},
		{"no-api-id", "getPhlo/ok", []finding{{"getPhlo/ok", "surfaced-no-api-id"}}},
		{"wrong-api-id", "getPhlo/ok", []finding{{"getPhlo/ok", "surfaced-wrong-field"}}},
		{"wrong-name", "getPhlo/ok", []finding{{"getPhlo/ok", "surfaced-wrong-field"}}},
		{"always-error", "hold/ok", []finding{{"hold/ok", "surfaced-error-on-success"}}},
		{"always-succeed", "hold/server-error", []finding{{"hold/server-error", "surfaced-success-on-error"}}},
		{"no-status", "hold/unknown-phlo", []finding{{"hold/unknown-phlo", "surfaced-no-status"}}},
		{"wrong-status", "hold/auth-failure", []finding{{"hold/auth-failure", "surfaced-wrong-status"}}},
		{"no-message", "hold/bad-request", []finding{{"hold/bad-request", "surfaced-no-message"}}},
		{"driver-error", "hold/ok", []finding{{"hold/ok", "driver-error"}}},
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	texts := make([]string, len(tests))
	t.Run("faults", func(t *testing.T) {
		for i, tt := range tests {
			name := tt.fault
			if name == "" {
				name = "none"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel() // each starts a process, mostly waiting for it
				cases, err := certify.Select(certify.Cases(), tt.cases)
				require.NoError(t, err)
				r := &certify.Runner{Spec: spec, Command: sdktest.Quote(exe) + " -test.run=^TestHelperDriver$",
					Driver: driver.Options{Env: append(os.Environ(), helperEnv+"="+tt.fault, "PHLOMOCK_CERTIFY_HELPER=1")}}
				rep, err := r.Run(context.Background(), cases)
				require.NoError(t, err)
				assert.Equal(t, sortFindings(tt.want), findingsOf(rep))
				var b strings.Builder
				for _, f := range rep.Findings() {
					assert.NotEmpty(t, f.Message, "%s %s has a text", f.Case, f.Code)
					assert.NotContains(t, f.Message, "%!", "a well-formed text")
					fmt.Fprintf(&b, "%s: %s\n", name, f.Error())
				}
				texts[i] = b.String()
			})
		}
	})
	checkGolden(t, filepath.Join("testdata", "findings.golden"),
		"# Every finding text of TestFindingCodes; go test ./certify -update rewrites this file.\n"+strings.Join(texts, ""))
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test ./certify -update writes it")
	assert.Equal(t, string(want), got, "%s (left) differs from this run (right); review, then -update", path)
}

func TestUnsupportedIsSkipped(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	cases, err := certify.Select(certify.Cases(), "hold/ok,getMultiPartyCall/ok,hangup/ok")
	require.NoError(t, err)
	r := &certify.Runner{Spec: spec, Command: sdktest.Quote(exe) + " -test.run=^TestHelperDriver$",
		Driver: driver.Options{Env: append(os.Environ(), helperEnv+"=unsupported-hold", "PHLOMOCK_CERTIFY_HELPER=1")}}
	rep, err := r.Run(context.Background(), cases)
	require.NoError(t, err)
	verdicts := map[string]certify.Verdict{}
	for _, res := range rep.Results {
		verdicts[res.Case.ID] = res.Verdict
	}
	assert.Equal(t, map[string]certify.Verdict{
		"hold/ok":              certify.VerdictSkipped, // "unsupported" at run time
		"getMultiPartyCall/ok": certify.VerdictSkipped, // not in the hello
		"hangup/ok":            certify.VerdictPass,
	}, verdicts)
	assert.True(t, rep.Certified(), "skipped cases do not count against a client")

	cases, err = certify.Select(certify.Cases(), "getMultiPartyCall/*")
	require.NoError(t, err)
	rep, err = r.Run(context.Background(), cases)
	require.NoError(t, err)
	assert.False(t, rep.Certified(), "a client that passes no case is not certified")
}

func TestBrokenDriverFailsTheRun(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	spec, err := openapi.Load()
	require.NoError(t, err)
	r := &certify.Runner{Spec: spec, Command: sdktest.Quote(exe) + " -test.run=^TestHelperDriver$",
		Driver: driver.Options{Env: append(os.Environ(), helperEnv+"=exit", "PHLOMOCK_CERTIFY_HELPER=1"), CallTimeout: 10 * time.Second}}
	_, err = r.Run(context.Background(), nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, driver.ErrExited)
}

// TestHelperDriver is a driver with a small client of its own, which makes
// the fault named by PHLOMOCK_CERTIFY_HELPER_FAULT.
func TestHelperDriver(t *testing.T) {
	if os.Getenv("PHLOMOCK_CERTIFY_HELPER") != "1" {
		t.Skip("the driver process of TestFindingCodes")
	}
	fault := os.Getenv(helperEnv)
	out := bufio.NewWriter(os.Stdout)
	send := func(v any) {
		b, _ := json.Marshal(v)
		out.Write(append(b, '\n'))
		out.Flush()
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m driver.CallMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			os.Exit(3)
		}
		switch m.Type {
		case driver.TypeHello:
			ops := driver.Operations
			if fault == "unsupported-hold" {
				ops = []string{driver.OpHold, driver.OpHangup}
			}
			send(driver.HelloInfo{Type: driver.TypeHello, Protocol: 1, Client: "helper", Version: fault, Operations: ops})
		case driver.TypeCall:
			if fault == "exit" {
				os.Exit(0)
			}
			r := helperCall(m, fault)
			r.Type, r.ID = driver.TypeResult, m.ID
			send(r)
		case driver.TypeBye:
			os.Exit(0)
		}
	}
	os.Exit(0)
}

func helperCall(m driver.CallMessage, fault string) driver.Result {
	p := m.Params
	switch fault {
	case "send-nothing":
		return driver.Result{Outcome: driver.OutcomeError, Error: &driver.ClientError{Message: "refused before sending"}}
	case "send-nothing-succeed":
		return driver.Result{Outcome: driver.OutcomeSuccess, Fields: map[string]string{}}
	case "driver-error":
		return driver.Result{Outcome: driver.OutcomeDriverError, Message: "cannot parse params"}
	case "unsupported-hold":
		if m.Operation == driver.OpHold {
			return driver.Result{Outcome: driver.OutcomeUnsupported, Message: "no such method"}
		}
	}
	nodePath := "/v1/phlo/" + p.PhloID + "/multi_party_call/" + p.NodeID
	method, path := http.MethodPost, nodePath
	var body any
	switch m.Operation {
	case driver.OpRunPhlo:
		path = "/v1/account/" + m.AuthID + "/phlo/" + p.PhloID
		if p.Payload != nil {
			body = p.Payload
		}
		if fault == "payload-string" {
			body = ""
		}
	case driver.OpGetPhlo:
		method, path = http.MethodGet, "/v1/phlo/"+p.PhloID
	case driver.OpGetMultiPartyCall:
		method = http.MethodGet
	case driver.OpCall, driver.OpWarmTransfer, driver.OpColdTransfer:
		action := map[string]string{driver.OpCall: "call", driver.OpWarmTransfer: "warm_transfer", driver.OpColdTransfer: "cold_transfer"}[m.Operation]
		b := map[string]string{"action": action, "to": p.To, "trigger_source": p.TriggerSource}
		if p.Role != "" {
			b["role"] = p.Role
		}
		switch fault {
		case "wrong-to":
			b["to"] = "+10000000000"
		case "role-customer":
			b["role"] = "customer"
		case "role-empty":
			b["role"] = ""
		}
		body = b
	default:
		action := map[string]string{driver.OpAbortTransfer: "abort_transfer", driver.OpHold: "hold", driver.OpUnhold: "unhold",
			driver.OpHangup: "hangup", driver.OpResumeCall: "resume_call", driver.OpVoicemailDrop: "voicemail_drop"}[m.Operation]
		addr := p.MemberAddress
		if fault == "wrong-member" {
			addr = "+10000000000"
		}
		path = nodePath + "/members/" + addr
		b := map[string]string{"action": action}
		if fault == "stray-field" {
			b["reason"] = "test"
		}
		body = b
	}
	if fault == "wrong-operation" {
		method, path, body = http.MethodGet, "/v1/phlo/"+p.PhloID, nil
	}
	do := func(method, path string, body any) (int, []byte, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, m.BaseURL+path, rd)
		if err != nil {
			return 0, nil, err
		}
		if fault != "no-auth" {
			req.SetBasicAuth(m.AuthID, m.AuthToken)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
			if fault == "form-content-type" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	if fault == "extra-request" {
		_, _, _ = do(http.MethodPost, nodePath+"/members/"+p.MemberAddress, map[string]string{"action": "hangup"})
	}
	status, raw, err := do(method, path, body)
	if err != nil {
		return driver.Result{Outcome: driver.OutcomeError, Error: &driver.ClientError{Message: err.Error()}}
	}
	var fields map[string]any
	_ = json.Unmarshal(raw, &fields)
	str := map[string]string{}
	for k, v := range fields {
		str[k] = fmt.Sprint(v)
	}
	ok := status >= 200 && status < 300
	if fault == "always-error" {
		ok = !ok
	}
	if fault == "always-succeed" {
		ok = true
	}
	if ok {
		switch fault {
		case "no-api-id":
			delete(str, "api_id")
		case "wrong-api-id":
			str["api_id"] = "not-the-api-id"
		case "wrong-name":
			str["name"] = "another name"
		}
		return driver.Result{Outcome: driver.OutcomeSuccess, Fields: str}
	}
	ce := &driver.ClientError{Status: status, Message: str["error"], APIID: str["api_id"]}
	if ce.Message == "" {
		ce.Message = strings.TrimSpace(http.StatusText(status) + " " + string(raw))
	}
	switch fault {
	case "no-status":
		ce.Status = 0
	case "wrong-status":
		ce.Status = 418
	case "no-message":
		ce.Message = "request failed"
	}
	return driver.Result{Outcome: driver.OutcomeError, Error: ce}
}
