package deploy

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/phlomock/phlomock/internal/redistest"
)

// manifestFile is the Deployment and Service docs/kubernetes.md tells
// people to apply.
const manifestFile = "kubernetes/phlomock.yaml"

// The parts of the Kubernetes objects the tests look at; yaml.v3 ignores
// the rest.
type (
	object struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		node yaml.Node
	}
	deployment struct {
		Spec struct {
			Replicas *int `yaml:"replicas"`
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	podSpec struct {
		AutomountServiceAccountToken *bool `yaml:"automountServiceAccountToken"`
		SecurityContext              struct {
			RunAsNonRoot   *bool  `yaml:"runAsNonRoot"`
			RunAsUser      *int64 `yaml:"runAsUser"`
			RunAsGroup     *int64 `yaml:"runAsGroup"`
			SeccompProfile struct {
				Type string `yaml:"type"`
			} `yaml:"seccompProfile"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
	}
	container struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Env   []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				SecretKeyRef *struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
				Add  []string `yaml:"add"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
	}
	probe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"` // a number or a port's name
		} `yaml:"httpGet"`
	}
	service struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort string `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
)

// readObjects decodes every document of a manifest file.
func readObjects(tb testing.TB, file string) []object {
	tb.Helper()
	f, err := os.Open(file)
	require.NoError(tb, err)
	defer f.Close()
	var out []object
	dec := yaml.NewDecoder(f)
	for {
		var o object
		err := dec.Decode(&o.node)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoErrorf(tb, err, "%s: document %d", file, len(out)+1)
		require.NoErrorf(tb, o.node.Decode(&o), "%s: document %d", file, len(out)+1)
		out = append(out, o)
	}
	require.NotEmptyf(tb, out, "%s has no documents", file)
	return out
}

// phlomockObjects returns the Deployment and the Service of manifestFile,
// failing on anything else in it.
func phlomockObjects(tb testing.TB) (*deployment, *service, []object) {
	tb.Helper()
	objs := readObjects(tb, manifestFile)
	var d *deployment
	var s *service
	for _, o := range objs {
		require.NotEmptyf(tb, o.Metadata.Name, "%s: a %s without metadata.name", manifestFile, o.Kind)
		switch o.Kind {
		case "Deployment":
			require.Equal(tb, "apps/v1", o.APIVersion, "the Deployment's apiVersion")
			require.Nil(tb, d, "two Deployments")
			d = &deployment{}
			require.NoError(tb, o.node.Decode(d))
		case "Service":
			require.Equal(tb, "v1", o.APIVersion, "the Service's apiVersion")
			require.Nil(tb, s, "two Services")
			s = &service{}
			require.NoError(tb, o.node.Decode(s))
		default:
			tb.Fatalf("%s: a %s %q: want only the Deployment and the Service (the Secret is created by hand, never committed)", manifestFile, o.Kind, o.Metadata.Name)
		}
	}
	require.NotNil(tb, d, "no Deployment in %s", manifestFile)
	require.NotNil(tb, s, "no Service in %s", manifestFile)
	return d, s, objs
}

// TestKubernetesManifest checks what matters in deploy/kubernetes/phlomock.yaml
// and what it must agree with: the image the Makefile builds and its user,
// the variables serve reads, the ports the probes and the Service use.
func TestKubernetesManifest(t *testing.T) {
	d, svc, _ := phlomockObjects(t)
	pod := d.Spec.Template.Spec
	require.Len(t, pod.Containers, 1, "one container")
	c := pod.Containers[0]
	root := repoRoot(t)
	dockerfile := readText(t, filepath.Join(root, "Dockerfile"))

	t.Run("replicas and labels", func(t *testing.T) {
		require.NotNil(t, d.Spec.Replicas)
		assert.Equal(t, 3, *d.Spec.Replicas, "replicas")
		require.NotEmpty(t, d.Spec.Selector.MatchLabels)
		for k, v := range d.Spec.Selector.MatchLabels {
			assert.Equalf(t, v, d.Spec.Template.Metadata.Labels[k], "the pods' label %s must match the Deployment's selector", k)
		}
		require.NotEmpty(t, svc.Spec.Selector)
		for k, v := range svc.Spec.Selector {
			assert.Equalf(t, v, d.Spec.Template.Metadata.Labels[k], "the pods' label %s must match the Service's selector", k)
		}
	})

	t.Run("image", func(t *testing.T) {
		tag := regexp.MustCompile(`(?m)^IMAGE\s*\?=\s*(\S+)`).FindStringSubmatch(readText(t, filepath.Join(root, "Makefile")))
		require.NotNil(t, tag, "no IMAGE ?= in the Makefile")
		assert.Equal(t, tag[1], c.Image, "the image make docker builds")
		assert.Equal(t, []string{"serve"}, c.Args, "the Dockerfile's CMD")
	})

	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	env := map[string]string{}
	secrets := map[string]string{} // variable -> secret/key
	for _, e := range c.Env {
		_, dup := env[e.Name]
		require.Falsef(t, dup, "%s is set twice", e.Name)
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			secrets[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		}
	}

	t.Run("environment", func(t *testing.T) {
		// Every PHLOMOCK_ variable is one serve reads (docs/serve.md's table,
		// which TestReadmeServeFlags keeps equal to serve's flags).
		table := readText(t, filepath.Join(root, "docs", "serve.md"))
		for name := range env {
			if strings.HasPrefix(name, "PHLOMOCK_") {
				assert.Containsf(t, table, "| `"+name+"` |", "%s is not a variable of phlomock serve", name)
			}
		}
		for _, name := range []string{"PHLOMOCK_STORE", "PHLOMOCK_ADMIN_TOKEN"} {
			if assert.Containsf(t, secrets, name, "%s must come from a Secret (secretKeyRef)", name) {
				assert.Emptyf(t, env[name], "%s has a value in the manifest", name)
			}
		}
		storeSecret, _, _ := strings.Cut(secrets["PHLOMOCK_STORE"], "/")
		tokenSecret, _, _ := strings.Cut(secrets["PHLOMOCK_ADMIN_TOKEN"], "/")
		assert.Equal(t, storeSecret, tokenSecret, "one Secret holds the store URL and the token")
		// The command that creates the Secret, in the manifest's comment and
		// in the docs, gives each key the manifest reads.
		docs := readText(t, filepath.Join(root, "docs", "kubernetes.md"))
		for name, ref := range secrets {
			_, key, _ := strings.Cut(ref, "/")
			assert.Truef(t, strings.Contains(readText(t, manifestFile), "--from-literal="+key+"="), "the comment of %s does not create the key %s that %s reads", manifestFile, key, name)
			assert.Truef(t, strings.Contains(docs, "--from-literal="+key+"="), "docs/kubernetes.md does not create the key %s that %s reads", key, name)
		}
		assert.NotEmpty(t, env["PHLOMOCK_STORE_PREFIX"], "PHLOMOCK_STORE_PREFIX, the team's key prefix")

		// The control plane must be reachable by the kubelet's probes and
		// the Service, and so needs the token.
		host, port, err := net.SplitHostPort(env["PHLOMOCK_ADMIN_ADDR"])
		require.NoError(t, err, "PHLOMOCK_ADMIN_ADDR")
		assert.Equal(t, "0.0.0.0", host, "PHLOMOCK_ADMIN_ADDR's host: the probes come from outside the pod")
		assert.Equal(t, port, strconv.Itoa(ports["admin"]), "PHLOMOCK_ADMIN_ADDR's port and the admin containerPort")
		api := regexp.MustCompile(`(?m)^ENV PHLOMOCK_ADDR=0\.0\.0\.0:(\d+)$`).FindStringSubmatch(dockerfile)
		require.NotNil(t, api, "no ENV PHLOMOCK_ADDR in the Dockerfile")
		assert.Equal(t, api[1], strconv.Itoa(ports["api"]), "the api containerPort and the image's PHLOMOCK_ADDR")
	})

	t.Run("probes", func(t *testing.T) {
		for _, p := range []struct {
			name  string
			probe *probe
			path  string
		}{
			{"livenessProbe", c.LivenessProbe, "/healthz"},
			{"readinessProbe", c.ReadinessProbe, "/readyz"},
		} {
			if !assert.NotNilf(t, p.probe, "no %s", p.name) || !assert.NotNilf(t, p.probe.HTTPGet, "%s: want httpGet", p.name) {
				continue
			}
			assert.Equalf(t, p.path, p.probe.HTTPGet.Path, "%s's path", p.name)
			port := p.probe.HTTPGet.Port
			if n, ok := ports[port]; ok {
				port = strconv.Itoa(n)
			}
			assert.Equalf(t, strconv.Itoa(ports["admin"]), port, "%s's port: the control plane's", p.name)
		}
	})

	t.Run("security context", func(t *testing.T) {
		user := regexp.MustCompile(`(?m)^USER (\d+):(\d+)$`).FindStringSubmatch(dockerfile)
		require.NotNil(t, user, "no USER uid:gid in the Dockerfile")
		sc := pod.SecurityContext
		assert.Equal(t, any(true), deref(sc.RunAsNonRoot), "runAsNonRoot")
		assert.Equal(t, user[1], fmt.Sprint(deref(sc.RunAsUser)), "runAsUser: the Dockerfile's USER")
		assert.Equal(t, user[2], fmt.Sprint(deref(sc.RunAsGroup)), "runAsGroup: the Dockerfile's USER")
		assert.Equal(t, "RuntimeDefault", sc.SeccompProfile.Type, "seccompProfile")
		assert.Equal(t, any(false), deref(pod.AutomountServiceAccountToken), "automountServiceAccountToken: the fake never calls the Kubernetes API")
		csc := c.SecurityContext
		assert.Equal(t, any(false), deref(csc.AllowPrivilegeEscalation), "allowPrivilegeEscalation")
		assert.Equal(t, any(true), deref(csc.ReadOnlyRootFilesystem), "readOnlyRootFilesystem")
		assert.Equal(t, []string{"ALL"}, csc.Capabilities.Drop, "capabilities.drop")
		assert.Empty(t, csc.Capabilities.Add, "capabilities.add")
	})

	t.Run("resources", func(t *testing.T) {
		for _, r := range []string{"cpu", "memory"} {
			req, err := quantity(c.Resources.Requests[r])
			require.NoErrorf(t, err, "requests.%s", r)
			limit, err := quantity(c.Resources.Limits[r])
			require.NoErrorf(t, err, "limits.%s", r)
			assert.LessOrEqualf(t, req, limit, "requests.%s above limits.%s", r, r)
		}
		// The Go runtime's soft limit keeps the heap under the container's.
		if soft, ok := env["GOMEMLIMIT"]; assert.True(t, ok, "no GOMEMLIMIT") {
			n, err := quantity(strings.TrimSuffix(soft, "B"))
			require.NoError(t, err, "GOMEMLIMIT")
			limit, _ := quantity(c.Resources.Limits["memory"])
			assert.Less(t, n, limit, "GOMEMLIMIT must be below limits.memory")
		}
	})

	t.Run("service", func(t *testing.T) {
		require.NotEmpty(t, svc.Spec.Ports)
		seen := map[string]bool{}
		for _, p := range svc.Spec.Ports {
			n, ok := ports[p.TargetPort]
			if assert.Truef(t, ok, "Service port %s: targetPort %q names no containerPort", p.Name, p.TargetPort) {
				assert.Equalf(t, n, p.Port, "Service port %s: the same number as the container's", p.Name)
			}
			seen[p.TargetPort] = true
		}
		assert.True(t, seen["api"], "the Service exposes the API")
		assert.True(t, seen["admin"], "the Service exposes the control plane (behind its token)")
	})
}

// TestKubernetesRedisExample: the optional Redis manifest is valid and as
// locked down as phlomock's.
func TestKubernetesRedisExample(t *testing.T) {
	kinds := map[string]string{}
	for _, o := range readObjects(t, "kubernetes/redis-example.yaml") {
		kinds[o.Kind] = o.APIVersion
		if o.Kind != "Deployment" {
			continue
		}
		var d deployment
		require.NoError(t, o.node.Decode(&d))
		pod := d.Spec.Template.Spec
		require.Len(t, pod.Containers, 1)
		c := pod.Containers[0]
		assert.Equal(t, any(true), deref(pod.SecurityContext.RunAsNonRoot))
		assert.Equal(t, "RuntimeDefault", pod.SecurityContext.SeccompProfile.Type)
		assert.Equal(t, any(false), deref(c.SecurityContext.AllowPrivilegeEscalation))
		assert.Equal(t, any(true), deref(c.SecurityContext.ReadOnlyRootFilesystem))
		assert.Equal(t, []string{"ALL"}, c.SecurityContext.Capabilities.Drop)
		assert.NotEmpty(t, c.Resources.Limits["memory"])
		var pass bool
		for _, e := range c.Env {
			pass = pass || e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
		}
		assert.True(t, pass, "the Redis password comes from a Secret")
	}
	assert.Equal(t, map[string]string{"Deployment": "apps/v1", "Service": "v1"}, kinds)
}

// A played is the manifest's Deployment running under podman kube play.
type played struct {
	pm          *podman
	name        string // of the Deployment, the secret, the pods' prefix
	file        string // the played variant
	token       string // the admin token in the secret
	api, admin  string // base URLs on the host's loopback
	client      *http.Client
	memoryLimit int64 // bytes, from the manifest
}

// play runs the Deployment of deploy/kubernetes/phlomock.yaml with `podman
// kube play`: the image make docker builds, one replica, a podman secret
// in place of the Kubernetes one (its store key is store), both ports on
// the host's loopback. Everything is removed by name when tb ends.
func play(tb testing.TB, store string, playArgs ...string) *played {
	tb.Helper()
	_, _, objs := phlomockObjects(tb)
	name := playName("kube")
	token := name + "-admin-token"
	return playObjects(tb, objs, name, map[string][]byte{"store": []byte(store), "admin-token": []byte(token)}, playArgs...)
}

// playName is a name no other run uses, for a Deployment, its pods and its
// secret.
func playName(kind string) string {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return fmt.Sprintf("phlomock-%s-test-%d-%s", kind, os.Getpid(), hex.EncodeToString(suffix))
}

// playObjects runs the Deployment of objs (a manifest's or a rendered
// chart's) with `podman kube play` as play describes, renamed name, with
// secret (its keys store and admin-token) as the podman secret every
// secretKeyRef is pointed at. The ConfigMaps of objs are played with it.
func playObjects(tb testing.TB, objs []object, name string, secret map[string][]byte, playArgs ...string) *played {
	tb.Helper()
	pm := newPodman(tb)
	root := repoRoot(tb)
	localImage(tb, pm, root)
	var d deployment
	for _, o := range objs {
		if o.Kind == "Deployment" {
			require.NoError(tb, o.node.Decode(&d))
		}
	}
	require.NotEmpty(tb, d.Spec.Template.Spec.Containers, "no Deployment with a container")
	limit, err := quantity(d.Spec.Template.Spec.Containers[0].Resources.Limits["memory"])
	require.NoError(tb, err)

	p := &played{pm: pm, memoryLimit: limit, client: &http.Client{Timeout: requestWait},
		name: name, token: string(secret["admin-token"])}
	apiPort, adminPort := freePort(tb), freePort(tb)
	p.api = "http://127.0.0.1:" + strconv.Itoa(apiPort)
	p.admin = "http://127.0.0.1:" + strconv.Itoa(adminPort)

	// Podman 4.3 stores a Secret document of a played file as YAML and then
	// reads only JSON (a map of base64 values) for secretKeyRef; a secret
	// created in that form works with newer podman too.
	dir := tb.TempDir()
	secretFile := filepath.Join(dir, "secret.json")
	raw, err := json.Marshal(secret)
	require.NoError(tb, err)
	require.NoError(tb, os.WriteFile(secretFile, raw, 0o600))
	p.file = filepath.Join(dir, "play.yaml")
	require.NoError(tb, os.WriteFile(p.file, playVariant(tb, objs, p.name, apiPort, adminPort), 0o600))

	tb.Cleanup(func() {
		if tb.Failed() {
			for _, c := range podContainers(tb, pm, p.name) {
				tb.Logf("logs of %s:\n%s", c, pm.logs(tb, c))
			}
		}
		if len(podsNamed(tb, pm, p.name)) > 0 {
			if _, err := pm.run(tb, startWait, "kube", "down", p.file); err != nil {
				tb.Logf("podman kube down: %v", err)
			}
		}
		for _, pod := range podsNamed(tb, pm, p.name) {
			if _, err := pm.run(tb, startWait, "pod", "rm", "--force", pod); err != nil {
				tb.Errorf("removing the pod %s: %v", pod, err)
			}
		}
		if _, err := pm.run(tb, startWait, "secret", "rm", p.name); err != nil {
			tb.Errorf("removing the secret %s: %v", p.name, err)
		}
	})
	_, err = pm.run(tb, startWait, "secret", "create", p.name, secretFile)
	require.NoError(tb, err)
	_, err = pm.run(tb, startWait, append(append([]string{"kube", "play", "--start"}, playArgs...), p.file)...)
	require.NoError(tb, err)
	return p
}

// waitReady waits, at most healthWait, until /readyz answers want.
func (p *played) waitReady(tb testing.TB, want int) {
	tb.Helper()
	deadline := time.Now().Add(healthWait)
	for {
		status, body, err := get(tb, p.client, p.admin+"/readyz", "")
		if err == nil && status == want {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("GET /readyz: not %d after %s: status %d, %v, %s", want, healthWait, status, err, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// seed sends the seed's request and checks the 201 with its api_id.
func (p *played) seed(t *testing.T) {
	t.Helper()
	body := `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		p.api+"/v1/phlo/"+phloID+"/multi_party_call/"+nodeID, strings.NewReader(body))
	require.NoError(t, err)
	req.SetBasicAuth(authID, authToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "got status %d, want 201; body: %s", resp.StatusCode, raw)
	var got struct {
		APIID string  `json:"api_id"`
		Error *string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(raw, &got), "body is not JSON: %s", raw)
	assert.Regexp(t, uuidRE, got.APIID, "api_id")
	if assert.NotNil(t, got.Error, `no "error" in %s`, raw) {
		assert.Empty(t, *got.Error)
	}
}

// TestKubePlay runs the manifest's Deployment with podman kube play and the
// memory store: it answers the seed's request and its readiness probe,
// runs as the security context says, and `podman kube down` removes it.
func TestKubePlay(t *testing.T) {
	p := play(t, "memory")

	t.Run("readyz", func(t *testing.T) {
		p.waitReady(t, http.StatusOK)
		_, body, err := get(t, p.client, p.admin+"/readyz", "")
		require.NoError(t, err)
		assert.JSONEq(t, `{"status":"ready"}`, body)
	})

	t.Run("seed", p.seed)

	// The token reached the process from the secret: the control plane
	// refuses without it and answers with it.
	t.Run("admin token from the secret", func(t *testing.T) {
		status, body, err := get(t, p.client, p.admin+"/__admin/scenarios", "")
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, status, "without the token: %s", body)
		status, body, err = get(t, p.client, p.admin+"/__admin/scenarios", p.token)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, status, "with the token: %s", body)
		assert.Contains(t, body, `"active":["success"]`)
	})

	t.Run("security context applied", p.securityApplied)

	t.Run("kube down", func(t *testing.T) {
		_, err := p.pm.run(t, startWait, "kube", "down", p.file)
		require.NoError(t, err)
		assert.Empty(t, podsNamed(t, p.pm, p.name), "pods left after podman kube down")
	})
}

// TestKubePlayRedis runs the manifest's Deployment on a real redis-server
// with a password, on the host's loopback (which the pod reaches at
// 10.0.2.2 with slirp4netns's allow_host_loopback): the store URL from the
// secret is used (the journal's entry is read back through Redis), the
// readiness probe follows Redis going away and coming back, and the
// password is never in the container's output.
func TestKubePlayRedis(t *testing.T) {
	const password = "kube-play-redis-password"
	if _, err := exec.LookPath("slirp4netns"); err != nil {
		if os.Getenv(requireEnv) == "1" {
			t.Fatalf("%v, and %s=1: install slirp4netns (.ci/run does)", err, requireEnv)
		}
		t.Skipf("%v: the pod reaches the host's Redis through slirp4netns", err)
	}
	redis := redistest.Start(t, "--requirepass", password)
	_, port, err := net.SplitHostPort(redis.Addr)
	require.NoError(t, err)
	p := play(t, "redis://:"+password+"@10.0.2.2:"+port+"/0", "--network", "slirp4netns:allow_host_loopback=true")

	p.onRedis(t, redis, password, "phlomock:")
}

// securityApplied checks that podman applied the Deployment's security
// context and memory limit, and that the fake works under them (a
// read-only root above all).
func (p *played) securityApplied(t *testing.T) {
	cs := podContainers(t, p.pm, p.name)
	require.Len(t, cs, 1, "the pod's containers")
	out, err := p.pm.run(t, startWait, "inspect", "--format", "{{json .Config.User}} {{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.SecurityOpt}} {{.HostConfig.Memory}}", cs[0])
	require.NoError(t, err)
	f := strings.Fields(out)
	require.Len(t, f, 4, "podman inspect: %s", out)
	assert.Equal(t, `"65532:65532"`, f[0], "user")
	assert.Equal(t, "true", f[1], "read-only root")
	assert.Contains(t, f[2], "no-new-privileges")
	assert.Equal(t, strconv.FormatInt(p.memoryLimit, 10), f[3], "memory limit in bytes")
}

// onRedis checks a played Deployment whose store is redis (with password),
// its keys under prefix: the store URL from the secret is used (the
// journal's entry is read back through Redis), the readiness probe follows
// Redis going away and coming back, and the password is never in the
// container's output.
func (p *played) onRedis(t *testing.T, redis *redistest.Server, password, prefix string) {
	_, port, err := net.SplitHostPort(redis.Addr)
	require.NoError(t, err)
	p.waitReady(t, http.StatusOK)
	t.Run("seed", p.seed)
	t.Run("journal through Redis", func(t *testing.T) {
		status, body, err := get(t, p.client, p.admin+"/__admin/journal?operation=updateMultiPartyCall", p.token)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var page struct {
			Entries []struct {
				Status int `json:"status"`
			} `json:"entries"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &page), "%s", body)
		require.Len(t, page.Entries, 1, "the seed's entry: %s", body)
		assert.Equal(t, http.StatusCreated, page.Entries[0].Status)

		// In Redis, under the Deployment's PHLOMOCK_STORE_PREFIX.
		c := goredis.NewClient(&goredis.Options{Addr: redis.Addr, Password: password})
		defer c.Close()
		n, err := c.XLen(t.Context(), prefix+"journal").Result()
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "entries in the stream %sjournal", prefix)
	})
	t.Run("readiness follows Redis", func(t *testing.T) {
		redis.Stop()
		p.waitReady(t, http.StatusServiceUnavailable)
		// The journal is read from Redis, never from the process alone.
		status, body, err := get(t, p.client, p.admin+"/__admin/journal", p.token)
		require.NoError(t, err)
		assert.Equal(t, http.StatusServiceUnavailable, status, "the journal without Redis: %s", body)
		assert.Contains(t, body, "xxxxx", "the store named without its password")
		assert.NotContains(t, body, password)
		redis.Restart("--requirepass", password)
		p.waitReady(t, http.StatusOK)
	})
	t.Run("no password in the output", func(t *testing.T) {
		cs := podContainers(t, p.pm, p.name)
		require.Len(t, cs, 1, "the pod's containers")
		logs := p.pm.logs(t, cs[0])
		assert.Contains(t, logs, "10.0.2.2:"+port, "the store's line")
		assert.NotContains(t, logs, password)
	})
}

// playVariant is the Deployment of objs as podman kube play runs it here:
// named name, 1 replica, the image this run built, the secret name, and
// host ports on loopback; with the ConfigMaps of objs (a rendered chart's
// scenario files). The Service and the Secret are left out (podman ignores
// the one and stores the other in a form it cannot read back).
func playVariant(tb testing.TB, objs []object, name string, apiPort, adminPort int) []byte {
	tb.Helper()
	var doc map[string]any
	for _, o := range objs {
		if o.Kind == "Deployment" {
			require.NoError(tb, o.node.Decode(&doc))
		}
	}
	require.NotNil(tb, doc, "no Deployment")
	field(tb, doc, "metadata")["name"] = name
	spec := field(tb, doc, "spec")
	spec["replicas"] = 1
	pod := field(tb, field(tb, spec, "template"), "spec")
	containers, _ := pod["containers"].([]any)
	require.Len(tb, containers, 1)
	c, _ := containers[0].(map[string]any)
	require.NotNil(tb, c)
	c["image"] = "localhost/" + image
	c["imagePullPolicy"] = "Never"
	envs, _ := c["env"].([]any)
	for _, e := range envs {
		if from, ok := e.(map[string]any)["valueFrom"].(map[string]any); ok {
			if ref, ok := from["secretKeyRef"].(map[string]any); ok {
				ref["name"] = name
			}
		}
	}
	hostPorts := map[string]int{"api": apiPort, "admin": adminPort}
	ports, _ := c["ports"].([]any)
	require.Len(tb, ports, len(hostPorts))
	for _, p := range ports {
		p := p.(map[string]any)
		hp, ok := hostPorts[fmt.Sprint(p["name"])]
		require.Truef(tb, ok, "unexpected port %v", p["name"])
		p["hostIP"], p["hostPort"] = "127.0.0.1", hp
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	for _, o := range objs {
		if o.Kind == "ConfigMap" {
			require.NoError(tb, enc.Encode(&o.node))
		}
	}
	require.NoError(tb, enc.Encode(doc))
	require.NoError(tb, enc.Close())
	return buf.Bytes()
}

func field(tb testing.TB, m map[string]any, key string) map[string]any {
	tb.Helper()
	v, ok := m[key].(map[string]any)
	require.Truef(tb, ok, "no map %q", key)
	return v
}

// podsNamed lists the pods podman kube play made of the Deployment name
// (podman 4 names them NAME-pod-0, later versions NAME-pod).
func podsNamed(tb testing.TB, p *podman, name string) []string {
	tb.Helper()
	out, err := p.run(tb, startWait, "pod", "ps", "--filter", "name=^"+name+"-pod", "--format", "{{.Name}}")
	if err != nil {
		tb.Logf("podman pod ps: %v", err)
		return nil
	}
	return strings.Fields(out)
}

// podContainers lists the containers of those pods, the infra ones left out.
func podContainers(tb testing.TB, p *podman, name string) []string {
	tb.Helper()
	out, err := p.run(tb, startWait, "ps", "--all", "--filter", "name=^"+name+"-pod", "--format", "{{.Names}}")
	if err != nil {
		tb.Logf("podman ps: %v", err)
		return nil
	}
	var cs []string
	for _, c := range strings.Fields(out) {
		if !strings.HasSuffix(c, "-infra") {
			cs = append(cs, c)
		}
	}
	return cs
}

// get sends a GET, with a bearer token unless it is "".
func get(tb testing.TB, client *http.Client, url, token string) (int, string, error) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

// freePort is a port of the loopback free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func readText(tb testing.TB, file string) string {
	tb.Helper()
	b, err := os.ReadFile(file)
	require.NoError(tb, err)
	return string(b)
}

// quantity reads a Kubernetes quantity of the forms the manifests use as
// an integer: 48Mi and 2Gi in bytes, 100m and 1 (CPUs) in thousandths. It
// is not Kubernetes's parser: enough to compare a request with its limit.
func quantity(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"m", 1}, {"", 1000}}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("quantity %q: want a positive integer with Ki, Mi, Gi or m", s)
		}
		return n * u.mult, nil
	}
	return 0, fmt.Errorf("quantity %q: want a positive integer with Ki, Mi, Gi or m", s)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
