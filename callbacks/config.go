package callbacks

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Format is how a callback's variables are sent.
type Format string

const (
	// Form posts the variables as application/x-www-form-urlencoded
	// fields, signed as parameters: how Plivo's voice callbacks are sent,
	// and the default. Whether PHLO's are sent so is not public.
	Form Format = "form"
	// JSON posts them as one JSON object of strings, signed with no
	// parameters (the validators are given the URL and the nonce only).
	JSON Format = "json"
)

// ParseFormat reads a Format by name.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case Form, JSON:
		return Format(s), nil
	}
	return "", fmt.Errorf("callback format %q: want form or json", s)
}

// Defaults of Config, stated in docs/callbacks.md.
const (
	DefaultTimeout       = 5 * time.Second
	DefaultRetries       = 3
	DefaultBackoff       = 500 * time.Millisecond
	DefaultQueueSize     = 1024
	DefaultWorkers       = 4
	DefaultJournalSize   = 1000
	DefaultReorderWait   = 500 * time.Millisecond
	DefaultTakeOverEvery = time.Second
)

// Config is how callbacks are delivered. The zero value is a good default:
// form bodies, a 5 s timeout, 3 retries 500 ms, 1 s, 2 s apart, a queue of
// 1024, loopback receivers only.
type Config struct {
	// Format of the body (Form when empty).
	Format Format
	// Timeout bounds one attempt, from dialling to the status line.
	Timeout time.Duration
	// Retries is how many times an attempt that timed out, failed to
	// connect or got a non-2xx status is tried again; 0 means
	// DefaultRetries, a negative value none.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next.
	Backoff time.Duration
	// QueueSize bounds the callbacks waiting to be sent. A full queue
	// drops the new callback (counted, logged, journaled): an API request
	// never waits for a receiver.
	QueueSize int
	// Workers send callbacks; the callbacks of one call always go through
	// the same worker, in order.
	Workers int
	// JournalSize is how many attempts the outbound journal keeps.
	JournalSize int
	// Allow lists where callbacks may go besides loopback addresses
	// (which are always allowed unless DenyLoopback): IP prefixes, and
	// host names allowed whatever they resolve to. See ParseAllow.
	Allow Allowlist
	// ReorderWait is how long a callback held back by a reorder fault
	// waits for the next one of its call before it is sent anyway.
	ReorderWait time.Duration
	// Client sends the callbacks; nil: one of the Dispatcher's own, which
	// follows no redirect and dials only allowed addresses.
	Client *http.Client
	// Outbox keeps the queued callbacks where the other replicas of the
	// fake find them when this one stops before sending them (a Redis
	// store). Nil: in this process only, lost with it.
	Outbox Outbox
	// TakeOverEvery is how often the Outbox is asked for the callbacks of
	// stopped replicas (DefaultTakeOverEvery when 0).
	TakeOverEvery time.Duration
	// Logger receives the dropped and given-up callbacks. Nil: no logs.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Format == "" {
		c.Format = Form
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.Retries == 0:
		c.Retries = DefaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.JournalSize <= 0 {
		c.JournalSize = DefaultJournalSize
	}
	if c.ReorderWait <= 0 {
		c.ReorderWait = DefaultReorderWait
	}
	if c.TakeOverEvery <= 0 {
		c.TakeOverEvery = DefaultTakeOverEvery
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// An Allowlist says which addresses callbacks may be sent to.
type Allowlist struct {
	Prefixes []netip.Prefix
	Hosts    []string
	// Any allows every address (the flag's value "*").
	Any bool
}

// ParseAllow reads a comma-separated allow-list: IP prefixes
// (10.0.0.0/8), addresses (192.0.2.7), host names (receiver.default.svc)
// or "*" for anywhere. Loopback is always allowed.
func ParseAllow(s string) (Allowlist, error) {
	var a Allowlist
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
		case f == "*":
			a.Any = true
		case strings.Contains(f, "/"):
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return Allowlist{}, fmt.Errorf("callback allow-list entry %q: %v", f, err)
			}
			a.Prefixes = append(a.Prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(f); err == nil {
				a.Prefixes = append(a.Prefixes, netip.PrefixFrom(ip, ip.BitLen()))
				continue
			}
			if strings.ContainsAny(f, ":/@ ") {
				return Allowlist{}, fmt.Errorf("callback allow-list entry %q: want an IP, a prefix like 10.0.0.0/8, a host name or *", f)
			}
			a.Hosts = append(a.Hosts, strings.ToLower(f))
		}
	}
	return a, nil
}

// String is the list as ParseAllow reads it, with loopback first.
func (a Allowlist) String() string {
	parts := []string{"loopback"}
	if a.Any {
		parts = append(parts, "*")
	}
	for _, p := range a.Prefixes {
		parts = append(parts, p.String())
	}
	return strings.Join(append(parts, a.Hosts...), ",")
}

// allowsIP reports whether a connection to ip is allowed.
func (a Allowlist) allowsIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if a.Any || ip.IsLoopback() {
		return true
	}
	for _, p := range a.Prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// allowsHost reports whether host is listed by name.
func (a Allowlist) allowsHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range a.Hosts {
		if h == host {
			return true
		}
	}
	return false
}
