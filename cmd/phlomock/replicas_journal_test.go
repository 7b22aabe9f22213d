package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/wait"
)

// getNumbered sends GET flowNode to r with the header X-Req: n, so each
// request can be told apart in a journal.
func (r *replica) getNumbered(t *testing.T, n int) {
	t.Helper()
	req, err := http.NewRequest("GET", r.API+flowNode, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", r.Auth)
	req.Header.Set("X-Req", strconv.Itoa(n))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

type journalEntry struct {
	Seq    uint64              `json:"seq"`
	Header map[string][]string `json:"header"`
}

// journalPages reads r's whole journal, following next from after=0, and
// returns the X-Req of each entry and their seqs.
func (r *replica) journalPages(t *testing.T) (reqs []int, seqs []uint64) {
	t.Helper()
	var after uint64
	for {
		var page struct {
			Entries []journalEntry `json:"entries"`
			Next    uint64         `json:"next"`
			More    bool           `json:"more"`
		}
		status, raw := r.admin(t, "GET", fmt.Sprintf("/__admin/journal?after=%d&limit=5", after), "")
		require.Equal(t, http.StatusOK, status, raw)
		require.NoError(t, json.Unmarshal([]byte(raw), &page), raw)
		for _, e := range page.Entries {
			n, err := strconv.Atoi(strings.Join(e.Header["X-Req"], ""))
			require.NoError(t, err, "entry %d has no X-Req", e.Seq)
			reqs, seqs = append(reqs, n), append(seqs, e.Seq)
		}
		after = page.Next
		if !page.More {
			return reqs, seqs
		}
	}
}

// admin sends a control plane request to r and returns the status and body.
func (r *replica) admin(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, r.Admin+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(raw)
}

// journalVisible is how long a test waits for another replica's entries:
// docs/store.md bounds it by one write of that replica's queue (a round
// trip when the queue is short); the margin is for a loaded test machine.
const journalVisible = 10 * time.Second

// waitJournal polls r's journal until it holds want entries, at most
// journalVisible, and returns what it read.
func (r *replica) waitJournal(t *testing.T, want int) (reqs []int, seqs []uint64) {
	t.Helper()
	wait.UntilNil(t, journalVisible, "replica "+r.Admin+"'s journal", func() error {
		if status, raw := r.admin(t, "GET", "/__admin/journal?limit=1", ""); status != http.StatusOK {
			return fmt.Errorf("got %d %s", status, raw) // a store coming back: its first answers may still be 503s
		}
		if reqs, seqs = r.journalPages(t); len(reqs) < want {
			return fmt.Errorf("got %d entries, want %d", len(reqs), want)
		}
		return nil
	})
	return reqs, seqs
}

// Three replicas on one Redis share one journal: requests sent
// round-robin are all in the journal, and counted by verify, on each
// replica, in one order with increasing seqs; DELETE /__admin/journal on
// one empties it for all, and a replica stopped with SIGTERM writes what
// it journaled before it exits.
func TestReplicasShareJournal(t *testing.T) {
	s := redistest.Start(t)
	rs := startReplicas(t, 3, s.URL(0))
	const n = 12
	for i := 1; i <= n; i++ {
		rs[i%3].getNumbered(t, i)
	}
	var order []int
	for k, r := range rs {
		reqs, seqs := r.waitJournal(t, n)
		require.Len(t, reqs, n, "replica %d's journal", k)
		sorted := slices.Clone(reqs)
		slices.Sort(sorted)
		assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, sorted, "replica %d: every request once", k)
		for i := 1; i < len(seqs); i++ {
			assert.Greater(t, seqs[i], seqs[i-1], "replica %d: seqs %v increase", k, seqs)
		}
		if order == nil {
			order = reqs
		}
		assert.Equal(t, order, reqs, "replica %d reads the order replica 0 reads", k)

		status, raw := r.admin(t, "POST", "/__admin/verify", `{"operation":"getMultiPartyCall","expect":12}`)
		assert.Equal(t, http.StatusOK, status, "replica %d: %s", k, raw)
		status, raw = r.admin(t, "POST", "/__admin/verify", `{"headers":{"X-Req":"7"},"expect":1}`)
		assert.Equal(t, http.StatusOK, status, "replica %d: %s", k, raw)
	}

	status, raw := rs[0].admin(t, "DELETE", "/__admin/journal", "")
	require.Equal(t, http.StatusNoContent, status, raw)
	for k, r := range rs {
		reqs, _ := r.journalPages(t)
		assert.Empty(t, reqs, "replica %d after a DELETE on replica 0", k)
		status, raw := r.admin(t, "POST", "/__admin/verify", `{"operation":"getMultiPartyCall","expect":0}`)
		assert.Equal(t, http.StatusOK, status, "replica %d: %s", k, raw)
	}

	// SIGTERM: the replica writes its queue before it exits, so its
	// entries are there at once, no waiting.
	for i := 101; i <= 150; i++ {
		rs[2].getNumbered(t, i)
	}
	rs[2].stop()
	reqs, seqs := rs[0].journalPages(t)
	assert.Len(t, reqs, 50)
	if assert.NotEmpty(t, seqs) {
		assert.Greater(t, seqs[0], uint64(n), "numbers go on after a DELETE")
	}
}

// With the store down, the journal's routes answer 503 {api_id, error}
// naming the store, without its password, never a page of this replica's
// entries alone; once it is back, what was answered meanwhile is there.
func TestReplicasJournalStoreDown(t *testing.T) {
	s := redistest.Start(t, "--requirepass", "s3cretpw")
	url := strings.Replace(s.URL(0), "redis://", "redis://default:s3cretpw@", 1)
	r := startReplicas(t, 1, url)[0]
	r.getNumbered(t, 1)
	reqs, _ := r.waitJournal(t, 1)
	require.Equal(t, []int{1}, reqs)
	s.Stop()
	r.getNumbered(t, 2) // answered: the journal's write waits
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/__admin/journal", ""},
		{"GET", "/__admin/journal?after=0&limit=10", ""},
		{"POST", "/__admin/verify", `{"operation":"getMultiPartyCall"}`},
		{"DELETE", "/__admin/journal", ""},
	} {
		status, raw := r.admin(t, req.method, req.path, req.body)
		assert.Equal(t, http.StatusServiceUnavailable, status, "%s %s: %s", req.method, req.path, raw)
		var body struct {
			APIID string `json:"api_id"`
			Error string `json:"error"`
		}
		if assert.NoError(t, json.Unmarshal([]byte(raw), &body), raw) {
			assert.NotEmpty(t, body.APIID)
			assert.Contains(t, body.Error, "store redis://default:xxxxx@"+s.Addr+"/0", "%s %s", req.method, req.path)
			assert.NotContains(t, raw, "s3cretpw")
		}
	}
	// Back, empty (the test server keeps nothing on disk): request 1 went
	// with it, request 2 waited in the queue and is written now.
	s.Restart("--requirepass", "s3cretpw")
	reqs, _ = r.waitJournal(t, 1)
	assert.Equal(t, []int{2}, reqs, "the request answered while the store was down")
}
