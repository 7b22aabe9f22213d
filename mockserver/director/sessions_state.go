package director

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/phlomock/phlomock/mockserver"
)

// touch marks s used now, writing only when the coarse clock moved (no
// write, so no cache line bouncing between cores, on most requests).
func (ss *Sessions) touch(s *Session) {
	if now := ss.now.Load(); s.used.Load() != now {
		s.used.Store(now)
	}
}

// State implements mockserver.Store: the request's session, by its header
// or else its account, serves it; with neither (or no session live), the
// default session. A header or a session account naming a session that is
// not live is refused: 400, or 401 for the account, naming it.
func (ss *Sessions) State(r *http.Request) (mockserver.State, error) {
	if v, ok := r.Header[HeaderSession]; ok && len(v) > 0 {
		s, err := ss.get(r.Context(), v[0])
		if errors.As(err, new(*StoreError)) {
			return mockserver.State{}, err
		}
		if err != nil {
			return mockserver.State{}, mockserver.Refuse(mockserver.CodeUnknownSession, upperFirst(err.Error())+" (header "+HeaderSession+").")
		}
		return ss.stateOf(s, r)
	}
	if ss.opts.Store == nil && ss.live.Load() == 0 && ss.ended.empty() {
		return ss.def.State(r) // no session: one atomic load and a header lookup
	}
	if id, ok := sessionOfAuth(r.Header.Get("Authorization")); ok {
		s, err := ss.get(r.Context(), id)
		if errors.As(err, new(*StoreError)) {
			return mockserver.State{}, err
		}
		if err != nil {
			return mockserver.State{}, mockserver.Refuse(mockserver.CodeUnauthorized, "Authentication failed: the Auth ID "+sessionAuthPrefix+id+" is the account of session "+id+", which is not live: "+err.Error()+".")
		}
		return ss.stateOf(s, r)
	}
	return ss.def.State(r)
}

func (ss *Sessions) stateOf(s *Session, r *http.Request) (mockserver.State, error) {
	ss.touch(s)
	st, err := s.director.State(r)
	st.Journal = s.Journal()
	return st, err
}

// sessionAuthPrefix starts a session account's Auth ID; its id follows.
const sessionAuthPrefix = "MASN"

// sessionIDLen is the length of a session id: "MASN" and the id are an
// Auth ID in Plivo's format, "MA" and 18 capitals or digits.
const sessionIDLen = 16

// sessionOfAuth returns the session id of the Auth ID of a Basic
// Authorization header, when it is a session account's; it decodes only
// the Auth ID, on the stack.
func sessionOfAuth(h string) (string, bool) {
	const prefix = "Basic "
	// The Auth ID and its colon are 21 bytes, the first 28 base64 characters.
	const n = (len(sessionAuthPrefix) + sessionIDLen + 1) / 3 * 4
	if len(h) < len(prefix)+n || h[:len(prefix)] != prefix {
		return "", false
	}
	var buf [(len(sessionAuthPrefix) + sessionIDLen + 1)]byte
	if _, err := base64.StdEncoding.Decode(buf[:], []byte(h[len(prefix):len(prefix)+n])); err != nil {
		return "", false
	}
	if string(buf[:len(sessionAuthPrefix)]) != sessionAuthPrefix || buf[len(buf)-1] != ':' {
		return "", false
	}
	return string(buf[len(sessionAuthPrefix) : len(buf)-1]), true
}

// newSessionID is 16 random capitals or digits (base32: 80 bits).
func newSessionID() string { return rand.Text()[:sessionIDLen] }

// newToken is an Auth Token as long as Plivo's: 40 capitals or digits.
func newToken() string { return (rand.Text() + rand.Text())[:40] }

// endedLog remembers why the latest sessions ended, so a request for one
// says so rather than "unknown": bounded, the oldest forgotten first.
type endedLog struct {
	mu      sync.Mutex
	reasons map[string]string
	order   []string
	any     atomic.Bool
}

const endedLogSize = 4096

func (l *endedLog) add(id, why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reasons == nil {
		l.reasons = map[string]string{}
	}
	if len(l.order) == endedLogSize {
		delete(l.reasons, l.order[0])
		l.order = l.order[1:]
	}
	l.reasons[id] = why
	l.order = append(l.order, id)
	l.any.Store(true)
}

func (l *endedLog) why(id string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.reasons[id]
	return w, ok
}

func (l *endedLog) empty() bool { return !l.any.Load() }
