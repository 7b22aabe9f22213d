package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// An adminClient reads a running fake's control plane (coverage, pact
// export): its base URL (where /__admin/journal is) and bearer token.
type adminClient struct {
	base, token string
	http        *http.Client
}

func newAdminClient(target, token string) (*adminClient, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target %q: want the control plane's base URL, such as http://127.0.0.1:8081", target)
	}
	return &adminClient{base: strings.TrimSuffix(target, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// get reads path (under the base) into v; the error names the URL and,
// for an answer other than 200, the control plane's own error.
func (c *adminClient) get(ctx context.Context, path string, v any) error {
	u := c.base + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(body))
		}
		hint := ""
		if resp.StatusCode == http.StatusUnauthorized {
			hint = " (give the control plane's token: --admin-token or PHLOMOCK_ADMIN_TOKEN)"
		}
		return fmt.Errorf("GET %s: %s: %s%s", u, resp.Status, e.Error, hint)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: not the control plane's JSON: %w", u, err)
	}
	return nil
}

// journal reads every entry of the journal, oldest first, page after page
// (docs/control-plane.md#paging), with the filters of query (which may be
// nil). Each entry is kept as the JSON the fake sent.
func (c *adminClient) journal(ctx context.Context, query url.Values) ([]json.RawMessage, error) {
	var out []json.RawMessage
	var after uint64
	for {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("after", strconv.FormatUint(after, 10))
		q.Set("limit", "1000")
		var page struct {
			Entries []json.RawMessage `json:"entries"`
			Next    uint64            `json:"next"`
			More    bool              `json:"more"`
		}
		if err := c.get(ctx, "/__admin/journal?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		out = append(out, page.Entries...)
		if !page.More {
			return out, nil
		}
		if page.Next <= after {
			return nil, errors.New("the journal's next page does not move on: " + strconv.FormatUint(page.Next, 10))
		}
		after = page.Next
	}
}

// scenarioNames lists the scenarios the fake has, built-in and loaded.
func (c *adminClient) scenarioNames(ctx context.Context) ([]string, error) {
	var list struct {
		Available []struct {
			Name string `json:"name"`
		} `json:"available"`
	}
	if err := c.get(ctx, "/__admin/scenarios", &list); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list.Available))
	for _, s := range list.Available {
		names = append(names, s.Name)
	}
	return names, nil
}
