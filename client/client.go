package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is Plivo's PHLO runner.
const DefaultBaseURL = "https://phlorunner.plivo.com"

// Version is the client's version, sent in its User-Agent.
const Version = "0.1.0"

// maxBody bounds what is read of any answer.
const maxBody = 1 << 20

// Client calls the PHLO runner API as one account. It is safe for concurrent
// use.
type Client struct {
	authID, authToken string
	baseURL           string
	httpClient        *http.Client
	userAgent         string
	maxAttempts       int
	maxDelay          time.Duration
	// sleep waits between attempts; tests replace it to observe the delays.
	sleep func(ctx context.Context, d time.Duration) error
}

// An Option configures a Client.
type Option func(*Client)

// WithBaseURL points the client at another server, such as a phlomock fake:
// scheme, host and port, optionally a path prefix, without /v1.
func WithBaseURL(u string) Option {
	return func(c *Client) { c.baseURL = strings.TrimRight(u, "/") }
}

// WithHTTPClient sends the requests through hc instead of
// http.DefaultClient. A nil hc is ignored.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.httpClient = hc
		}
	}
}

// WithUserAgent replaces the User-Agent header, phlomock-go/VERSION.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithRetry makes up to maxAttempts attempts (the first included) of a call
// answered 429 or 5xx, waiting what Retry-After says (seconds or an HTTP date)
// or else an exponential backoff from 100ms, never more than 30s per wait,
// and never past the context's end. Off by default: retrying a POST that the
// server answered 5xx may repeat its effect. Transport errors are never
// retried, for the same reason.
func WithRetry(maxAttempts int) Option {
	return func(c *Client) { c.maxAttempts = max(maxAttempts, 1) }
}

// New returns a client for the account authID, authenticated by authToken.
func New(authID, authToken string, opts ...Option) *Client {
	c := &Client{
		authID:      authID,
		authToken:   authToken,
		baseURL:     DefaultBaseURL,
		httpClient:  http.DefaultClient,
		userAgent:   "phlomock-go/" + Version,
		maxAttempts: 1,
		maxDelay:    30 * time.Second,
		sleep:       sleepContext,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// do performs op with the path parameters params (in the order of the
// template's placeholders), sends body as JSON when it is not nil, and decodes
// a 2xx answer into out.
func (c *Client) do(ctx context.Context, op *operation, params []string, body, out any) error {
	path, err := expand(op.path, params)
	if err != nil {
		return fmt.Errorf("%s: %w", op.name, err)
	}
	var payload []byte
	if body != nil {
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("%s: encode request: %w", op.name, err)
		}
	}
	for attempt := 1; ; attempt++ {
		status, header, data, err := c.roundTrip(ctx, op.method, c.baseURL+path, payload, body != nil)
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		if status >= 200 && status <= 299 {
			if err := decodeObject(data, out); err != nil {
				return &APIError{StatusCode: status, Message: fmt.Sprintf("cannot decode %s answer: %v", http.StatusText(status), err), Body: data, Err: err}
			}
			return nil
		}
		apiErr := newAPIError(status, data)
		if attempt >= c.maxAttempts || !retryable(status) {
			return apiErr
		}
		if err := c.sleep(ctx, c.delay(attempt, header.Get("Retry-After"))); err != nil {
			return fmt.Errorf("%s: stopped retrying: %w: %w", op.name, err, apiErr)
		}
	}
}

func (c *Client) roundTrip(ctx context.Context, method, url string, payload []byte, hasBody bool) (int, http.Header, []byte, error) {
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.SetBasicAuth(c.authID, c.authToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// decodeObject decodes a 2xx body, which must be a JSON object: "null", an
// array or nothing at all would otherwise pass for an empty success.
func decodeObject(data []byte, out any) error {
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("want a JSON object, got %s", excerpt(data))
	}
	return json.Unmarshal(data, out)
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || (status >= 500 && status <= 599)
}

// delay is the wait before attempt+1: Retry-After when it parses, else
// 100ms doubling per attempt; at most c.maxDelay.
func (c *Client) delay(attempt int, retryAfter string) time.Duration {
	d := 100 * time.Millisecond << min(attempt-1, 20)
	if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(retryAfter); err == nil {
		d = max(time.Until(t), 0)
	}
	return min(d, c.maxDelay)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
