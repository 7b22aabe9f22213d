package deploy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/phlomock/phlomock/internal/redistest"
)

// helmRenderEnv names the render tool of deploy/helm/render (its own Go
// module, so this one does not link Helm): make helm builds it and sets it.
const helmRenderEnv = "PHLOMOCK_HELM_RENDER"

// helmScenario is a scenario file given to the chart (scenarioFiles): the
// pods read it from the ConfigMap the chart renders. It answers getPhlo
// only, so the seed's transfer is unchanged.
const helmScenario = `version: 1
name: helm-unknown-phlo
description: getPhlo answers 404
rules:
  - name: phlo-not-found
    match:
      operation: getPhlo
    respond:
      status: 404
      body:
        api_id: "{{api_id}}"
        error: PHLO not found
`

// renderChart renders deploy/helm/phlomock as release with the render tool
// and sets, and decodes its objects.
func renderChart(t *testing.T, tool, release string, args ...string) []object {
	t.Helper()
	args = append(append([]string{"--release", release}, args...), filepath.Join("helm", "phlomock"))
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), tool, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "%s %q: %s", tool, args, stderr.String())
	var objs []object
	dec := yaml.NewDecoder(&stdout)
	for {
		var o object
		err := dec.Decode(&o.node)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.NoError(t, o.node.Decode(&o))
		objs = append(objs, o)
	}
	return objs
}

// renderedSecret is the data of the Secret among objs, decoded.
func renderedSecret(t *testing.T, objs []object) map[string][]byte {
	t.Helper()
	for _, o := range objs {
		if o.Kind != "Secret" {
			continue
		}
		var s struct {
			Data map[string]string `yaml:"data"`
		}
		require.NoError(t, o.node.Decode(&s))
		out := map[string][]byte{}
		for k, v := range s.Data {
			b, err := base64.StdEncoding.DecodeString(v)
			require.NoError(t, err, "the Secret's %s", k)
			out[k] = b
		}
		return out
	}
	t.Fatal("no Secret rendered")
	return nil
}

// needSlirp skips (or fails, in CI) without slirp4netns, by which a pod
// reaches the host's loopback.
func needSlirp(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("slirp4netns"); err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%v, and %s=1: install slirp4netns (.ci/run does)", err, requireEnv)
		}
		t.Skipf("%v: the pod reaches the host's Redis through slirp4netns", err)
	}
}

// TestHelmPlay renders the chart (deploy/helm/phlomock) with Helm's engine
// and plays the rendered Deployment with podman kube play, as
// TestKubePlayRedis plays the manifest's: on a real redis-server with a
// password, the store URL and token from the Secret the chart rendered,
// the image make docker builds. Podman starts one pod per Deployment
// whatever its replicas, so two releases of the chart with one store.prefix
// stand for two replicas: a request answered by one is in the journal read
// through the other. The scenario file given in the values reaches the pods
// through the chart's ConfigMap.
func TestHelmPlay(t *testing.T) {
	tool := os.Getenv(helmRenderEnv)
	if tool == "" {
		t.Skipf("%s is not set: `make helm` builds deploy/helm/render and runs this test with it", helmRenderEnv)
	}
	needSlirp(t)
	const (
		password = "helm-play-redis-password"
		prefix   = "helm-play:"
	)
	redis := redistest.Start(t, "--requirepass", password)
	_, port, err := net.SplitHostPort(redis.Addr)
	require.NoError(t, err)
	store := "redis://:" + password + "@10.0.2.2:" + port + "/0"
	scenarioFile := filepath.Join(t.TempDir(), "helm-unknown-phlo.yaml")
	require.NoError(t, os.WriteFile(scenarioFile, []byte(helmScenario), 0o600))
	repo, tag, _ := strings.Cut("localhost/"+image, ":")

	var pods []*played
	for range 2 {
		name := playName("helm")
		token := name + "-token"
		objs := renderChart(t, tool, name, "--set", "store.url="+store, "--set", "adminToken="+token,
			"--set", "store.prefix="+prefix, "--set", "replicaCount=2",
			"--set", "image.repository="+repo, "--set", "image.tag="+tag, "--set", "image.pullPolicy=Never",
			"--set-file", `scenarioFiles.helm-unknown-phlo\.yaml=`+scenarioFile)
		secret := renderedSecret(t, objs)
		require.Equal(t, store, string(secret["store"]), "the rendered Secret's store")
		require.Equal(t, token, string(secret["admin-token"]), "the rendered Secret's admin-token")
		for _, o := range objs {
			if o.Kind == "Deployment" {
				text, err := yaml.Marshal(&o.node)
				require.NoError(t, err)
				require.NotContains(t, string(text), password, "the Deployment holds the store's password")
			}
		}
		pods = append(pods, playObjects(t, objs, name, secret, "--network", "slirp4netns:allow_host_loopback=true"))
	}
	a, b := pods[0], pods[1]
	a.waitReady(t, http.StatusOK)
	b.waitReady(t, http.StatusOK)

	t.Run("security context applied", a.securityApplied)

	t.Run("scenario file from the ConfigMap", func(t *testing.T) {
		status, body, err := get(t, a.client, a.admin+"/__admin/scenarios", a.token)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, "%s", body)
		assert.Contains(t, body, `"active":["helm-unknown-phlo"]`, "the file replaces the default success, as --scenario does")
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.api+"/v1/phlo/"+phloID, nil)
		require.NoError(t, err)
		req.SetBasicAuth(authID, authToken)
		resp, err := a.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "getPhlo under the file's rule")
	})

	// The control plane answers the Service's names (the chart's
	// PHLOMOCK_ADMIN_HOSTS, in the release's namespace, default here) and
	// refuses any other (DNS rebinding).
	t.Run("admin hosts", func(t *testing.T) {
		for host, want := range map[string]int{
			a.name + ".default":                   http.StatusOK,
			a.name + ".default.svc":               http.StatusOK,
			a.name + ".default.svc.cluster.local": http.StatusOK,
			a.name + ".other.svc":                 http.StatusForbidden,
			"phlomock.attacker.example":           http.StatusForbidden,
		} {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.admin+"/__admin/scenarios", nil)
			require.NoError(t, err)
			req.Host = host
			req.Header.Set("Authorization", "Bearer "+a.token)
			resp, err := a.client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, want, resp.StatusCode, "Host: %s", host)
		}
	})

	t.Run("two replicas, one fake", func(t *testing.T) {
		// The seed answered by b is in the journal read through a, under
		// the prefix both were given.
		b.seed(t)
		status, body, err := get(t, a.client, a.admin+"/__admin/journal?operation=updateMultiPartyCall", a.token)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var page struct {
			Entries []struct {
				Status int `json:"status"`
			} `json:"entries"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &page), "%s", body)
		require.Len(t, page.Entries, 1, "the seed's entry, read through the other replica: %s", body)
		assert.Equal(t, http.StatusCreated, page.Entries[0].Status)
		// Each replica has the token its own Secret gave it.
		status, _, err = get(t, a.client, a.admin+"/__admin/journal", b.token)
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, status, "a's control plane with b's token")
		// Clear the shared journal for the checks of a on Redis.
		req, err := http.NewRequestWithContext(t.Context(), http.MethodDelete, a.admin+"/__admin/journal", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+a.token)
		resp, err := a.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Less(t, resp.StatusCode, 300, "DELETE /__admin/journal")
		require.Eventually(t, func() bool {
			_, body, err := get(t, b.client, b.admin+"/__admin/journal?operation=updateMultiPartyCall", b.token)
			return err == nil && strings.Contains(body, `"entries":[]`)
		}, 10*time.Second, 100*time.Millisecond, "the journal emptied through a, seen through b")
	})

	t.Run("on Redis", func(t *testing.T) { a.onRedis(t, redis, password, prefix) })
	t.Run("both follow Redis back", func(t *testing.T) { b.waitReady(t, http.StatusOK) })
	t.Run("no password in b's output", func(t *testing.T) {
		cs := podContainers(t, b.pm, b.name)
		require.Len(t, cs, 1)
		assert.NotContains(t, b.pm.logs(t, cs[0]), password)
	})
}
