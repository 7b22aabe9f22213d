package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/mockserver"
)

// The limits bound what a slow or hostile client can make serve hold:
// connections that never finish their headers (slowloris) or body, idle
// keep-alive connections, huge headers, and requests in flight
// (fake.Limits).

// registerLimits adds the limit flags to fs, each defaulting to its
// PHLOMOCK_ variable; it returns the variables that do not parse.
func registerLimits(fs *flag.FlagSet, l *fake.Limits) error {
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
	integer(&l.MaxInFlight, "max-in-flight", "MAX_IN_FLIGHT", mockserver.DefaultMaxInFlight, "requests the API serves at once; more answer 503 with Retry-After")
	integer(&l.MaxHeaderBytes, "max-header-bytes", "MAX_HEADER_BYTES", mockserver.DefaultMaxHeaderBytes, "largest request line and headers in bytes (431 above)")
	duration(&l.ReadHeaderTimeout, "read-header-timeout", "READ_HEADER_TIMEOUT", 10*time.Second, "time a client has to send its request headers")
	duration(&l.ReadTimeout, "read-timeout", "READ_TIMEOUT", time.Minute, "time a client has to send a whole request, body included")
	integer(&l.MinBodyRate, "min-body-rate", "MIN_BODY_RATE", mockserver.DefaultMinBodyRate, "bytes a second a request body must arrive at after --body-grace, else 408: a trickling client cannot hold an in-flight slot")
	duration(&l.BodyGrace, "body-grace", "BODY_GRACE", mockserver.DefaultBodyGrace, "time any request body may take to arrive, whatever its rate")
	duration(&l.IdleTimeout, "idle-timeout", "IDLE_TIMEOUT", 2*time.Minute, "how long an idle keep-alive connection stays open")
	return errors.Join(errs...)
}

// checkLimits refuses limits that would turn a bound off by accident.
func checkLimits(l fake.Limits) error {
	var errs []error
	if l.MaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("--max-in-flight %d: want 1 or more", l.MaxInFlight))
	}
	if l.MinBodyRate < 1 {
		errs = append(errs, fmt.Errorf("--min-body-rate %d: want 1 or more bytes a second", l.MinBodyRate))
	}
	if l.MaxHeaderBytes < 1024 {
		errs = append(errs, fmt.Errorf("--max-header-bytes %d: want 1024 or more", l.MaxHeaderBytes))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--read-header-timeout", l.ReadHeaderTimeout}, {"--read-timeout", l.ReadTimeout}, {"--idle-timeout", l.IdleTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s %s: want a positive duration", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}
