package proxy_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// phlorunner is an independent PHLO runner written for these tests, not
// phlomock: it answers like the real API in most things and deviates in
// the ways the proxy must notice.
//
//	GET  /v1/phlo/{phlo}                  200, with an extra field "region"
//	GET  /v1/phlo/{phlo}/multi_party_call/{node}
//	                                      200; 404 {"api_id","error"} for unknownNode
//	POST .../multi_party_call/{node}      200 (the fake: 201); an invalid action
//	                                      400 with its own wording
//	POST .../members/{member}             429 (Retry-After: 1) twice, then 201
//	GET  /v1/phlo/{slowPhlo}              answers after slowFor
//	GET  /v1/phlo/{dropPhlo}              drops the connection
//
// Every request it receives is kept (seen), as it arrived.
type phlorunner struct {
	*httptest.Server
	mu        sync.Mutex
	seen      []seenRequest
	members   int
	slowFor   time.Duration
	lastBody  []byte
	lastState int
}

type seenRequest struct {
	Method, Path, RawPath, RawQuery, Host string
	Header                                http.Header
	Body                                  []byte
	ContentLength                         int64
}

const (
	phloID      = "e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c"
	nodeID      = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	unknownNode = "0a1b2c3d-4e5f-4a6b-8c7d-000000000404"
	slowPhlo    = "5105e1f0-0000-4000-8000-000000000001"
	dropPhlo    = "d50ffed0-0000-4000-8000-000000000002"
	realName    = "Real support line"
	realCreated = "2021-03-04 05:06:07.123456+00:00"
	member      = "+14152223333"
)

var (
	phloPath   = "/v1/phlo/" + phloID
	nodePath   = phloPath + "/multi_party_call/" + nodeID
	memberPath = nodePath + "/members/" + member
)

func newPhlorunner(tb testing.TB) *phlorunner {
	tb.Helper()
	u := &phlorunner{slowFor: 2 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/phlo/{phlo}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("phlo") {
		case slowPhlo:
			select {
			case <-time.After(u.slowFor):
			case <-r.Context().Done():
				return
			}
		case dropPhlo:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		u.json(w, 200, map[string]any{"api_id": uuid(), "phlo_id": r.PathValue("phlo"), "name": realName, "created_on": realCreated, "region": "us-west"})
	})
	mux.HandleFunc("GET /v1/phlo/{phlo}/multi_party_call/{node}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("node") == unknownNode {
			u.json(w, 404, map[string]any{"api_id": uuid(), "error": "not found"})
			return
		}
		u.json(w, 200, map[string]any{"api_id": uuid(), "phlo_id": r.PathValue("phlo"), "node_id": r.PathValue("node"),
			"node_type": "multi_party_call", "name": "Multi-Party Call_1", "created_on": realCreated})
	})
	mux.HandleFunc("POST /v1/phlo/{phlo}/multi_party_call/{node}", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.Unmarshal(u.last(r).Body, &body)
		switch body["action"] {
		case "call", "warm_transfer", "cold_transfer":
			u.json(w, 200, map[string]any{"api_id": uuid(), "error": ""})
		default:
			u.json(w, 400, map[string]any{"api_id": uuid(), "error": "invalid action"})
		}
	})
	mux.HandleFunc("POST /v1/phlo/{phlo}/multi_party_call/{node}/members/{member}", func(w http.ResponseWriter, _ *http.Request) {
		u.mu.Lock()
		u.members++
		n := u.members
		u.mu.Unlock()
		if n <= 2 {
			w.Header().Set("Retry-After", "1")
			u.json(w, 429, map[string]any{"api_id": uuid(), "error": "too many requests"})
			return
		}
		u.json(w, 201, map[string]any{"api_id": uuid(), "error": ""})
	})
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, seenRequest{r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Host, r.Header.Clone(), body, r.ContentLength})
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(u.Close)
	return u
}

// last is the latest request seen (the one being served: the handler runs
// one request at a time in these tests).
func (u *phlorunner) last(*http.Request) seenRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seen[len(u.seen)-1]
}

func (u *phlorunner) json(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	u.mu.Lock()
	u.lastBody, u.lastState = b, status
	u.mu.Unlock()
}

func (u *phlorunner) sent() (int, []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.lastState, u.lastBody
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
