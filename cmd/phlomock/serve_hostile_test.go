package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlowBodiesDoNotStarveOthers: many clients trickling their bodies
// (one byte at a time, far under --min-body-rate) while one normal client
// keeps asking: every normal request is answered, none gets the 503 of a
// full --max-in-flight, and the tricklers are cut off (408) rather than
// held until --read-timeout.
func TestSlowBodiesDoNotStarveOthers(t *testing.T) {
	s := startServe(t, "--max-in-flight", "4", "--body-grace", "1s", "--min-body-rate", "100", "--read-timeout", "1m")
	host := strings.TrimPrefix(s.api, "http://")
	const slow = 40 // ten times the slots
	var wg sync.WaitGroup
	cut := make(chan string, slow)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); wg.Wait() })
	for range slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", host)
			if err != nil {
				cut <- "dial: " + err.Error()
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST /v1/phlo/P1/multi_party_call/N1/members/+14152223333 HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", host, basicAuth(s.id, s.token))
			go func() { // a byte every 100 ms: 10 bytes a second
				for {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
					}
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
				}
			}()
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				cut <- "no answer: " + err.Error()
				return
			}
			resp.Body.Close()
			cut <- fmt.Sprintf("%d close=%t", resp.StatusCode, resp.Close)
		}()
	}
	// The normal client asks until every trickler has been cut off.
	served := 0
	deadline := time.After(20 * time.Second)
	for done := 0; done < slow; {
		select {
		case got := <-cut:
			assert.Equal(t, "408 close=true", got, "a trickling client: got %s, want 408 and the connection closed", got)
			done++
			continue
		case <-deadline:
			t.Fatalf("%d trickling clients were not cut off within 20 s (--read-timeout is 1m)", slow-done)
		default:
		}
		status, _, body := relGet(t, s.api+"/v1/phlo/P1", "Authorization", basicAuth(s.id, s.token))
		require.Equalf(t, http.StatusOK, status, "normal request %d during the attack: got %d %s, want 200", served, status, body)
		served++
	}
	t.Logf("%d normal requests served during the attack", served)
}

// TestSmuggledRequestNotServed: a request with both Content-Length and
// chunked Transfer-Encoding is read by its chunks and its connection is
// closed after the answer (RFC 9112 6.1), so the bytes after the chunks'
// terminator, which a proxy framing by Content-Length would have taken as
// part of the body, are never served as a second request. On the API port
// and on the control plane.
func TestSmuggledRequestNotServed(t *testing.T) {
	s := startServe(t)
	for _, tc := range []struct{ name, base, path string }{
		{"API", s.api, "/v1/phlo/P1/multi_party_call/N1/members/+14152223333"},
		{"control plane", s.admin, "/__admin/verify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := strings.TrimPrefix(tc.base, "http://")
			conn, err := net.Dial("tcp", host)
			require.NoError(t, err)
			defer conn.Close()
			body := `{"action":"hold"}`
			smuggled := "DELETE /__admin/journal HTTP/1.1\r\nHost: " + host + "\r\n\r\n" +
				"GET /v1/phlo/SMUGGLED HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: " + basicAuth(s.id, s.token) + "\r\n\r\n"
			chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s%s",
				tc.path, host, basicAuth(s.id, s.token), len(chunked)+len(smuggled), chunked, smuggled)
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			all, err := io.ReadAll(conn) // to the server's close
			require.NoError(t, err, "the connection is closed after the answer, not left open")
			assert.Equal(t, 1, strings.Count(string(all), "HTTP/1.1 "), "got %d answers, want 1: %s", strings.Count(string(all), "HTTP/1.1 "), all)
			assert.Contains(t, string(all), "Connection: close")
		})
	}
	status, _, body := relGet(t, s.admin+"/__admin/journal?path=/v1/phlo/SMUGGLED")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"entries":[]`, "the smuggled request was served")
}

// TestProxyOtherSpec: proxy --spec OTHER.yaml without --scenario starts,
// as serve --spec does (no PHLO scenario by default), and compares.
func TestProxyOtherSpec(t *testing.T) {
	spec := tasksSpec(t)
	s := startServe(t, "--spec", spec)
	p := startProxy(t, "--target", s.api, "--spec", spec)
	req, err := http.NewRequest("GET", p.api+"/v2/projects/7/tasks/42", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer phlomock-default-auth-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 0, p.stop(), "stdout: %s\nlogs: %s", p.stdout.String(), p.logs.String())
	assert.Contains(t, p.stdout.String(), "1 exchanges with "+s.api+", 0 drifted")
}

// TestProxyChunkedOverMaxBody: a body over --max-body is 413 every time,
// announced or chunked, and never reaches the target.
func TestProxyChunkedOverMaxBody(t *testing.T) {
	var reached sync.Map
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Store(r.URL.Path, true)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(target.Close)
	p := startProxy(t, "--target", target.URL, "--max-body", "1024")
	big := strings.Repeat("x", 64<<10)
	for i := range 20 {
		for _, chunked := range []bool{true, false} {
			path := fmt.Sprintf("/v1/phlo/P%d/multi_party_call/N1", i)
			var body io.Reader = strings.NewReader(big)
			if chunked {
				body = io.MultiReader(strings.NewReader(big)) // no length: sent in chunks
			}
			req, err := http.NewRequest("POST", p.api+path, body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("chunked=%t try %d: %v, want a 413", chunked, i, err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equalf(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "chunked=%t try %d: got %d %s, want 413", chunked, i, resp.StatusCode, raw)
			assert.Contains(t, string(raw), "the limit is 1024 bytes")
			_, ok := reached.Load(path)
			assert.False(t, ok, "the body over --max-body reached the target")
		}
	}
}

// TestRecordAnyMethod: TRACE and a method nobody knows go through a
// recording proxy with a normal request; on shutdown the --record file is
// there (written by temp file and rename) with what was recorded, whether
// or not the odd methods let it validate.
func TestRecordAnyMethod(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = io.WriteString(w, `{"api_id":"0b9a3a5e-1c1b-4a57-9d6e-0b6f8f7b3c11","error":"method not allowed"}`)
			return
		}
		_, _ = io.WriteString(w, `{"api_id":"0b9a3a5e-1c1b-4a57-9d6e-0b6f8f7b3c11","phlo_id":"P1","name":"seen","created_on":"2020-08-01 09:05:11.846982+00:00"}`)
	}))
	t.Cleanup(upstream.Close)
	file := filepath.Join(t.TempDir(), "seen.yaml")
	p := startProxy(t, "--target", upstream.URL, "--record", file)
	for _, method := range []string{"GET", "TRACE", "PURGE", "OPTIONS"} {
		req, err := http.NewRequest(method, p.api+"/v1/phlo/P1", nil)
		require.NoError(t, err)
		req.SetBasicAuth("MAPHLOMOCKDEFAULT001", "phlomock-default-auth-token")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, method)
		resp.Body.Close()
	}
	code := p.stop()
	data, err := os.ReadFile(file)
	require.NoErrorf(t, err, "the recording is written on shutdown (exit %d, logs %s)", code, p.logs.String())
	assert.Contains(t, string(data), "seen", "what was recorded is in the file")
	if code == 2 {
		assert.Contains(t, p.logs.String(), "written all the same", "a recording that does not validate says so")
	}
}
