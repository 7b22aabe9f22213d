// Package deploy holds what phlomock needs to run as a container, and the test
// that proves the image works: deploy/containers.conf (the podman configuration
// for hosts without systemd, such as CI here) and container_test.go, which builds
// the image from the repository's Dockerfile with `make docker`, starts it with a
// published loopback port as a CI service would, waits for its HEALTHCHECK and
// sends it real requests. deploy/kubernetes/ holds the Kubernetes manifests;
// kubernetes_test.go checks them and runs the Deployment with podman kube play,
// on the memory store and on a real redis-server. deploy/helm/ holds the Helm
// chart (phlomock/) and render/, a Go module of its own that renders and lints
// it with helm.sh/helm/v4; helm_test.go plays the rendered Deployment with
// kubernetes_test.go's code, given that tool by make helm (PHLOMOCK_HELM_RENDER;
// it skips without).
//
// It is not a library: it has no exported API and nothing imports it. The
// podman tests skip when podman is not installed, unless
// PHLOMOCK_REQUIRE_CONTAINER=1 (set by .ci/run), when they fail instead.
package deploy
