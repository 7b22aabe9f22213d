package fake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/phlomock/phlomock/mockserver"
)

// Listeners are the ports Serve serves: the API's, and the control
// plane's own (nil: none).
type Listeners struct {
	API, Admin net.Listener
}

// A ListenError is a port Start could not open (busy, or a bad address).
type ListenError struct {
	Admin bool   // the control plane's port (Config.AdminAddr)
	Addr  string // as given
	Err   error
}

func (e *ListenError) Error() string {
	port := "api"
	if e.Admin {
		port = "admin"
	}
	return fmt.Sprintf("listen %s %s: %v", port, e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// Start listens on addr for the API ("127.0.0.1:0" picks a port) and on
// Config.AdminAddr for the control plane, synchronously, so a busy port
// is an error here; then it serves in the background, with URL and
// AdminURL set, until ctx ends or Close. While it serves it follows the
// other replicas' scenarios, keeps /readyz in step with the Backend and
// logs dropped journal entries. The end of ctx stops it as Close does,
// within Config.ShutdownTimeout; Wait returns once it has stopped.
func (f *Fake) Start(ctx context.Context, addr string) error {
	api, err := net.Listen("tcp", addr)
	if err != nil {
		return &ListenError{Addr: addr, Err: err}
	}
	ls := Listeners{API: api}
	if f.cfg.AdminAddr != "" {
		if ls.Admin, err = net.Listen("tcp", f.cfg.AdminAddr); err != nil {
			api.Close()
			return &ListenError{Admin: true, Addr: f.cfg.AdminAddr, Err: err}
		}
	}
	f.URL = listenURL(addr, api)
	if ls.Admin != nil {
		f.AdminURL = listenURL(f.cfg.AdminAddr, ls.Admin)
	}
	f.start(ctx, ls)
	return nil
}

// Serve is Start on listeners of the caller's, and waits: it returns once
// the fake stopped, with the error a server failed with or the shutdown's.
func (f *Fake) Serve(ctx context.Context, ls Listeners) error {
	f.URL = "http://" + ls.API.Addr().String()
	if ls.Admin != nil {
		f.AdminURL = "http://" + ls.Admin.Addr().String()
	}
	f.start(ctx, ls)
	return f.Wait()
}

// Wait blocks until the fake has stopped (its ctx ended, a server failed,
// or Close) and returns why it stopped, if not by a request: a server's
// error, or the shutdown's.
func (f *Fake) Wait() error {
	<-f.closed
	return f.err
}

// running is a serving fake's servers and followers.
type running struct {
	servers []*http.Server
	cancel  context.CancelFunc // ends the followers
	watched chan struct{}      // closed when the backend's watcher has returned
	wg      sync.WaitGroup     // the followers
}

func (f *Fake) start(ctx context.Context, ls Listeners) {
	if f.cfg.AdminPrefix != "" && ls.Admin == nil {
		f.AdminURL = f.URL + f.cfg.AdminPrefix
	}
	f.API.SetControlPlane(f.AdminURL)
	if f.Director != nil {
		f.Director.LogActive() // the start-up scenarios, now that the ports are open
	}
	run := &running{watched: make(chan struct{})}
	f.run = run
	lim := f.cfg.Limits.withDefaults()
	// The body arrives before a slot is taken (BodyFirst): a trickling
	// client holds a connection, not one of the slots.
	maxBody := f.cfg.Options.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = mockserver.DefaultMaxBodyBytes
	}
	body := mockserver.BodyFirst(mockserver.BodyLimits{MinRate: int64(lim.MinBodyRate), Grace: lim.BodyGrace, MaxBytes: maxBody, Budget: int64(lim.MaxInFlight) * maxBody})
	run.servers = []*http.Server{lim.server(mockserver.LimitHeaderBytes(lim.MaxHeaderBytes)(body(mockserver.LimitInFlight(lim.MaxInFlight)(f.api))))}
	listeners := []net.Listener{ls.API}
	if ls.Admin != nil {
		run.servers = append(run.servers, lim.server(f.admin))
		listeners = append(listeners, ls.Admin)
	}
	errc := make(chan error, len(run.servers))
	for i, s := range run.servers {
		go func() { errc <- s.Serve(listeners[i]) }()
	}
	var follow context.Context
	follow, run.cancel = context.WithCancel(ctx)
	f.follow(follow, run)
	go func() {
		select {
		case <-follow.Done():
		case err := <-errc:
			f.stop(context.Background(), fmt.Errorf("serve: %w", err))
			return
		}
		if ctx.Err() == nil {
			return // Close
		}
		timeout := f.cfg.ShutdownTimeout
		if timeout <= 0 {
			timeout = DefaultShutdownTimeout
		}
		sctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		f.stop(sctx, nil)
	}()
}

// follow starts what runs beside the servers until ctx ends: the other
// replicas' activations and uploads, readiness after the backend, and
// the log of journal entries the backend dropped.
func (f *Fake) follow(ctx context.Context, run *running) {
	interval := f.cfg.WatchInterval
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	logger := f.logger()
	b := f.cfg.Backend
	if b == nil {
		close(run.watched)
		return
	}
	logger.Info("store", slog.String("store", b.String()))
	go func() { defer close(run.watched); watchBackend(ctx, b, f.API, interval, logger) }()
	run.wg.Add(1)
	go func() { defer run.wg.Done(); f.Director.Follow(ctx) }()
	if f.journal != nil {
		run.wg.Add(1)
		go func() { defer run.wg.Done(); watchJournalDrops(ctx, f.journal.Dropped, interval, logger) }()
	}
}

// Close stops the fake: /readyz answers 503, requests in flight finish
// until ctx ends (then their connections are closed), the followers
// stop, and a shared journal's queue is written, within FlushTimeout. It
// may be called more than once, and without Start.
func (f *Fake) Close(ctx context.Context) error {
	f.stop(ctx, nil)
	return f.Wait()
}

func (f *Fake) stop(ctx context.Context, cause error) {
	f.closing.Do(func() {
		defer close(f.closed)
		logger := f.logger()
		var errs []error
		if cause != nil {
			errs = append(errs, cause)
		}
		if run := f.run; run != nil {
			run.cancel()
			// The watcher first: it cannot mark the fake ready again.
			<-run.watched
			f.API.SetReady(false)
			logger.Info("shutting down: finishing in-flight requests")
			for _, s := range run.servers {
				if err := s.Shutdown(ctx); err != nil {
					_ = s.Close()
					if !errors.Is(err, context.Canceled) {
						errs = append(errs, fmt.Errorf("shutdown: %w", err))
					}
				}
			}
			run.wg.Wait()
		}
		f.closeCallbacks()
		f.closeJournal()
		if f.Sessions != nil {
			f.Sessions.Close()
		}
		f.err = errors.Join(errs...)
		if f.run != nil && f.err == nil {
			logger.Info("stopped")
		}
	})
}

// closeJournal writes the shared journal's queue, once no request can add
// to it (a lost entry is logged: the requests were answered).
func (f *Fake) closeJournal() {
	if f.journal == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), FlushTimeout)
	defer cancel()
	if err := f.journal.Close(ctx); err != nil {
		f.logger().Error("journal", slog.String("error", err.Error()))
	}
}

// closeCallbacks sends the callbacks still queued, within FlushTimeout,
// once no request can queue more; what is left is journaled as abandoned
// and logged.
func (f *Fake) closeCallbacks() {
	cb := f.cfg.Callbacks
	if cb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), FlushTimeout)
	defer cancel()
	if err := cb.Close(ctx); err != nil {
		f.logger().Warn("callbacks still queued at shutdown were abandoned", slog.Int64("pending", cb.Stats().Pending), slog.String("error", err.Error()))
	}
}

func (f *Fake) logger() *slog.Logger {
	if f.cfg.Logger != nil {
		return f.cfg.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// StoreSettle is how long a backend that was unreachable must answer
// every Ping before /readyz says the fake is ready again. A Redis client
// (go-redis) that failed to dial many times stops dialing and answers the
// last dial error, while a probe dials once a second: a Ping that found an
// idle connection can succeed while new connections still fail, and
// requests answer 503 "connection refused" from a Redis that is back. After
// this long, that probe has seen it back too.
const StoreSettle = 1500 * time.Millisecond

// watchBackend makes /readyz follow the backend until ctx ends.
func watchBackend(ctx context.Context, b Backend, srv *mockserver.Server, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	up := true
	var okSince time.Time // since when Ping succeeds, while down
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := b.Ping(ctx)
		if ctx.Err() != nil {
			return // stopping: stop owns readiness now
		}
		if !up {
			switch {
			case err != nil:
				okSince = time.Time{}
			case okSince.IsZero():
				okSince = time.Now()
			}
			if err == nil && time.Since(okSince) < StoreSettle {
				continue
			}
		}
		if ok := err == nil; ok != up {
			up = ok
			if ok {
				srv.SetReady(true)
			} else {
				srv.SetUnready("store unreachable: " + b.String())
			}
			if ok {
				logger.Info("store is back", slog.String("store", b.String()))
			} else {
				logger.Error("store unreachable", slog.String("store", b.String()), slog.String("error", err.Error()))
			}
		}
	}
}

// watchJournalDrops logs, at most once an interval, the shared journal's
// entries dropped since the last look (its queue to the store was full):
// the metric counts them, the log says when it starts.
func watchJournalDrops(ctx context.Context, dropped func() uint64, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n := dropped(); n > last {
			logger.Warn("journal entries not shared: the queue to the store was full (phlomock_journal_dropped_total)",
				slog.Uint64("dropped", n-last), slog.Uint64("total", n))
			last = n
		}
	}
}

func (l Limits) withDefaults() Limits {
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = mockserver.DefaultMaxInFlight
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = mockserver.DefaultMaxHeaderBytes
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = time.Minute
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 2 * time.Minute
	}
	return l
}

// server is an http.Server with the limits' timeouts. net/http's own
// header limit sits above ours so that our JSON 431 answers first. There
// is no write timeout: a scenario's delay may be long on purpose, and the
// client's own timeout bounds it.
func (l Limits) server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           mockserver.CloseAfterChunked(h), // RFC 9112 6.1
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    mockserver.HeaderReadLimit(l.MaxHeaderBytes),
	}
}

// listenURL is the URL of a listener. A wildcard address keeps the host it
// was configured with (0.0.0.0 in a container), rather than the "[::]" Go
// reports for it.
func listenURL(configured string, ln net.Listener) string {
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.IsUnspecified() {
		return "http://" + ln.Addr().String()
	}
	host, _, _ := net.SplitHostPort(configured)
	if host == "" {
		host = "0.0.0.0"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(addr.Port))
}
