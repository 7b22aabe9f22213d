package redisstore_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/internal/syncbuf"
	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/redisstore"
)

// lossReplica is one replica's view of a store: its calls of one set, a
// counter, the shared scenarios, and its log.
type lossReplica struct {
	store *redisstore.Store
	calls multiparty.Calls
	log   *syncbuf.Buffer
}

func openLossReplica(t *testing.T, s *redistest.Server) *lossReplica {
	t.Helper()
	st, err := redisstore.Open(context.Background(), s.URL(0), "t:")
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	r := &lossReplica{store: st, log: &syncbuf.Buffer{}}
	st.SetLogger(slog.New(slog.NewTextHandler(r.log, nil)))
	r.calls = st.Calls("active:x")
	require.NoError(t, r.calls.Seed("P", "N", []multiparty.Member{{Address: u1, Role: multiparty.Agent}, {Address: u2, Role: multiparty.Customer}}))
	return r
}

// requireLost checks err is the loss: ErrStateLost, naming the store and
// what was lost, and how to recover.
func requireLost(t *testing.T, err error, what string) {
	t.Helper()
	require.Error(t, err, what)
	require.ErrorIs(t, err, mockserver.ErrStateLost, what)
	var le *redisstore.LostError
	require.True(t, errors.As(err, &le), "%s: got %T %v, want a *LostError", what, err, err)
	for _, want := range []string{"store redis://", "lost its state", "calls in progress", "counts", "scenarios", "sessions", "POST /__admin/reset"} {
		assert.Contains(t, err.Error(), want, what)
	}
}

// Mid-transfer, the store loses everything (FLUSHALL, or a Redis restarted
// without persistence): neither replica answers from the rewound call
// (hold 201 then unhold 400 "member is not on hold" was the bug); every read
// of the shared state answers the loss; each replica logs it once; a reset
// on one replica starts over for both.
func TestStoreLossDetected(t *testing.T) {
	for _, how := range []string{"flushall", "empty restart"} {
		t.Run(how, func(t *testing.T) {
			s := redistest.Start(t)
			a, b := openLossReplica(t, s), openLossReplica(t, s)
			ctx := context.Background()
			_, err := a.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.WarmTransfer, TriggerSource: u1, To: u3})
			require.NoError(t, err)
			_, err = b.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hangup, Member: u1})
			require.NoError(t, err, "the transfer completes")
			_, err = a.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
			require.NoError(t, err)
			n, err := a.store.Counter("active:c").Hit(ctx, 0)
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
			ok, err := a.store.Publish(ctx, "", "v1", []byte(`{"change":"v1"}`))
			require.NoError(t, err)
			require.True(t, ok)

			switch how {
			case "flushall":
				require.NoError(t, a.store.Client().FlushAll(ctx).Err())
			default:
				s.Stop()
				s.Restart()
				require.Eventually(t, func() bool { return b.store.Ping(ctx) == nil }, 5*time.Second, 20*time.Millisecond)
			}
			for range 3 {
				_, err = b.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Unhold, Member: u2})
				requireLost(t, err, "unhold on b")
				_, err = a.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
				requireLost(t, err, "hold on a")
				_, err = a.calls.Try(ctx, "P", "N", multiparty.Action{Kind: multiparty.Unhold, Member: u2})
				requireLost(t, err, "dry run on a")
				_, err = b.calls.Snapshot(ctx)
				requireLost(t, err, "calls listing on b")
				_, _, err = b.calls.History(ctx, "P", "N")
				requireLost(t, err, "history on b")
				_, err = b.store.Counter("active:c").Hit(ctx, 0)
				requireLost(t, err, "counter on b")
				_, _, err = b.store.Load(ctx)
				requireLost(t, err, "shared scenarios on b")
				_, err = b.store.Publish(ctx, "", "v2", []byte(`{"change":"v2"}`))
				requireLost(t, err, "publish on b")
				_, _, err = b.store.LoadSession(ctx, "sess")
				requireLost(t, err, "session on b")
				_, err = b.store.ListSessions(ctx)
				requireLost(t, err, "sessions listing on b")
				_, _, err = b.store.SyncSessions(ctx, []string{"sess"}, []time.Duration{time.Minute})
				requireLost(t, err, "sessions sync on b")
				_, _, err = b.store.CreateSession(ctx, "new", []byte("{}"), time.Minute, -1)
				requireLost(t, err, "session creation on b")
				require.NoError(t, b.store.Ping(ctx), "the store answers: readiness stays")
			}
			for name, r := range map[string]*lossReplica{"a": a, "b": b} {
				assert.Equal(t, 1, strings.Count(r.log.String(), "store lost its state"), "replica %s logs the loss once: %s", name, r.log.String())
				require.NotNil(t, r.store.Lost(), name)
			}

			// A replica started after the loss sees it too.
			c := openLossReplica(t, s)
			_, err = c.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
			requireLost(t, err, "hold on a replica started after the loss")

			// The reset (its first step, a new epoch of counts, then the calls).
			require.NoError(t, a.store.ResetCounts(ctx))
			require.NoError(t, a.store.ResetCalls(ctx))
			for name, r := range map[string]*lossReplica{"a": a, "b": b, "c": c} {
				_, err = r.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
				require.NoError(t, err, "replica %s after the reset", name)
				_, err = r.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Unhold, Member: u2})
				require.NoError(t, err, "replica %s after the reset", name)
				assert.Nil(t, r.store.Lost(), name)
			}
			n, err = b.store.Counter("active:c").Hit(ctx, 0)
			require.NoError(t, err)
			assert.EqualValues(t, 1, n, "counts from zero after the reset")
			assert.Contains(t, b.log.String(), "started over by a reset")
		})
	}
}

// A replica that opens a store which lost its state before anyone noticed
// makes a generation of its own (it cannot tell a first start): the
// replicas that knew the old one see a start's generation, not a reset's,
// and mark the loss, which the new replica then sees as well.
func TestStoreLossNewReplicaBeforeNoticed(t *testing.T) {
	s := redistest.Start(t)
	a := openLossReplica(t, s)
	ctx := context.Background()
	_, err := a.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
	require.NoError(t, err)
	require.NoError(t, a.store.Client().FlushAll(ctx).Err())
	late := openLossReplica(t, s)
	_, err = late.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
	require.NoError(t, err, "the late replica cannot know yet")
	_, err = a.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Unhold, Member: u2})
	requireLost(t, err, "the replica that knew the state")
	_, err = late.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Unhold, Member: u2})
	requireLost(t, err, "the late replica, once the loss is marked")
}

// A reset on another replica is not a loss: the generation it writes is
// taken up, and the counts and calls go on from the reset.
func TestStoreResetElsewhereIsNotALoss(t *testing.T) {
	s := redistest.Start(t)
	a, b := openLossReplica(t, s), openLossReplica(t, s)
	ctx := context.Background()
	for range 3 {
		require.NoError(t, a.store.ResetCounts(ctx))
		n, err := b.store.Counter("active:c").Hit(ctx, 0)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		_, err = b.calls.Apply(ctx, "P", "N", multiparty.Action{Kind: multiparty.Hold, Member: u2})
		require.NoError(t, err)
		require.NoError(t, a.store.ResetCalls(ctx))
	}
	assert.Nil(t, a.store.Lost())
	assert.Nil(t, b.store.Lost())
	assert.NotContains(t, a.log.String()+b.log.String(), "lost")
}
