package certify_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phlomock/phlomock/certify/driver"
)

// The mutation corpus's driver: this test binary, re-executed as
// TestHelperDriver, wraps a small faithful client of its own and makes the
// one defect named by PHLOMOCK_CERTIFY_HELPER_FAULT ("" makes none). Each
// defect is one a real SDK could ship; mutants_test.go lists what each must
// be caught as.

const helperEnv = "PHLOMOCK_CERTIFY_HELPER_FAULT"

// v1Budget is the timeout the helper's client takes when phlomock speaks
// protocol 1 (no timeout_ms): below the call timeout the tests give.
const v1Budget = 2 * time.Second

func TestHelperDriver(t *testing.T) {
	if os.Getenv("PHLOMOCK_CERTIFY_HELPER") != "1" {
		t.Skip("the driver process of TestMutants")
	}
	fault := os.Getenv(helperEnv)
	out := bufio.NewWriter(os.Stdout)
	send := func(v any) {
		b, _ := json.Marshal(v)
		out.Write(append(b, '\n'))
		out.Flush()
	}
	calls := 0
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
			switch fault {
			case "unsupported-hold":
				ops = []string{driver.OpHold, driver.OpHangup}
			case "transfers-only-no-timeout":
				ops = []string{driver.OpColdTransfer, driver.OpWarmTransfer}
			}
			protocol := driver.ProtocolVersion
			if fault == "protocol-1" {
				protocol = 1
			}
			send(driver.HelloInfo{Type: driver.TypeHello, Protocol: protocol, Client: "helper", Version: fault, Operations: ops})
		case driver.TypeCall:
			calls++
			if fault == "exit" || fault == "exit-second" && calls == 2 {
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

var memberActions = map[string]string{driver.OpAbortTransfer: "abort_transfer", driver.OpHold: "hold", driver.OpUnhold: "unhold",
	driver.OpHangup: "hangup", driver.OpResumeCall: "resume_call", driver.OpVoicemailDrop: "voicemail_drop"}

var nodeActions = map[string]string{driver.OpCall: "call", driver.OpWarmTransfer: "warm_transfer", driver.OpColdTransfer: "cold_transfer"}

// helperCall performs one call with the helper's client, making the fault.
// firstCall is the first call's configuration, for the sticky-config
// fault: a client built once and reused whatever the later calls say.
var firstCall *driver.CallMessage

// lastAction and hungUp are the client state of the dedupe-repeat and
// hangup-forgets faults: the last request it sent, the members it hung up
// (by call and address).
var (
	lastAction string
	hungUp     = map[string]bool{}
)

func helperCall(m driver.CallMessage, fault string) driver.Result {
	if fault == "sticky-config" {
		if firstCall == nil {
			firstCall = &m
		}
		m.BaseURL, m.AuthID, m.AuthToken = firstCall.BaseURL, firstCall.AuthID, firstCall.AuthToken
	}
	if fault == "log-token" {
		fmt.Fprintf(os.Stderr, "debug: calling %s as %s:%s\n", m.Operation, m.AuthID, m.AuthToken)
	}
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
	escape := func(s string) string { return s } // the ids and addresses go in raw: +, : and @ are legal
	switch fault {
	case "escape-all":
		escape = url.QueryEscape // %2B, %3A, %40: legal too
	case "double-escape":
		escape = func(s string) string { return url.QueryEscape(url.QueryEscape(s)) }
	}
	nodePath := "/v1/phlo/" + escape(p.PhloID) + "/multi_party_call/" + escape(p.NodeID)
	method, path := http.MethodPost, nodePath
	var body any
	switch m.Operation {
	case driver.OpRunPhlo:
		path = "/v1/account/" + m.AuthID + "/phlo/" + p.PhloID
		if p.Payload != nil && fault != "drop-payload" {
			body = p.Payload
		}
		if fault == "payload-string" {
			body = ""
		}
		if fault == "ascii-only-payload" && p.Payload != nil {
			ascii := map[string]string{}
			for k, v := range p.Payload {
				ascii[k] = strings.Map(func(r rune) rune {
					if r > 127 {
						return '?'
					}
					return r
				}, v)
			}
			body = ascii
		}
	case driver.OpGetPhlo:
		method, path = http.MethodGet, "/v1/phlo/"+escape(p.PhloID)
		if fault == "body-on-get" {
			body = map[string]string{"phlo_id": p.PhloID}
		}
	case driver.OpGetMultiPartyCall:
		method = http.MethodGet
		if fault == "role-on-get" {
			body = map[string]string{"role": "agent"}
		}
	case driver.OpCall, driver.OpWarmTransfer, driver.OpColdTransfer:
		b := map[string]string{"action": nodeActions[m.Operation], "to": p.To, "trigger_source": p.TriggerSource}
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
		case "omit-agent-role":
			if b["role"] == "agent" {
				delete(b, "role")
			}
		case "role-capitalised":
			if b["role"] != "" {
				b["role"] = strings.ToUpper(b["role"][:1]) + b["role"][1:]
			}
		case "action-camel":
			b["action"] = m.Operation // "coldTransfer" for "cold_transfer"
		}
		body = b
	default:
		addr := p.MemberAddress
		if fault == "wrong-member" {
			addr = "+10000000000"
		}
		path = nodePath + "/members/" + escape(addr)
		b := map[string]string{"action": memberActions[m.Operation]}
		switch fault {
		case "stray-field":
			b["reason"] = "test"
		case "uppercase-action":
			b["action"] = strings.ToUpper(b["action"])
		case "key-casing":
			b = map[string]string{"Action": b["action"]}
		}
		body = b
	}
	switch fault {
	case "wrong-operation":
		method, path, body = http.MethodGet, "/v1/phlo/"+p.PhloID, nil
	case "wrong-method":
		if method == http.MethodPost {
			method = http.MethodPut
		}
	case "trailing-slash":
		path += "/"
	case "query-param":
		path += "?format=json"
	case "query-token":
		path += "?auth_id=" + url.QueryEscape(m.AuthID) + "&auth_token=" + url.QueryEscape(m.AuthToken)
	}
	budget := v1Budget
	if m.TimeoutMS > 0 {
		budget = time.Duration(m.TimeoutMS) * time.Millisecond
	}
	hc := &http.Client{Timeout: budget}
	switch fault {
	case "no-timeout", "transfers-only-no-timeout":
		hc = &http.Client{}
	case "short-timeout":
		hc = &http.Client{Timeout: 300 * time.Millisecond}
	case "retry-read-once": // legal: two tries of a read, each under half the budget
		hc = &http.Client{Timeout: budget * 45 / 100}
	}
	do := func(method, path string, body any) (int, http.Header, []byte, error) {
		var rd io.Reader
		if body != nil {
			var b []byte
			switch fault {
			case "form-body":
				form := url.Values{}
				for k, v := range body.(map[string]string) {
					form.Set(k, v)
				}
				b = []byte(form.Encode())
			case "double-json":
				inner, _ := json.Marshal(body)
				b, _ = json.Marshal(string(inner))
			default:
				b, _ = json.Marshal(body)
			}
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, m.BaseURL+path, rd)
		if err != nil {
			return 0, nil, nil, err
		}
		switch {
		case fault == "no-auth", fault == "no-auth-on-hold" && m.Operation == driver.OpHold:
		case fault == "swapped-basic":
			req.SetBasicAuth(m.AuthToken, m.AuthID)
		case fault == "lowercase-scheme":
			req.Header.Set("Authorization", "basic "+base64.StdEncoding.EncodeToString([]byte(m.AuthID+":"+m.AuthToken)))
		default:
			req.SetBasicAuth(m.AuthID, m.AuthToken)
		}
		if fault == "header-token" {
			req.Header.Set("X-Auth-Token", m.AuthToken)
		}
		if fault == "wrong-host" {
			req.Host = "phlorunner.plivo.com"
		}
		if body != nil {
			switch fault {
			case "form-content-type", "form-body":
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			case "no-content-type":
			case "content-type-casing":
				req.Header.Set("Content-Type", "Application/JSON; charset=UTF-8")
			case "latin1-charset":
				req.Header.Set("Content-Type", "application/json; charset=iso-8859-1")
			default:
				req.Header.Set("Content-Type", "application/json")
			}
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b, err
	}
	if fault == "async-duplicate" {
		// the same request again, in the background, after the call returned
		defer func() {
			go func() {
				// late enough to arrive after the case's journal is read
				time.Sleep(200 * time.Millisecond)
				_, _, _, _ = do(method, path, body)
			}()
		}()
	}
	key := method + " " + path + " " + fmt.Sprint(body)
	switch {
	case fault == "dedupe-repeat" && method == http.MethodPost && key == lastAction:
		// "already done": the same action on the same member is not sent again
		return driver.Result{Outcome: driver.OutcomeSuccess, Fields: map[string]string{"api_id": "cached"}}
	case fault == "hangup-forgets" && m.Operation != driver.OpHangup && hungUp[nodePath+" "+p.MemberAddress] && p.MemberAddress != "":
		return driver.Result{Outcome: driver.OutcomeError, Error: &driver.ClientError{Message: "member " + p.MemberAddress + " has hung up"}}
	}
	lastAction = key
	if m.Operation == driver.OpHangup {
		hungUp[nodePath+" "+p.MemberAddress] = true
	}
	if fault == "extra-request" {
		_, _, _, _ = do(http.MethodPost, nodePath+"/members/"+p.MemberAddress, map[string]string{"action": "hangup"})
	}
	var (
		status int
		header http.Header
		raw    []byte
		err    error
	)
	for attempt := 1; ; attempt++ {
		status, header, raw, err = do(method, path, body)
		again := false
		switch fault {
		case "retry-everything": // a POST too, after a 5xx or a dropped connection
			again = attempt < 3 && (err != nil || status >= 500)
		case "retry-reads": // legal: only GETs, after a 5xx or a dropped connection
			again = attempt < 3 && method == http.MethodGet && (err != nil || status >= 500)
		case "retry-read-once":
			again = attempt < 2 && method == http.MethodGet && err != nil
		case "retry-at-once":
			again = attempt < 3 && status == 429
		case "retry-forever":
			again = status == 429
		case "retry-after-wait": // legal: a 429 says the request was not performed
			if again = attempt < 2 && status == 429; again {
				ra := strings.TrimSpace(header.Get("Retry-After"))
				if secs, err := strconv.Atoi(ra); err == nil {
					time.Sleep(time.Duration(secs) * time.Second)
				} else if at, err := http.ParseTime(ra); err == nil {
					time.Sleep(time.Until(at))
				}
			}
		case "retry-after-seconds-only": // a date reads as 0 seconds
			if again = attempt < 2 && status == 429; again {
				var secs int
				fmt.Sscan(header.Get("Retry-After"), &secs)
				time.Sleep(time.Duration(secs) * time.Second)
			}
		case "retry-after-backoff": // Retry-After ignored: its own short backoff
			if again = attempt < 2 && status == 429; again {
				time.Sleep(200 * time.Millisecond)
			}
		case "call-before-hold": // "helpfully" calls a member the call does not know, then holds again
			if again = attempt < 2 && status == 400 && m.Operation == driver.OpHold && strings.Contains(string(raw), "not on the call"); again {
				_, _, _, _ = do(http.MethodPost, nodePath, map[string]string{"action": "call", "to": p.MemberAddress, "role": "customer", "trigger_source": "+14155550100"})
			}
		}
		if !again {
			break
		}
	}
	if err != nil {
		msg := err.Error()
		if fault == "message-with-token" {
			msg += " (auth " + m.AuthToken + ")"
		}
		return driver.Result{Outcome: driver.OutcomeError, Error: &driver.ClientError{Message: msg}}
	}
	var fields map[string]any
	_ = json.Unmarshal(raw, &fields)
	str := map[string]string{}
	for k, v := range fields {
		str[k] = fmt.Sprint(v)
	}
	ok := status >= 200 && status < 300
	if fault == "idempotent-actions" && status == 400 && strings.Contains(str["error"], " refused for ") {
		ok = true // "already in that state": a refused transition taken for done
	}
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
	case "message-with-token":
		ce.Message = "request failed (auth " + m.AuthToken + ")"
	case "error-quotes-credentials": // the server's text, and the caller's credentials
		ce.Message += " (as " + m.AuthID + ":" + m.AuthToken + ")"
	case "status-line-message":
		ce.Message = fmt.Sprintf("%d %s", status, http.StatusText(status))
	case "lowercase-message":
		ce.Message = strings.ToLower(ce.Message)
	case "crash-on-empty":
		if len(bytes.TrimSpace(raw)) == 0 {
			ce = &driver.ClientError{Message: "TypeError: Cannot read properties of undefined (reading 'error')"}
		}
	}
	return driver.Result{Outcome: driver.OutcomeError, Error: ce}
}
