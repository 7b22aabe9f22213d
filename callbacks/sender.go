package callbacks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// UserAgent is the User-Agent of every callback.
const UserAgent = "phlomock-callbacks/1"

// ErrNotAllowed is the error of a callback whose address is not on the
// allow-list.
var ErrNotAllowed = errors.New("callback address not allowed")

// httpSender makes one attempt of a callback.
type httpSender struct {
	client  *http.Client
	allow   Allowlist
	timeout time.Duration
}

func newSender(cfg Config) *httpSender {
	s := &httpSender{client: cfg.Client, allow: cfg.Allow, timeout: cfg.Timeout}
	if s.client == nil {
		s.client = &http.Client{
			Transport: &http.Transport{
				Proxy:               nil, // callbacks go to the receiver, never through a proxy
				DialContext:         s.dial(cfg.Timeout),
				MaxIdleConnsPerHost: cfg.Workers,
				IdleConnTimeout:     30 * time.Second,
			},
			// A receiver's redirect is its answer (3xx, not 2xx), not a
			// new address to send the callback to.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return s
}

// dial connects only to allowed addresses: checked on the address dialled,
// after name resolution, so a name that resolves elsewhere later is still
// refused.
func (s *httpSender) dial(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	plain := &net.Dialer{Timeout: timeout}
	checked := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrNotAllowed, address)
		}
		if !s.allow.allowsIP(ap.Addr()) {
			return fmt.Errorf("%w: %s is not loopback nor on --callback-allow (%s)", ErrNotAllowed, ap.Addr(), s.allow)
		}
		return nil
	}}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if s.allow.allowsHost(host) {
			return plain.DialContext(ctx, network, addr)
		}
		return checked.DialContext(ctx, network, addr)
	}
}

// request builds the signed request of a callback: a fresh nonce each
// attempt, as Plivo sends.
func request(ctx context.Context, dl *delivery, format Format) (*http.Request, string, error) {
	n := dl.notice
	method, target := dl.target.method(), dl.target.URL
	params := dl.event.Params
	var body []byte
	contentType := ""
	signed := params
	switch {
	case method == "GET":
		u, err := url.Parse(target)
		if err != nil {
			return nil, "", err
		}
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		target = u.String()
	case format == JSON:
		body, _ = json.Marshal(params)
		contentType, signed = "application/json", nil
	default:
		form := url.Values{}
		for k, v := range params {
			form.Set(k, v)
		}
		body = []byte(form.Encode())
		contentType = "application/x-www-form-urlencoded"
	}
	token := n.Token
	if dl.fault.BadSignature {
		token = "not-" + token // what a forged callback would be signed with
	}
	nonce := Nonce()
	signURL := dl.target.URL // the validators are given the URL the app was configured with
	if method == "GET" {
		signURL, signed = target, nil // the query is the parameters
	}
	sig, err := SignV3(signURL, method, nonce, token, signed)
	if err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set("X-Phlomock-Callback-Id", dl.key)
	req.Header.Set("X-Phlomock-Call-Seq", fmt.Sprint(dl.event.Seq))
	return req, string(body), nil
}

// attempt sends dl once; Outcome is Refused when the allow-list stopped
// it, else left for the caller to judge by Status and Error.
func (s *httpSender) attempt(stop context.Context, dl *delivery, format Format) Attempt {
	ctx, cancel := context.WithTimeout(stop, s.timeout)
	defer cancel()
	req, body, err := request(ctx, dl, format)
	if err != nil {
		return Attempt{Error: err.Error(), Outcome: Refused}
	}
	a := Attempt{Body: body, Header: map[string]string{}, Time: time.Now()}
	for k := range req.Header {
		a.Header[k] = req.Header.Get(k)
	}
	if host := req.URL.Hostname(); !s.allow.allowsHost(host) {
		if ip, perr := netip.ParseAddr(strings.Trim(host, "[]")); perr == nil && !s.allow.allowsIP(ip) {
			a.Outcome, a.Error = Refused, fmt.Sprintf("%v: %s is not loopback nor on --callback-allow (%s)", ErrNotAllowed, ip, s.allow)
			return a
		}
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	a.LatencyMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		a.Error = err.Error()
		if errors.Is(err, ErrNotAllowed) {
			a.Outcome = Refused
		} else if errors.Is(err, context.DeadlineExceeded) {
			a.Error = fmt.Sprintf("no answer within %v: %v", s.timeout, err)
		}
		return a
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.Status = resp.StatusCode
	return a
}
