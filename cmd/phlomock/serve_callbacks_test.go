package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeCallbacks: a scenario file's node sends its callbacks where it
// says, serve's flags shape them (--callback-format json), and the control
// plane counts them.
func TestServeCallbacks(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]string
	var types []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]string
		_ = json.NewDecoder(r.Body).Decode(&v)
		mu.Lock()
		got, types = append(got, v), append(types, r.Header.Get("Content-Type"))
		mu.Unlock()
	}))
	defer rcv.Close()
	file := filepath.Join(t.TempDir(), "cb.yaml")
	writeFile(t, file, fmt.Sprintf(`version: 1
name: cb
stateful: true
world:
  phlos:
    - id: P1
      nodes:
        - id: N1
          name: Desk
          members: [{address: "+14152225555", role: agent}]
          callbacks: {url: "%s/hook"}
`, rcv.URL))
	s := startServe(t, "--scenario", file, "--callback-format", "json")
	status, msg := hit(t, "POST", s.api+"/v1/phlo/P1/multi_party_call/N1", `{"action":"call","to":"+14152223333","role":"customer","trigger_source":"+14152225555"}`)
	require.Equal(t, 201, status, msg)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 }, 10*time.Second, 5*time.Millisecond)
	mu.Lock()
	assert.Equal(t, "ConferenceEnter", got[0]["event"])
	assert.Equal(t, "Desk", got[0]["conference_name"])
	assert.Equal(t, "application/json", types[0])
	mu.Unlock()
	body := `{"event":"ConferenceEnter","status":200,"expect":1}`
	resp, err := http.Post(s.admin+"/__admin/callbacks/verify", "application/json", bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "%s", raw)
	require.NoError(t, s.stop())
}

func TestServeBadCallbackFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"format", []string{"--callback-format", "xml"}, nil, `--callback-format: callback format "xml": want form or json`},
		{"allow", []string{"--callback-allow", "10.0.0.0/40"}, nil, "--callback-allow: callback allow-list entry"},
		{"retries", []string{"--callback-retries", "-1"}, nil, "--callback-retries -1: want 0 or more"},
		{"queue", []string{"--callback-queue", "0"}, nil, "--callback-queue 0: want 1 or more"},
		{"timeout", []string{"--callback-timeout", "0s"}, nil, "--callback-timeout 0s: want a positive duration"},
		{"env duration", nil, map[string]string{"PHLOMOCK_CALLBACK_BACKOFF": "soon"}, `PHLOMOCK_CALLBACK_BACKOFF: "soon" is not a duration`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var out, errw bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--admin-addr", ""}, c.args...), &out, &errw)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Equal(t, 2, exitCode(err, io.Discard))
		})
	}
}
