package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/phlomock/phlomock/callbacks"
)

// callbackFlags are serve's settings of the event callbacks
// (docs/callbacks.md): each flag's default is its PHLOMOCK_ variable.
type callbackFlags struct {
	format, allow    string
	timeout, backoff time.Duration
	retries, queue   int
	journalSize      int
}

func (cf *callbackFlags) register(fs *flag.FlagSet) error {
	var errs []error
	duration := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		v, err := time.ParseDuration(envDefault(env, def.String()))
		if err != nil {
			errs = append(errs, fmt.Errorf("PHLOMOCK_%s: %q is not a duration (like 5s or 500ms)", env, envDefault(env, "")))
		}
		fs.DurationVar(p, name, v, usage+" (env PHLOMOCK_"+env+")")
	}
	integer := func(p *int, name, env string, def int, usage string) {
		v, err := strconv.Atoi(envDefault(env, strconv.Itoa(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("PHLOMOCK_%s: %q is not an integer", env, envDefault(env, "")))
		}
		fs.IntVar(p, name, v, usage+" (env PHLOMOCK_"+env+")")
	}
	fs.StringVar(&cf.format, "callback-format", envDefault("CALLBACK_FORMAT", string(callbacks.Form)), "body of the event callbacks: form (fields, signed as parameters) or json (env PHLOMOCK_CALLBACK_FORMAT)")
	fs.StringVar(&cf.allow, "callback-allow", envDefault("CALLBACK_ALLOW", ""), "where event callbacks may go besides loopback: IPs, prefixes (10.0.0.0/8), host names, or * for anywhere; comma-separated (env PHLOMOCK_CALLBACK_ALLOW)")
	duration(&cf.timeout, "callback-timeout", "CALLBACK_TIMEOUT", callbacks.DefaultTimeout, "how long one callback attempt may take")
	duration(&cf.backoff, "callback-backoff", "CALLBACK_BACKOFF", callbacks.DefaultBackoff, "wait before the first retry of a callback, doubled for each next")
	integer(&cf.retries, "callback-retries", "CALLBACK_RETRIES", callbacks.DefaultRetries, "retries of a callback after a non-2xx, a timeout or a failed connection; 0 for none")
	integer(&cf.queue, "callback-queue", "CALLBACK_QUEUE", callbacks.DefaultQueueSize, "callbacks waiting to be sent; beyond, new ones are dropped, counted and logged (a request never waits)")
	integer(&cf.journalSize, "callback-journal-size", "CALLBACK_JOURNAL_SIZE", callbacks.DefaultJournalSize, "callback attempts the outbound journal keeps")
	return errors.Join(errs...)
}

// config checks the flags and returns the Dispatcher's configuration.
func (cf *callbackFlags) config(logger *slog.Logger) (callbacks.Config, error) {
	var errs []error
	format, err := callbacks.ParseFormat(cf.format)
	if err != nil {
		errs = append(errs, fmt.Errorf("--callback-format: %w", err))
	}
	allow, err := callbacks.ParseAllow(cf.allow)
	if err != nil {
		errs = append(errs, fmt.Errorf("--callback-allow: %w", err))
	}
	if cf.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--callback-timeout %v: want a positive duration", cf.timeout))
	}
	if cf.backoff <= 0 {
		errs = append(errs, fmt.Errorf("--callback-backoff %v: want a positive duration", cf.backoff))
	}
	if cf.retries < 0 {
		errs = append(errs, fmt.Errorf("--callback-retries %d: want 0 or more", cf.retries))
	}
	if cf.queue < 1 {
		errs = append(errs, fmt.Errorf("--callback-queue %d: want 1 or more", cf.queue))
	}
	if cf.journalSize < 1 {
		errs = append(errs, fmt.Errorf("--callback-journal-size %d: want 1 or more", cf.journalSize))
	}
	retries := cf.retries
	if retries == 0 {
		retries = -1 // the Dispatcher reads 0 as its default
	}
	return callbacks.Config{Format: format, Allow: allow, Timeout: cf.timeout, Backoff: cf.backoff, Retries: retries,
		QueueSize: cf.queue, JournalSize: cf.journalSize, Logger: logger}, errors.Join(errs...)
}
