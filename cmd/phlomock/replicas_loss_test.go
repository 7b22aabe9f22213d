package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/redisstore"
)

// The start of the transfer flow, up to the second agent on hold.
var holdFlow = []flowStep{
	{flowNode, `{"action":"warm_transfer","to":"` + flowSecond + `","role":"agent","trigger_source":"` + flowAgent + `"}`},
	{flowNode + "/members/" + flowAgent, `{"action":"hangup"}`}, // completes the transfer
	{flowNode + "/members/" + flowSecond, `{"action":"hold"}`},
}

var unholdSecond = flowStep{flowNode + "/members/" + flowSecond, `{"action":"unhold"}`}

// Two replicas on one Redis, in the middle of a transfer, when the store
// loses everything (FLUSHALL, or Redis restarted without persistence):
// neither answers from the rewound call (before, hold 201 then unhold 400
// "member is not on hold"); both answer 503 naming the loss, on the API and
// the control plane, log it once, and stay ready; a reset on one starts
// over for both.
func TestReplicasStoreLoss(t *testing.T) {
	for _, how := range []string{"FLUSHALL", "empty restart"} {
		t.Run(how, func(t *testing.T) {
			s := redistest.Start(t)
			rs := startReplicas(t, 2, s.URL(0), "--scenario", "transfer-flow")
			for i, step := range holdFlow {
				status, msg := rs[i%2].send(t, step)
				require.Equal(t, http.StatusCreated, status, "step %d: %s", i, msg)
			}
			switch how {
			case "FLUSHALL":
				st, err := redisstore.Open(context.Background(), s.URL(0), "flush:")
				require.NoError(t, err)
				require.NoError(t, st.Client().FlushAll(context.Background()).Err())
				st.Close()
			default:
				s.Stop()
				s.Restart()
				for _, r := range rs {
					r.waitReady(t, http.StatusOK)
				}
			}
			for round := range 3 {
				for i, r := range rs {
					status, msg := r.send(t, unholdSecond)
					assert.Equal(t, http.StatusServiceUnavailable, status, "round %d replica %d: %s", round, i, msg)
					for _, want := range []string{"lost its state", "calls in progress", "POST /__admin/reset"} {
						assert.Contains(t, msg, want, "replica %d", i)
					}
					status, msg = r.send(t, holdFlow[2])
					assert.Equal(t, http.StatusServiceUnavailable, status, "round %d replica %d: %s", round, i, msg)
					resp, err := http.Get(r.Admin + "/__admin/calls")
					require.NoError(t, err)
					resp.Body.Close()
					assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "replica %d: the calls listing", i)
					r.waitReady(t, http.StatusOK) // the store answers: readiness stays
				}
			}
			for i, r := range rs {
				assert.Equal(t, 1, strings.Count(r.Logs.String(), "store lost its state"), "replica %d logs the loss once: %s", i, r.Logs.String())
			}

			resp, err := http.Post(rs[1].Admin+"/__admin/reset", "", nil)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			for i, step := range append(holdFlow, unholdSecond) {
				status, msg := rs[i%2].send(t, step)
				require.Equal(t, http.StatusCreated, status, "after the reset, step %d: %s", i, msg)
			}
			for i, r := range rs {
				assert.Contains(t, r.Logs.String(), "started over by a reset", "replica %d", i)
			}
		})
	}
}
