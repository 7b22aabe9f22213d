// Package phlomock is a Testcontainers module for phlomock, the validating
// fake of Plivo's PHLO runner API: Run starts the phlomock image, waits for
// its control plane's /readyz, and hands back the API's URL, the control
// plane's URL and the credentials the fake accepts; NewSession opens a
// session of its own for one test (POST /__admin/sessions).
//
//	c, err := phlomock.Run(ctx, "registry.example/phlomock:v1", phlomock.WithScenario("bad-role"))
//	defer testcontainers.TerminateContainer(c)
//	client.BaseUrl, _ = url.Parse(c.APIURL)
//
// It is its own Go module (testcontainers/phlomock/go.mod), so the fake's
// module never pulls in the container client. It talks to the fake over HTTP
// only and imports nothing of it.
//
// The image is never pulled by the tests of this repository (no registry is
// reachable there): they build it with `make docker` and run it through
// podman's Docker-compatible API socket, with Testcontainers' reaper (Ryuk)
// disabled, since its image cannot be pulled either; each test terminates
// its container itself (docs/testcontainers.md).
package phlomock
