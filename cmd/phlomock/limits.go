package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/phlomock/phlomock/mockserver"
)

// serveLimits bound what a slow or hostile client can make serve hold:
// connections that never finish their headers (slowloris) or body, idle
// keep-alive connections, huge headers, and requests in flight.
type serveLimits struct {
	maxInFlight       int
	minBodyRateFlag   int
	maxHeaderBytes    int
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	idleTimeout       time.Duration
	minBodyRate       int64
	bodyGrace         time.Duration
	// maxBody is serve's --max-body (its own flag), for BodyFirst.
	maxBody int64
}

// register adds the limit flags to fs, each defaulting to its PHLOMOCK_
// variable; it returns the variables that do not parse.
func (l *serveLimits) register(fs *flag.FlagSet) error {
	var errs []error
	integer := func(p *int, name, env string, def int, usage string) {
		v, err := strconv.Atoi(envDefault(env, strconv.Itoa(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("PHLOMOCK_%s: %q is not an integer", env, envDefault(env, "")))
		}
		fs.IntVar(p, name, v, usage+" (env PHLOMOCK_"+env+")")
	}
	duration := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		v, err := time.ParseDuration(envDefault(env, def.String()))
		if err != nil {
			errs = append(errs, fmt.Errorf("PHLOMOCK_%s: %w", env, err))
		}
		fs.DurationVar(p, name, v, usage+" (env PHLOMOCK_"+env+")")
	}
	integer(&l.maxInFlight, "max-in-flight", "MAX_IN_FLIGHT", mockserver.DefaultMaxInFlight, "requests the API serves at once; more answer 503 with Retry-After")
	integer(&l.maxHeaderBytes, "max-header-bytes", "MAX_HEADER_BYTES", mockserver.DefaultMaxHeaderBytes, "largest request line and headers in bytes (431 above)")
	duration(&l.readHeaderTimeout, "read-header-timeout", "READ_HEADER_TIMEOUT", 10*time.Second, "time a client has to send its request headers")
	duration(&l.readTimeout, "read-timeout", "READ_TIMEOUT", time.Minute, "time a client has to send a whole request, body included")
	integer(&l.minBodyRateFlag, "min-body-rate", "MIN_BODY_RATE", mockserver.DefaultMinBodyRate, "bytes a second a request body must arrive at after --body-grace, else 408: a trickling client cannot hold an in-flight slot")
	duration(&l.bodyGrace, "body-grace", "BODY_GRACE", mockserver.DefaultBodyGrace, "time any request body may take to arrive, whatever its rate")
	duration(&l.idleTimeout, "idle-timeout", "IDLE_TIMEOUT", 2*time.Minute, "how long an idle keep-alive connection stays open")
	return errors.Join(errs...)
}

// check refuses limits that would turn a bound off by accident.
func (l *serveLimits) check() error {
	var errs []error
	if l.maxInFlight < 1 {
		errs = append(errs, fmt.Errorf("--max-in-flight %d: want 1 or more", l.maxInFlight))
	}
	if l.minBodyRateFlag < 1 {
		errs = append(errs, fmt.Errorf("--min-body-rate %d: want 1 or more bytes a second", l.minBodyRateFlag))
	}
	l.minBodyRate = int64(l.minBodyRateFlag)
	if l.maxHeaderBytes < 1024 {
		errs = append(errs, fmt.Errorf("--max-header-bytes %d: want 1024 or more", l.maxHeaderBytes))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--body-grace", l.bodyGrace}, {"--read-header-timeout", l.readHeaderTimeout}, {"--read-timeout", l.readTimeout}, {"--idle-timeout", l.idleTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s %s: want a positive duration", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}

// apiServer serves the data plane within the limits: oversized headers are
// refused (431, JSON) before a slot is taken, and requests over the cap get
// 503 (JSON, Retry-After) instead of queuing.
func (l *serveLimits) apiServer(h http.Handler) *http.Server {
	// The body arrives before a slot is taken (BodyFirst), at
	// --min-body-rate: a trickling client holds a connection, not a slot.
	body := mockserver.BodyFirst(mockserver.BodyLimits{MinRate: l.minBodyRate, Grace: l.bodyGrace, MaxBytes: l.maxBody, Budget: int64(l.maxInFlight) * l.maxBody})
	h = mockserver.LimitHeaderBytes(l.maxHeaderBytes)(body(mockserver.LimitInFlight(l.maxInFlight)(h)))
	return l.server(h)
}

// server is an http.Server with the limits' timeouts. net/http's own header
// limit sits above ours so that our JSON 431 answers first. There is no
// write timeout: a scenario's delay may be long on purpose, and the
// client's own timeout bounds it.
func (l *serveLimits) server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           mockserver.CloseAfterChunked(h),
		ReadHeaderTimeout: l.readHeaderTimeout,
		ReadTimeout:       l.readTimeout,
		IdleTimeout:       l.idleTimeout,
		MaxHeaderBytes:    mockserver.HeaderReadLimit(l.maxHeaderBytes),
	}
}
