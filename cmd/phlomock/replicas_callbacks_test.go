package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
)

// TestReplicasSendCallbacksOnce: three replicas on one Redis, every
// action sent to all three at once. The call model lets one of them apply
// it (the others answer 400), and only that replica sends the action's
// callbacks: the receiver gets each transition's callback once (their
// order across replicas is the call's sequence numbers').
func TestReplicasSendCallbacksOnce(t *testing.T) {
	s := redistest.Start(t)
	type got struct {
		event, to string
		seq       int
	}
	var mu sync.Mutex
	var received []got
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		seq, _ := strconv.Atoi(r.Header.Get("X-Phlomock-Call-Seq"))
		mu.Lock()
		received = append(received, got{r.PostForm.Get("event"), r.PostForm.Get("to"), seq})
		mu.Unlock()
	}))
	defer rcv.Close()
	file := filepath.Join(t.TempDir(), "cb.yaml")
	writeFile(t, file, fmt.Sprintf(`version: 1
name: replicas-callbacks
stateful: true
world:
  phlos:
    - id: e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c
      nodes:
        - id: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
          members: [{address: "%s", role: agent}, {address: "+14152223333", role: customer}]
          callbacks: {url: "%s/events"}
`, flowAgent, rcv.URL))
	rs := startReplicas(t, 3, s.URL(0), "--scenario", file)

	const rounds = 5
	call := flowStep{flowNode, `{"action":"call","to":"` + flowSecond + `","role":"agent","trigger_source":"` + flowAgent + `"}`}
	hangup := flowStep{flowNode + "/members/" + flowSecond, `{"action":"hangup"}`}
	for range rounds {
		for _, step := range []flowStep{call, hangup} {
			statuses := make([]int, len(rs))
			var wg sync.WaitGroup
			for i, r := range rs {
				wg.Go(func() { statuses[i], _ = r.send(t, step) })
			}
			wg.Wait()
			accepted := 0
			for _, st := range statuses {
				if st == http.StatusCreated {
					accepted++
				}
			}
			require.Equal(t, 1, accepted, "one replica applies %s, the others are refused: %v", step.body, statuses)
		}
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(received) >= 2*rounds }, 15*time.Second, 10*time.Millisecond)
	// Every replica has sent all it queued: a duplicate, had any replica
	// queued one, has arrived by now.
	for _, r := range rs {
		require.Eventually(t, func() bool {
			resp, err := http.Get(r.Admin + "/__admin/callbacks")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var page struct{ Stats struct{ Pending int64 } }
			return json.NewDecoder(resp.Body).Decode(&page) == nil && page.Stats.Pending == 0
		}, 15*time.Second, 10*time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, received, 2*rounds, "one callback per transition: %v", received)
	// Two transitions applied by two replicas are sent by two queues:
	// they may arrive in either order, and X-Phlomock-Call-Seq tells.
	slices.SortFunc(received, func(a, b got) int { return a.seq - b.seq })
	for i, g := range received {
		want := "ConferenceEnter"
		if i%2 == 1 {
			want = "ConferenceExit"
		}
		assert.Equal(t, got{want, flowSecond, i + 1}, g, "callback %d", i+1)
	}
}

// TestReplicaKilledMidDelivery: a replica is killed (SIGKILL) while its
// callbacks wait for a stuck receiver; the callbacks it kept in the store
// are taken over and sent by another replica: none is lost (at least once:
// the one in flight when it died may arrive twice).
func TestReplicaKilledMidDelivery(t *testing.T) {
	s := redistest.Start(t)
	hold := make(chan struct{})
	var mu sync.Mutex
	seen := map[string]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen[r.PostForm.Get("event")+" "+r.PostForm.Get("to")+" "+r.Header.Get("X-Phlomock-Call-Seq")]++
		mu.Unlock()
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer rcv.Close()
	file := filepath.Join(t.TempDir(), "cb.yaml")
	writeFile(t, file, fmt.Sprintf(`version: 1
name: replicas-kill
stateful: true
world:
  phlos:
    - id: e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c
      nodes:
        - id: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
          members: [{address: "%s", role: agent}, {address: "+14152223333", role: customer}]
          callbacks: {url: "%s/events"}
`, flowAgent, rcv.URL))
	rs := startReplicas(t, 3, s.URL(0), "--scenario", file, "--callback-timeout", "30s")
	for _, step := range []flowStep{
		{flowNode, `{"action":"cold_transfer","to":"` + flowSecond + `","role":"agent","trigger_source":"` + flowAgent + `"}`},
		{flowNode + "/members/+14152223333", `{"action":"hangup"}`},
	} {
		status, msg := rs[0].send(t, step)
		require.Equal(t, http.StatusCreated, status, msg)
	}
	// The first callback is in flight to the stuck receiver, the others
	// queued behind it in replica 0.
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, rs[0].Cmd.Process.Kill())
	close(hold)
	want := []string{"Redirect " + flowAgent + " 1", "ConferenceEnter " + flowSecond + " 1", "ConferenceExit " + flowAgent + " 1", "ConferenceExit +14152223333 2"}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, w := range want {
			if seen[w] == 0 {
				return false
			}
		}
		return true
	}, 20*time.Second, 20*time.Millisecond, "every callback replica 0 queued arrives: %v", seen)
	recovered := 0
	for _, r := range rs[1:] {
		resp, err := http.Get(r.Admin + "/__admin/callbacks?outcome=delivered")
		require.NoError(t, err)
		var page struct{ Attempts []struct{ Recovered bool } }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
		resp.Body.Close()
		for _, a := range page.Attempts {
			if a.Recovered {
				recovered++
			}
		}
	}
	assert.GreaterOrEqual(t, recovered, len(want), "the callbacks were sent by the replicas that took them over")
}
