package certify

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phlomock/phlomock/mockserver"
	"github.com/phlomock/phlomock/mockserver/director"
	"github.com/phlomock/phlomock/scenarios"
)

// A lane is where one driver's cases run, one at a time, each in a
// session of its own (package mockserver/director: its own scenarios,
// calls and journal) of the run's one fake. The lane has two addresses of
// its own on that fake (the second for Case.Switch); every request that
// arrives on them belongs to the lane's current case's session, which the
// lane names in the X-Phlomock-Session header before the fake sees it, so
// the client keeps the credentials the case gives it. Runner.Parallel
// lanes run side by side.
type lane struct {
	f           *fake
	url, altURL string
	servers     []*http.Server

	// inFlight counts requests inside the handler, so that a case reads the
	// journal only once every request it caused has been recorded.
	inFlight atomic.Int64

	mu sync.Mutex
	// caseCtx ends when the case does: a request the fake still holds
	// (Trouble.Hold) is let go then, so that it is in the case's journal.
	caseCtx context.Context
	endCase context.CancelFunc
	session *director.Session // the current case's

	// retryAt is the date the case's Retry-After gave (Trouble.RetryAt),
	// zero for none.
	retryAt time.Time
	// judged are the entries (entryKey) the lane's cases were judged on:
	// the grace period after its last case looks only at the others.
	judged map[string]bool
}

// newLane listens on two loopback addresses for the lane.
func (f *fake) newLane() (*lane, error) {
	l := &lane{f: f, judged: map[string]bool{}}
	l.caseCtx, l.endCase = context.WithCancel(context.Background())
	h := l.track(f.f.Handler())
	for _, u := range []*string{&l.url, &l.altURL} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			l.close()
			return nil, err
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		// Every answer closes its connection (Connection: close), so that
		// a client's pool carries nothing from one case into the next,
		// whichever cases its lane ran before: Go's transport, for one,
		// sends a GET again after a dropped connection only when the
		// connection was reused, and getPhlo/dropped counted one request or
		// two depending on the case before it on the lane.
		hs.SetKeepAlivesEnabled(false)
		l.servers = append(l.servers, hs)
		*u = "http://" + ln.Addr().String()
		go func() { _ = hs.Serve(ln) }()
	}
	return l, nil
}

// close stops the lane's addresses at once (waiting would wait for
// connections a client keeps alive) and ends its last session.
func (l *lane) close() {
	l.finishCase()
	for _, hs := range l.servers {
		_ = hs.Close()
	}
	l.mu.Lock()
	s := l.session
	l.session = nil
	l.mu.Unlock()
	if s != nil {
		_ = l.f.sessions.Delete(s.ID)
	}
}

// arrange starts the case in a fresh session: its scenario activated
// there (none: the contract answers), an empty journal. The previous
// case's session ends: a request of that case arriving now lands in this
// one's journal and is attributed by its PHLO id; leftover are those that
// arrived in the previous one after it was judged. hold is how long a
// Trouble.Hold answer is held.
func (l *lane) arrange(c Case, hold time.Duration) (leftover []*mockserver.Entry, err error) {
	var active []*scenarios.Scenario
	known := l.f.director.Operations()
	retryAt := time.Time{}
	if t := c.Trouble; t != nil && t.RetryAt > 0 {
		// HTTP dates have whole seconds: rounded up, never sooner.
		retryAt = time.Now().Add(t.RetryAt + time.Second - 1).Truncate(time.Second)
		dated := *t
		dated.Header = map[string]string{"Retry-After": retryAt.UTC().Format(http.TimeFormat)}
		c.Trouble = &dated
	}
	if c.Trouble != nil || c.Sequence != nil {
		sc, err := troubleScenario(c, hold, known)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", c.ID, err)
		}
		active = append(active, sc)
	}
	s, err := l.f.sessions.Create(director.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("case %s: session: %w", c.ID, err)
	}
	if err := s.Director().Activate(active...); err != nil {
		_ = l.f.sessions.Delete(s.ID)
		return nil, fmt.Errorf("case %s: %w", c.ID, err)
	}
	l.mu.Lock()
	l.endCase()
	l.caseCtx, l.endCase = context.WithCancel(context.Background())
	prev := l.session
	l.session, l.retryAt = s, retryAt
	l.mu.Unlock()
	if prev == nil {
		return nil, nil
	}
	// What arrived in the previous session after its case was judged: a
	// request sent after its call returned.
	l.settle()
	entries, err := l.entries(prev)
	_ = l.f.sessions.Delete(prev.ID)
	for _, e := range entries {
		if !l.judged[entryKey(e)] {
			leftover = append(leftover, e)
		}
	}
	return leftover, err
}

// settle waits until no request is being served, or settle has passed.
func (l *lane) settle() {
	for deadline := time.Now().Add(settle); l.inFlight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// journal returns what the case's session recorded, once no request is
// being served (or after settle: a request still in flight then is not
// the case's). last: the case is over, and a request it still holds is
// let go first.
func (l *lane) journal(last bool) ([]*mockserver.Entry, error) {
	if last {
		l.finishCase()
	}
	l.settle()
	l.mu.Lock()
	s := l.session
	l.mu.Unlock()
	if s == nil {
		return nil, nil
	}
	return l.entries(s)
}

// entries are what session s recorded, and what the fake refused before
// it knew the session (a method or path no operation has), which the
// default journal keeps with the session's header: in time order.
func (l *lane) entries(s *director.Session) ([]*mockserver.Entry, error) {
	es, err := s.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	if err != nil {
		return nil, err
	}
	def, err := l.f.f.Journal().EntriesContext(context.Background(), mockserver.Filter{})
	if err != nil {
		return nil, err
	}
	for _, e := range def {
		if e.Header.Get(director.HeaderSession) == s.ID {
			es = append(es, e)
		}
	}
	slices.SortStableFunc(es, func(a, b *mockserver.Entry) int { return a.Time.Compare(b.Time) })
	// The session header is the lane's, not the client's: the judge, the
	// reports and their replay curls see what the client sent (a replay
	// against a fresh fake would be refused for an unknown session).
	for i, e := range es {
		if e.Header.Get(director.HeaderSession) != "" {
			c := *e
			c.Header = e.Header.Clone()
			c.Header.Del(director.HeaderSession)
			es[i] = &c
		}
	}
	return es, nil
}

// finishCase lets go of the requests the case's fake still holds.
func (l *lane) finishCase() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.endCase()
}

// track counts the requests inside the handler, puts each in the current
// case's session and ends each with its case.
func (l *lane) track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.inFlight.Add(1)
		defer l.inFlight.Add(-1)
		l.mu.Lock()
		caseCtx, s := l.caseCtx, l.session
		l.mu.Unlock()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		// The journal keeps the headers, not the Host: the judge checks it
		// against the base URL the call was given.
		r.Header.Set("Host", r.Host)
		if s != nil {
			r.Header.Set(director.HeaderSession, s.ID)
		}
		stop := context.AfterFunc(caseCtx, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
