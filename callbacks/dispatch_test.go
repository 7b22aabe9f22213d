package callbacks_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/callbacks"
	"github.com/phlomock/phlomock/internal/sdktest"
	"github.com/phlomock/phlomock/mockserver/multiparty"
)

const token = "phlomock-default-auth-token"

// coldTransfer is the notices of the transfer flow's cold transfer and
// hangups, as the fake sends them, to targets.
func coldTransfer(tb testing.TB, targets []callbacks.Target, faults ...callbacks.Fault) []callbacks.Notice {
	tb.Helper()
	c, err := multiparty.NewCall(phloID, nodeID, []multiparty.Member{{Address: agent, Role: multiparty.Agent}, {Address: customer, Role: multiparty.Customer}}, multiparty.Options{})
	require.NoError(tb, err)
	var out []callbacks.Notice
	for _, a := range []multiparty.Action{
		{Kind: multiparty.ColdTransfer, TriggerSource: agent, To: target},
		{Kind: multiparty.Hangup, Member: customer},
		{Kind: multiparty.Hangup, Member: target},
	} {
		res, err := c.Apply(a)
		require.NoError(tb, err)
		out = append(out, callbacks.Notice{
			Transition: callbacks.Transition{PhloID: phloID, NodeID: nodeID, NodeName: "Multi-Party Call_1", Seq: res.Seq, Action: a, Result: res},
			Scope:      "test", AuthID: "MAPHLOMOCKDEFAULT001", Token: token, Targets: targets, Faults: faults,
		})
	}
	return out
}

const coldTransferEvents = 6 // Redirect, Enter, Exit; Exit; Exit, Completed

func newDispatcher(tb testing.TB, cfg callbacks.Config) *callbacks.Dispatcher {
	tb.Helper()
	d := callbacks.New(cfg)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = d.Close(ctx)
	})
	return d
}

// TestOfficialValidators: every callback, in every format and method,
// passes plivo-go's ValidateSignatureV3 and plivo-node's
// validateV3Signature unmodified; a bad-signature fault fails both.
func TestOfficialValidators(t *testing.T) {
	receivers := map[string]func(testing.TB) *sdktest.Receiver{
		"plivo-go":   func(tb testing.TB) *sdktest.Receiver { return goReceiver(tb, "-token", token) },
		"plivo-node": func(tb testing.TB) *sdktest.Receiver { return nodeReceiver(tb, token) },
	}
	cases := []struct {
		name   string
		format callbacks.Format
		method string
		path   string
	}{
		{"form POST", callbacks.Form, "POST", "/events"},
		{"json POST", callbacks.JSON, "POST", "/events"},
		{"GET", callbacks.Form, "GET", "/events"},
		{"form POST to a URL with a query", callbacks.Form, "POST", "/events?tenant=a%20b&z=1"},
		{"GET to a URL with a query", callbacks.Form, "GET", "/hooks/mpc?tenant=acme"},
	}
	for name, start := range receivers {
		t.Run(name, func(t *testing.T) {
			r := start(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					d := newDispatcher(t, callbacks.Config{Format: tc.format})
					for _, n := range coldTransfer(t, []callbacks.Target{{URL: r.URL + tc.path, Method: tc.method}}) {
						d.Notify(n)
					}
					var events []string
					for range coldTransferEvents {
						got := r.Next(t)
						assert.True(t, got.Valid, "%s: signature refused by %s for %s %s", got.Vars["event"], name, tc.method, tc.path)
						assert.Equal(t, tc.method, got.Method)
						events = append(events, got.Vars["event"])
					}
					assert.Equal(t, []string{"Redirect", "ConferenceEnter", "ConferenceExit", "ConferenceExit", "ConferenceExit", "Completed"}, events)
				})
			}
			t.Run("bad signature", func(t *testing.T) {
				d := newDispatcher(t, callbacks.Config{})
				ns := coldTransfer(t, []callbacks.Target{{URL: r.URL + "/events"}}, callbacks.Fault{Event: callbacks.ConferenceEnter, BadSignature: true})
				for _, n := range ns {
					d.Notify(n)
				}
				for range coldTransferEvents {
					got := r.Next(t)
					assert.Equal(t, got.Vars["event"] != "ConferenceEnter", got.Valid, "%s valid", got.Vars["event"])
				}
			})
		})
	}
}

// sink is an in-process receiver that keeps what it got.
type sink struct {
	*httptest.Server
	mu   sync.Mutex
	got  []url.Values
	hold chan struct{} // when set, each request waits for it
	code int
}

func newSink(tb testing.TB) *sink {
	s := &sink{code: 200}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hold != nil {
			<-s.hold
		}
		_ = r.ParseForm()
		s.mu.Lock()
		s.got = append(s.got, r.PostForm)
		code := s.code
		s.mu.Unlock()
		w.WriteHeader(code)
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *sink) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, v := range s.got {
		out = append(out, v.Get("event")+" "+v.Get("to"))
	}
	return out
}

func waitIdle(tb testing.TB, d *callbacks.Dispatcher) {
	tb.Helper()
	require.Eventually(tb, func() bool { return d.Stats().Pending == 0 }, 10*time.Second, 5*time.Millisecond)
}

func TestFaults(t *testing.T) {
	all := []string{"Redirect " + agent, "ConferenceEnter " + target, "ConferenceExit " + agent, "ConferenceExit " + customer, "ConferenceExit " + target, "Completed "}
	tests := []struct {
		name   string
		fault  callbacks.Fault
		want   []string
		outcom map[string]int // outcomes journaled
	}{
		{"no fault", callbacks.Fault{}, all, map[string]int{callbacks.Delivered: 6}},
		{"drop an event kind", callbacks.Fault{Event: callbacks.ConferenceExit, Drop: true},
			[]string{"Redirect " + agent, "ConferenceEnter " + target, "Completed "}, map[string]int{callbacks.Delivered: 3, callbacks.Dropped: 3}},
		{"drop the 2nd callback", callbacks.Fault{Nth: 2, Drop: true},
			[]string{"Redirect " + agent, "ConferenceExit " + agent, "ConferenceExit " + customer, "ConferenceExit " + target, "Completed "}, map[string]int{callbacks.Delivered: 5, callbacks.Dropped: 1}},
		{"duplicate", callbacks.Fault{Event: callbacks.ConferenceEnter, Duplicate: 2},
			[]string{"Redirect " + agent, "ConferenceEnter " + target, "ConferenceEnter " + target, "ConferenceEnter " + target, "ConferenceExit " + agent, "ConferenceExit " + customer, "ConferenceExit " + target, "Completed "},
			map[string]int{callbacks.Delivered: 8}},
		{"reorder the first", callbacks.Fault{Nth: 1, Reorder: true},
			[]string{"ConferenceEnter " + target, "Redirect " + agent, "ConferenceExit " + agent, "ConferenceExit " + customer, "ConferenceExit " + target, "Completed "}, map[string]int{callbacks.Delivered: 6}},
		{"reorder the last waits, then goes", callbacks.Fault{Event: callbacks.Completed, Reorder: true}, all, map[string]int{callbacks.Delivered: 6}},
		{"delay keeps the order", callbacks.Fault{Event: callbacks.Redirect, Delay: 50 * time.Millisecond}, all, map[string]int{callbacks.Delivered: 6}},
		{"by action", callbacks.Fault{Action: "hangup", Drop: true}, all[:3], map[string]int{callbacks.Delivered: 3, callbacks.Dropped: 3}},
		{"fail", callbacks.Fault{Action: "cold_transfer", Fail: true},
			[]string{"Failed ", "ConferenceExit " + customer, "ConferenceExit " + target, "Completed "}, map[string]int{callbacks.Delivered: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSink(t)
			d := newDispatcher(t, callbacks.Config{ReorderWait: 20 * time.Millisecond})
			start := time.Now()
			for _, n := range coldTransfer(t, []callbacks.Target{{URL: s.URL}}, tt.fault) {
				d.Notify(n)
			}
			waitIdle(t, d)
			assert.Equal(t, tt.want, s.events())
			for outcome, n := range tt.outcom {
				assert.Equal(t, n, d.Count(callbacks.Filter{Outcome: outcome}), "attempts %s", outcome)
			}
			if tt.fault.Delay > 0 {
				j, _ := d.Journal(callbacks.Filter{Event: callbacks.Redirect})
				require.Len(t, j, 1)
				assert.GreaterOrEqual(t, j[0].Time.Sub(start), tt.fault.Delay, "the delayed callback was sent after its delay")
				assert.Equal(t, "delay", j[0].Fault)
			}
		})
	}
}

func TestRetriesAndGivingUp(t *testing.T) {
	t.Run("non-2xx, then 2xx", func(t *testing.T) {
		var n int
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			code := map[bool]int{true: 503, false: 204}[n <= 2]
			mu.Unlock()
			w.WriteHeader(code)
		}))
		defer srv.Close()
		d := newDispatcher(t, callbacks.Config{Backoff: time.Millisecond, Retries: 3})
		d.Notify(coldTransfer(t, []callbacks.Target{{URL: srv.URL}})[1]) // one event: the customer's exit
		waitIdle(t, d)
		j, _ := d.Journal(callbacks.Filter{})
		require.Len(t, j, 3)
		for i, a := range j {
			assert.Equal(t, i+1, a.Try)
			assert.Equal(t, j[0].ID, a.ID, "one callback")
			assert.NotEmpty(t, a.Header[callbacks.HeaderSignature])
			assert.Contains(t, a.Body, "event=ConferenceExit")
		}
		assert.Equal(t, []int{503, 503, 204}, []int{j[0].Status, j[1].Status, j[2].Status})
		assert.Equal(t, []string{callbacks.Retrying, callbacks.Retrying, callbacks.Delivered}, []string{j[0].Outcome, j[1].Outcome, j[2].Outcome})
		assert.NotEqual(t, j[0].Header[callbacks.HeaderNonce], j[1].Header[callbacks.HeaderNonce], "a fresh nonce each attempt")
	})
	t.Run("receiver down", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		down := "http://" + ln.Addr().String() + "/events"
		ln.Close() // nothing listens there any more
		d := newDispatcher(t, callbacks.Config{Backoff: time.Millisecond, Retries: 2})
		d.Notify(coldTransfer(t, []callbacks.Target{{URL: down}})[1])
		waitIdle(t, d)
		j, _ := d.Journal(callbacks.Filter{URL: down})
		require.Len(t, j, 3)
		assert.Equal(t, []string{callbacks.Retrying, callbacks.Retrying, callbacks.GaveUp}, []string{j[0].Outcome, j[1].Outcome, j[2].Outcome})
		assert.Contains(t, j[2].Error, "connection refused")
		assert.Equal(t, uint64(1), d.Stats().GaveUp)
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		d := newDispatcher(t, callbacks.Config{Timeout: 50 * time.Millisecond, Retries: -1})
		d.Notify(coldTransfer(t, []callbacks.Target{{URL: srv.URL}})[1])
		waitIdle(t, d)
		j, _ := d.Journal(callbacks.Filter{})
		require.Len(t, j, 1)
		assert.Equal(t, callbacks.GaveUp, j[0].Outcome)
		assert.Contains(t, j[0].Error, "no answer within 50ms")
	})
}

func TestAllowList(t *testing.T) {
	s := newSink(t)
	d := newDispatcher(t, callbacks.Config{Retries: -1})
	// TEST-NET-1: not loopback, not listed: refused before any connection.
	d.Notify(coldTransfer(t, []callbacks.Target{{URL: "http://192.0.2.10:9/events"}, {URL: s.URL}})[1])
	waitIdle(t, d)
	j, _ := d.Journal(callbacks.Filter{Outcome: callbacks.Refused})
	require.Len(t, j, 1)
	assert.Equal(t, "http://192.0.2.10:9/events", j[0].URL)
	assert.Contains(t, j[0].Error, "192.0.2.10 is not loopback nor on --callback-allow")
	assert.Equal(t, 1, d.Count(callbacks.Filter{Outcome: callbacks.Delivered}), "the loopback target still gets it")

	allow, err := callbacks.ParseAllow("192.0.2.0/24, receiver.internal")
	require.NoError(t, err)
	assert.Equal(t, "loopback,192.0.2.0/24,receiver.internal", allow.String())
	for _, bad := range []string{"10.0.0.0/33", "http://x", "a b"} {
		_, err := callbacks.ParseAllow(bad)
		assert.Error(t, err, bad)
	}
}

func TestCheckTarget(t *testing.T) {
	for _, bad := range []callbacks.Target{{URL: "ftp://x/"}, {URL: "/relative"}, {URL: "http://"}, {URL: "http://u:p@h/"}, {URL: "http://h/", Method: "PUT"}} {
		assert.ErrorIs(t, callbacks.CheckTarget(bad), callbacks.ErrBadTarget, "%+v", bad)
	}
	assert.NoError(t, callbacks.CheckTarget(callbacks.Target{URL: "https://h:8443/p?q=1", Method: "get"}))
}

// TestQueueFullNeverBlocks: with the receiver stuck and the queue full,
// Notify still returns, and the callbacks it could not queue are counted
// and journaled.
func TestQueueFullNeverBlocks(t *testing.T) {
	s := newSink(t)
	s.hold = make(chan struct{})
	d := newDispatcher(t, callbacks.Config{QueueSize: 2, Workers: 1})
	done := make(chan struct{})
	go func() {
		for range 10 {
			for _, n := range coldTransfer(t, []callbacks.Target{{URL: s.URL}}) {
				d.Notify(n)
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Notify blocked on a full queue")
	}
	st := d.Stats()
	assert.Greater(t, st.QueueFull, uint64(50), "60 callbacks, 1 in flight and 2 queued")
	assert.Equal(t, int(st.QueueFull), d.Count(callbacks.Filter{Outcome: callbacks.QueueFull}))
	close(s.hold)
	waitIdle(t, d)
}

func TestRunTimeTargets(t *testing.T) {
	world, set := newSink(t), newSink(t)
	d := newDispatcher(t, callbacks.Config{})
	require.NoError(t, d.SetTargets("", phloID, nodeID, []callbacks.Target{{URL: set.URL + "/new"}}))
	assert.ErrorIs(t, d.SetTargets("", phloID, nodeID, []callbacks.Target{{URL: "nope"}}), callbacks.ErrBadTarget)
	d.Notify(coldTransfer(t, []callbacks.Target{{URL: world.URL}})[1])
	waitIdle(t, d)
	assert.Empty(t, world.events())
	assert.Len(t, set.events(), 1)
	require.NoError(t, d.SetTargets("", phloID, nodeID, nil)) // back to the world's
	d.Notify(coldTransfer(t, []callbacks.Target{{URL: world.URL}})[1])
	waitIdle(t, d)
	assert.Len(t, world.events(), 1)
	// Another session's target does not apply.
	require.NoError(t, d.SetTargets("s2", phloID, nodeID, []callbacks.Target{{URL: set.URL}}))
	d.Notify(coldTransfer(t, []callbacks.Target{{URL: world.URL}})[1])
	waitIdle(t, d)
	assert.Len(t, world.events(), 2)
	_ = io.Discard
}
