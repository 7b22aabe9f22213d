package phlomock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// The ports of the image: the API (the Dockerfile's PHLOMOCK_ADDR) and the
// control plane, which Run moves off the container's loopback so that it
// can be published.
const (
	APIPort   = "8080/tcp"
	AdminPort = "8081/tcp"
)

// The account the fake accepts unless WithCredentials says otherwise.
const (
	DefaultAuthID    = "MAPHLOMOCKDEFAULT001"
	DefaultAuthToken = "phlomock-default-auth-token"
)

// scenarioDir is where WithScenarioFile copies files in the container.
const scenarioDir = "/scenarios"

// Container is a running phlomock.
type Container struct {
	testcontainers.Container
	// APIURL is the fake PHLO runner: point the client under test here.
	APIURL string
	// AdminURL is the control plane: /readyz, /__admin/journal, verify...
	AdminURL string
	// AuthID and AuthToken are the HTTP Basic credentials the API accepts.
	AuthID, AuthToken string
	// AdminToken is the control plane's bearer token, "" when it has none.
	AdminToken string
}

// Run starts image (a phlomock image built with `make docker`, pushed
// where the Docker host can pull it, or already there) and waits until its
// control plane's /readyz answers 200. Terminate the container when done
// (testcontainers.TerminateContainer), even when Run fails: it may return
// a container with the error.
func Run(ctx context.Context, image string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        image,
			ExposedPorts: []string{APIPort, AdminPort},
			Env: map[string]string{
				"PHLOMOCK_ADMIN_ADDR": "0.0.0.0:8081",
				"PHLOMOCK_AUTH_ID":    DefaultAuthID,
				"PHLOMOCK_AUTH_TOKEN": DefaultAuthToken,
			},
			WaitingFor: wait.ForHTTP("/readyz").WithPort(AdminPort).WithStatusCodeMatcher(func(status int) bool {
				return status == http.StatusOK
			}).WithStartupTimeout(60 * time.Second),
		},
		Started: true,
	}
	for _, opt := range opts {
		if err := opt.Customize(&req); err != nil {
			return nil, fmt.Errorf("phlomock: %w", err)
		}
	}
	ctr, err := testcontainers.GenericContainer(ctx, req)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr, AuthID: req.Env["PHLOMOCK_AUTH_ID"], AuthToken: req.Env["PHLOMOCK_AUTH_TOKEN"], AdminToken: req.Env["PHLOMOCK_ADMIN_TOKEN"]}
	}
	if err != nil {
		return c, fmt.Errorf("phlomock: start %s: %w%s", image, err, c.lastWords())
	}
	if c.APIURL, err = c.PortEndpoint(ctx, APIPort, "http"); err != nil {
		return c, fmt.Errorf("phlomock: the API's port: %w", err)
	}
	if c.AdminURL, err = c.PortEndpoint(ctx, AdminPort, "http"); err != nil {
		return c, fmt.Errorf("phlomock: the control plane's port: %w", err)
	}
	return c, nil
}

// lastWords is the end of what the fake printed, when it printed anything
// (it says why it refused to start: "unknown scenario ...").
func (c *Container) lastWords() string {
	if c == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer r.Close()
	out, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	text := strings.TrimSpace(string(out))
	if len(text) > 2000 {
		text = "..." + text[len(text)-2000:]
	}
	if text == "" {
		return ""
	}
	return "; the container said:\n" + text
}

// WithScenario activates scenarios by name (built-in, or a file given with
// WithScenarioFile), later ones overriding earlier ones.
func WithScenario(names ...string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if len(names) == 0 {
			return fmt.Errorf("WithScenario: no scenario named")
		}
		addScenarios(req, names...)
		return nil
	}
}

// WithScenarioFile copies a scenario file of the host into the container
// and activates it (after the scenarios given before it).
func WithScenarioFile(hostPath string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		target := scenarioDir + "/" + path.Base(strings.ReplaceAll(hostPath, "\\", "/"))
		// The image runs as uid 65532: the file must be readable by it.
		req.Files = append(req.Files, testcontainers.ContainerFile{HostFilePath: hostPath, ContainerFilePath: target, FileMode: 0o644})
		addScenarios(req, target)
		return nil
	}
}

func addScenarios(req *testcontainers.GenericContainerRequest, names ...string) {
	list := req.Env["PHLOMOCK_SCENARIO"]
	for _, n := range names {
		if list != "" {
			list += ","
		}
		list += n
	}
	req.Env["PHLOMOCK_SCENARIO"] = list
}

// WithCredentials sets the account the API accepts.
func WithCredentials(authID, authToken string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if authID == "" || authToken == "" {
			return fmt.Errorf("WithCredentials: want an Auth ID and an Auth Token")
		}
		req.Env["PHLOMOCK_AUTH_ID"], req.Env["PHLOMOCK_AUTH_TOKEN"] = authID, authToken
		return nil
	}
}

// WithAdminToken puts the control plane behind a bearer token.
func WithAdminToken(token string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		req.Env["PHLOMOCK_ADMIN_TOKEN"] = token
		return nil
	}
}

// A Session is a fake of its own inside the container, for one test: its
// own credentials, scenarios, calls and journal (POST /__admin/sessions).
type Session struct {
	ID        string   `json:"id"`
	AuthID    string   `json:"auth_id"`
	AuthToken string   `json:"auth_token"`
	Active    []string `json:"active"`
}

// NewSession opens a session with scenarios active (none: the default).
// The session's requests use its AuthID and AuthToken on APIURL; the
// control plane's routes take ?session=ID.
func (c *Container) NewSession(ctx context.Context, scenarios ...string) (*Session, error) {
	body, _ := json.Marshal(map[string]any{"scenarios": scenarios})
	var s Session
	if err := c.admin(ctx, http.MethodPost, "/__admin/sessions", body, http.StatusCreated, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Journal returns the control plane's latest journal page (up to limit
// entries, 1 to 1000), as JSON, for a test to decode what it needs.
func (c *Container) Journal(ctx context.Context, limit int) (json.RawMessage, error) {
	var page json.RawMessage
	err := c.admin(ctx, http.MethodGet, fmt.Sprintf("/__admin/journal?limit=%d", limit), nil, http.StatusOK, &page)
	return page, err
}

// admin sends a request to the control plane and decodes the answer.
func (c *Container) admin(ctx context.Context, method, p string, body []byte, want int, v any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.AdminURL+p, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.AdminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("phlomock: %s %s: %w", method, p, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("phlomock: %s %s: %w", method, p, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("phlomock: %s %s: %s: %s", method, p, resp.Status, bytes.TrimSpace(raw))
	}
	return json.Unmarshal(raw, v)
}
