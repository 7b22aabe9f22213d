package director_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

// TestConcurrentActionsReplay: 50 goroutines send 100 actions each to one
// call through the fake. The accepted ones carry their sequence number in
// the journal; replaying them serially in that order on a fresh call must
// give the state the fake ended in.
func TestConcurrentActionsReplay(t *testing.T) {
	const workers, perWorker = 50, 100
	start := "U1=c U2=c"
	s := faketest.NewServer(t, fake.Config{Options: mockserver.Options{JournalSize: 2 * workers * perWorker}, Active: []*scenarios.Scenario{world(t, start)}})
	people := []string{addr["U1"], addr["U2"], addr["U3"], addr["U4"], "+14150000005", "+14150000006"}
	nodeKinds := []string{"call", "warm_transfer", "cold_transfer"}
	memberKinds := []string{"hold", "unhold", "hangup", "resume_call", "abort_transfer", "voicemail_drop"}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			for range perWorker {
				var path string
				var body map[string]any
				if rnd.IntN(2) == 0 {
					path = nodePath
					body = callBody(nodeKinds[rnd.IntN(3)], people[rnd.IntN(len(people))], []string{"agent", "customer"}[rnd.IntN(2)], people[rnd.IntN(len(people))])
				} else {
					path = memberPath(people[rnd.IntN(len(people))])
					body = memberBody(memberKinds[rnd.IntN(len(memberKinds))])
				}
				b, _ := json.Marshal(body)
				req := httptest.NewRequest("POST", path, bytes.NewReader(b))
				req.SetBasicAuth(s.AuthID, s.AuthToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				s.Fake.API.ServeHTTP(rec, req)
				if rec.Code != http.StatusCreated && rec.Code != http.StatusBadRequest {
					t.Errorf("got %d %s, want 201 or 400", rec.Code, rec.Body)
				}
			}
		})
	}
	wg.Wait()

	entries := s.Journal(mockserver.Filter{})
	require.Len(t, entries, workers*perWorker)
	var accepted []*mockserver.Entry
	for _, e := range entries {
		if e.CallSeq > 0 {
			require.Equal(t, http.StatusCreated, e.Status)
			accepted = append(accepted, e)
		}
	}
	slices.SortFunc(accepted, func(a, b *mockserver.Entry) int { return int(a.CallSeq) - int(b.CallSeq) })
	for i, e := range accepted {
		require.Equal(t, uint64(i+1), e.CallSeq, "sequence numbers have no gap")
	}
	require.NotEmpty(t, accepted, "some actions were accepted")

	replay, err := multiparty.NewCall(phloID, nodeID, members(t, start), multiparty.Options{})
	require.NoError(t, err)
	for _, e := range accepted {
		var body map[string]any
		require.NoError(t, json.Unmarshal([]byte(e.Body), &body))
		res, err := replay.Apply(multiparty.ActionFrom(e.PathParams["member_address"], body))
		require.NoError(t, err, "entry %d (call seq %d) replays", e.Seq, e.CallSeq)
		require.Equal(t, e.CallSeq, res.Seq)
	}
	got := snapshot(t, s)
	assert.Equal(t, replay.Snapshot(), got, "final state of the fake vs the serial replay")
	t.Logf("%d of %d actions accepted; final: %s", len(accepted), len(entries), fmt.Sprint(got.Members))
}
