package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
)

const chartDir = "../phlomock"

// redisURL is a store URL with a password, which must reach the Secret and
// nothing else.
const (
	redisURL      = "redis://team-a:s3cret-redis-pass@redis.example:6379/0"
	redisPassword = "s3cret-redis-pass"
)

// rendered is a render's objects by kind (each kind once in this chart)
// and its text.
type rendered struct {
	objs map[string]map[string]any
	text string
}

func renderWith(t *testing.T, sets ...string) rendered {
	t.Helper()
	text, err := render(chartDir, options{release: "phlomock", namespace: "default", values: valueOptions{sets: sets}})
	if err != nil {
		t.Fatalf("render with %q: %v", sets, err)
	}
	return rendered{objs: decode(t, []byte(text)), text: text}
}

func decode(t *testing.T, data []byte) map[string]map[string]any {
	t.Helper()
	objs := map[string]map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var o map[string]any
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the rendered YAML: %v\n%s", err, data)
		}
		if o == nil {
			continue
		}
		kind, _ := o["kind"].(string)
		if _, dup := objs[kind]; dup {
			t.Fatalf("two objects of kind %s", kind)
		}
		objs[kind] = o
	}
	return objs
}

// get walks v along path (map keys and list indexes), failing when a step
// is missing.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a map at %q", path, k)
			}
			v, ok = m[k]
			if !ok {
				t.Fatalf("%v: no %q", path, k)
			}
		case int:
			l, ok := v.([]any)
			if !ok || len(l) <= k {
				t.Fatalf("%v: no item %d", path, k)
			}
			v = l[k]
		}
	}
	return v
}

func (r rendered) container(t *testing.T) map[string]any {
	t.Helper()
	return get(t, r.objs["Deployment"], "spec", "template", "spec", "containers", 0).(map[string]any)
}

// env is the container's environment: values, and NAME=secret/key for a
// secretKeyRef.
func (r rendered) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range get(t, r.container(t), "env").([]any) {
		e := e.(map[string]any)
		name := e["name"].(string)
		if _, dup := out[name]; dup {
			t.Errorf("%s is set twice", name)
		}
		if v, ok := e["value"]; ok {
			s, isString := v.(string)
			if !isString {
				t.Errorf("%s: value %v is a %T, want a string (Kubernetes refuses others)", name, v, v)
			}
			out[name] = s
			continue
		}
		ref := get(t, e, "valueFrom", "secretKeyRef").(map[string]any)
		out[name] = "secret:" + ref["name"].(string) + "/" + ref["key"].(string)
	}
	return out
}

// secret is the rendered Secret's data, decoded.
func (r rendered) secret(t *testing.T) map[string]string {
	t.Helper()
	s, ok := r.objs["Secret"]
	if !ok {
		t.Fatal("no Secret rendered")
	}
	out := map[string]string{}
	for k, v := range get(t, s, "data").(map[string]any) {
		b, err := base64.StdEncoding.DecodeString(v.(string))
		if err != nil {
			t.Fatalf("Secret data %s: %v", k, err)
		}
		out[k] = string(b)
	}
	return out
}

func yamlText(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestChartMatchesManifest: with its defaults and a store URL, the chart
// renders deploy/kubernetes/phlomock.yaml's pod (security contexts,
// resources, probes, environment, ports, arguments), its Service's ports,
// and the Secret that manifest asks for, with the keys it reads.
func TestChartMatchesManifest(t *testing.T) {
	raw, err := os.ReadFile("../../kubernetes/phlomock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, raw)
	got := renderWith(t, "store.url="+redisURL)
	for _, kind := range []string{"ServiceMonitor", "ConfigMap"} {
		if _, ok := got.objs[kind]; ok {
			t.Errorf("a %s by default", kind)
		}
	}
	pod := []any{"spec", "template", "spec"}
	ctr := append(append([]any{}, pod...), "containers", 0)
	for _, path := range [][]any{
		{"spec", "replicas"},
		append(append([]any{}, pod...), "securityContext"),
		append(append([]any{}, pod...), "automountServiceAccountToken"),
		append(append([]any{}, ctr...), "securityContext"),
		append(append([]any{}, ctr...), "resources"),
		append(append([]any{}, ctr...), "livenessProbe"),
		append(append([]any{}, ctr...), "readinessProbe"),
		append(append([]any{}, ctr...), "env"),
		append(append([]any{}, ctr...), "ports"),
		append(append([]any{}, ctr...), "args"),
		append(append([]any{}, ctr...), "imagePullPolicy"),
	} {
		g, w := yamlText(t, get(t, got.objs["Deployment"], path...)), yamlText(t, get(t, want["Deployment"], path...))
		if g != w {
			t.Errorf("Deployment %v:\ngot\n%s\nwant (deploy/kubernetes/phlomock.yaml)\n%s", path, g, w)
		}
	}
	if g, w := yamlText(t, get(t, got.objs["Service"], "spec", "ports")), yamlText(t, get(t, want["Service"], "spec", "ports")); g != w {
		t.Errorf("Service ports:\ngot\n%s\nwant\n%s", g, w)
	}
	// The selectors select the pods.
	labels := get(t, got.objs["Deployment"], "spec", "template", "metadata", "labels").(map[string]any)
	for _, sel := range []any{
		get(t, got.objs["Deployment"], "spec", "selector", "matchLabels"),
		get(t, got.objs["Service"], "spec", "selector"),
	} {
		for k, v := range sel.(map[string]any) {
			if labels[k] != v {
				t.Errorf("selector %s=%v: the pods have %v", k, v, labels[k])
			}
		}
	}
	sec := got.secret(t)
	if sec["store"] != redisURL {
		t.Errorf("Secret store: got %q, want %q", sec["store"], redisURL)
	}
	if n := len(sec["admin-token"]); n != 48 {
		t.Errorf("the generated admin-token has %d characters, want 48", n)
	}
	if len(sec) != 2 {
		t.Errorf("Secret keys: got %v, want store and admin-token", sec)
	}
	if img := got.container(t)["image"]; img != "phlomock:latest" {
		t.Errorf("image: got %v, want phlomock:latest (make docker's IMAGE)", img)
	}
}

// TestChartSecrets: the store URL and the token reach the Secret and
// nothing else: not the pod spec (where kubectl describe and every reader
// of Deployments would see them), not an annotation.
func TestChartSecrets(t *testing.T) {
	const token = "team-a-admin-token-0123456789"
	got := renderWith(t, "store.url="+redisURL, "adminToken="+token)
	sec := got.secret(t)
	if sec["store"] != redisURL || sec["admin-token"] != token {
		t.Errorf("Secret: got %v", sec)
	}
	for _, kind := range []string{"Deployment", "Service"} {
		text := yamlText(t, got.objs[kind])
		for _, s := range []string{redisURL, redisPassword, token, "redis.example"} {
			if strings.Contains(text, s) {
				t.Errorf("the %s holds %q in clear", kind, s)
			}
		}
	}
	env := got.env(t)
	if env["PHLOMOCK_STORE"] != "secret:phlomock/store" || env["PHLOMOCK_ADMIN_TOKEN"] != "secret:phlomock/admin-token" {
		t.Errorf("PHLOMOCK_STORE, PHLOMOCK_ADMIN_TOKEN: got %q, %q; want secretKeyRefs to phlomock", env["PHLOMOCK_STORE"], env["PHLOMOCK_ADMIN_TOKEN"])
	}

	t.Run("a new store URL rolls the pods", func(t *testing.T) {
		other := renderWith(t, "store.url=redis://other:6379/0", "adminToken="+token)
		a := get(t, got.objs["Deployment"], "spec", "template", "metadata", "annotations", "checksum/secret")
		b := get(t, other.objs["Deployment"], "spec", "template", "metadata", "annotations", "checksum/secret")
		if a == b {
			t.Errorf("checksum/secret did not change with the store URL: %v", a)
		}
	})

	t.Run("random token", func(t *testing.T) {
		a := renderWith(t, "store.url=memory", "replicaCount=1").secret(t)["admin-token"]
		b := renderWith(t, "store.url=memory", "replicaCount=1").secret(t)["admin-token"]
		if a == b || len(a) != 48 {
			t.Errorf("two installs got the tokens %q and %q: want two random ones of 48 characters", a, b)
		}
	})

	t.Run("existingSecret", func(t *testing.T) {
		got := renderWith(t, "existingSecret=team-a-phlomock")
		if _, ok := got.objs["Secret"]; ok {
			t.Error("a Secret rendered with existingSecret")
		}
		env := got.env(t)
		if env["PHLOMOCK_STORE"] != "secret:team-a-phlomock/store" || env["PHLOMOCK_ADMIN_TOKEN"] != "secret:team-a-phlomock/admin-token" {
			t.Errorf("with existingSecret: PHLOMOCK_STORE %q, PHLOMOCK_ADMIN_TOKEN %q", env["PHLOMOCK_STORE"], env["PHLOMOCK_ADMIN_TOKEN"])
		}
		if a, _ := get(t, got.objs["Deployment"], "spec", "template", "metadata").(map[string]any)["annotations"].(map[string]any); a["checksum/secret"] != nil {
			t.Error("a checksum of a Secret the chart does not render")
		}
	})
}

// TestChartValues: each value reaches the objects it says it sets.
func TestChartValues(t *testing.T) {
	scenarioFile := filepath.Join(t.TempDir(), "busy.yaml")
	if err := os.WriteFile(scenarioFile, []byte("name: busy\nrules: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := renderWith(t, "store.url="+redisURL, "replicaCount=5", "image.repository=registry.example/phlomock",
		"image.tag=v1.2.0", "image.pullPolicy=Always", "store.prefix=team-a:", "adminHosts={phlomock.example}",
		"adminOrigins={https://dash.example}", "scenario={bad-role,flaky}", "logFormat=text",
		"extraEnv.PHLOMOCK_JOURNAL_SIZE=5000", "extraEnv.PHLOMOCK_STRICT_IDS=true",
		"resources.limits.memory=512Mi", "resources.requests.cpu=250m", "resources.limits.cpu=2",
		"service.apiPort=80", "service.adminPort=9090", "serviceMonitor.enabled=true", "serviceMonitor.labels.release=prom",
		"probes.readiness.periodSeconds=5")
	d := got.objs["Deployment"]
	if n := get(t, d, "spec", "replicas"); n != 5 {
		t.Errorf("replicas: got %v, want 5", n)
	}
	c := got.container(t)
	if img := c["image"]; img != "registry.example/phlomock:v1.2.0" {
		t.Errorf("image: got %v", img)
	}
	if p := c["imagePullPolicy"]; p != "Always" {
		t.Errorf("imagePullPolicy: got %v", p)
	}
	wantEnv := map[string]string{
		"PHLOMOCK_STORE":         "secret:phlomock/store",
		"PHLOMOCK_STORE_PREFIX":  "team-a:",
		"PHLOMOCK_ADMIN_ADDR":    "0.0.0.0:8081",
		"PHLOMOCK_ADMIN_TOKEN":   "secret:phlomock/admin-token",
		"PHLOMOCK_ADMIN_HOSTS":   "phlomock.default,phlomock.default.svc,phlomock.default.svc.cluster.local,phlomock.example",
		"PHLOMOCK_ADMIN_ORIGINS": "https://dash.example",
		"PHLOMOCK_LOG_FORMAT":    "text",
		"PHLOMOCK_SCENARIO":      "bad-role,flaky",
		"GOMEMLIMIT":             "400MiB",
		"PHLOMOCK_JOURNAL_SIZE":  "5000",
		"PHLOMOCK_STRICT_IDS":    "true",
	}
	if env := got.env(t); !reflect.DeepEqual(env, wantEnv) {
		t.Errorf("env:\ngot  %v\nwant %v", env, wantEnv)
	}
	res := yamlText(t, get(t, c, "resources"))
	if want := "limits:\n    cpu: 2\n    memory: 512Mi\nrequests:\n    cpu: 250m\n    memory: 48Mi\n"; res != want {
		t.Errorf("resources:\n%s\nwant\n%s", res, want)
	}
	if p := get(t, c, "readinessProbe", "periodSeconds"); p != 5 {
		t.Errorf("readinessProbe.periodSeconds: got %v", p)
	}
	ports := yamlText(t, get(t, got.objs["Service"], "spec", "ports"))
	if want := "- name: api\n  port: 80\n  targetPort: api\n- name: admin\n  port: 9090\n  targetPort: admin\n"; ports != want {
		t.Errorf("Service ports:\n%s\nwant\n%s", ports, want)
	}
	sm, ok := got.objs["ServiceMonitor"]
	if !ok {
		t.Fatal("no ServiceMonitor with serviceMonitor.enabled=true")
	}
	if l := get(t, sm, "metadata", "labels", "release"); l != "prom" {
		t.Errorf("ServiceMonitor label release: got %v", l)
	}
	ep := yamlText(t, get(t, sm, "spec", "endpoints", 0))
	for _, w := range []string{"path: /metrics", "port: admin", "type: Bearer", "name: phlomock", "key: admin-token"} {
		if !strings.Contains(ep, w) {
			t.Errorf("ServiceMonitor endpoint: want %q in\n%s", w, ep)
		}
	}
	for k, v := range get(t, sm, "spec", "selector", "matchLabels").(map[string]any) {
		if l := get(t, got.objs["Service"], "metadata", "labels").(map[string]any)[k]; l != v {
			t.Errorf("the ServiceMonitor selects %s=%v; the Service has %v", k, v, l)
		}
	}

	t.Run("release and namespace", func(t *testing.T) {
		text, err := render(chartDir, options{release: "team-b", namespace: "testing", values: valueOptions{sets: []string{"store.url=" + redisURL}}})
		if err != nil {
			t.Fatal(err)
		}
		r := rendered{objs: decode(t, []byte(text))}
		for _, kind := range []string{"Deployment", "Service", "Secret"} {
			if n := get(t, r.objs[kind], "metadata", "name"); n != "team-b" {
				t.Errorf("%s name: got %v, want the release's, team-b", kind, n)
			}
		}
		if h := r.env(t)["PHLOMOCK_ADMIN_HOSTS"]; h != "team-b.testing,team-b.testing.svc,team-b.testing.svc.cluster.local" {
			t.Errorf("PHLOMOCK_ADMIN_HOSTS: got %q", h)
		}
	})

	t.Run("scenario files", func(t *testing.T) {
		got := renderWith(t, "store.url=memory", "replicaCount=1", "scenario=bad-role")
		got2, err := render(chartDir, options{release: "phlomock", namespace: "default", values: valueOptions{
			sets: []string{"store.url=memory", "replicaCount=1", "scenario=bad-role"}, setFiles: []string{"scenarioFiles.busy\\.yaml=" + scenarioFile}}})
		if err != nil {
			t.Fatal(err)
		}
		if s := got.env(t)["PHLOMOCK_SCENARIO"]; s != "bad-role" {
			t.Errorf("scenario as a string: PHLOMOCK_SCENARIO %q", s)
		}
		r := rendered{objs: decode(t, []byte(got2))}
		if s := r.env(t)["PHLOMOCK_SCENARIO"]; s != "bad-role,/etc/phlomock/scenarios/busy.yaml" {
			t.Errorf("PHLOMOCK_SCENARIO: got %q", s)
		}
		if data := get(t, r.objs["ConfigMap"], "data", "busy.yaml"); data != "name: busy\nrules: []\n" {
			t.Errorf("ConfigMap busy.yaml: got %q", data)
		}
		mount := yamlText(t, get(t, r.container(t), "volumeMounts"))
		if want := "- mountPath: /etc/phlomock/scenarios\n  name: scenarios\n  readOnly: true\n"; mount != want {
			t.Errorf("volumeMounts:\n%s", mount)
		}
		if n := get(t, r.objs["Deployment"], "spec", "template", "spec", "volumes", 0, "configMap", "name"); n != "phlomock-scenarios" {
			t.Errorf("the volume's ConfigMap: %v", n)
		}
	})

	// GOMEMLIMIT follows the memory limit (25/32 of it) unless set.
	for _, c := range []struct{ limit, goMemLimit, want string }{
		{"256Mi", "", "200MiB"},
		{"1Gi", "", "800MiB"},
		{"250Mi", "", "200000KiB"},
		{"268435456", "", "200MiB"},
		{"256Mi", "150MiB", "150MiB"},
	} {
		got := renderWith(t, "store.url=memory", "replicaCount=1", "resources.limits.memory="+c.limit, "goMemLimit="+c.goMemLimit)
		if g := got.env(t)["GOMEMLIMIT"]; g != c.want {
			t.Errorf("limits.memory %s, goMemLimit %q: GOMEMLIMIT %q, want %q", c.limit, c.goMemLimit, g, c.want)
		}
	}
	if _, ok := renderWith(t, "store.url=memory", "replicaCount=1", "resources=null").env(t)["GOMEMLIMIT"]; ok {
		t.Error("GOMEMLIMIT without a memory limit")
	}
}

// TestChartRefuses: values that cannot work fail the render, before
// anything is applied, with a message naming the value.
func TestChartRefuses(t *testing.T) {
	const store = "store.url=" + redisURL
	for _, c := range []struct {
		name string
		sets []string
		want string
	}{
		{"replicas not a number", []string{store, "replicaCount=three"}, "at '/replicaCount': got string, want integer"},
		{"negative replicas", []string{store, "replicaCount=-1"}, "at '/replicaCount'"},
		{"a misspelt value", []string{store, "replicas=3"}, "additional properties 'replicas' not allowed"},
		{"a misspelt nested value", []string{store, "store.perfix=a:"}, "at '/store': additional properties 'perfix' not allowed"},
		{"no store", nil, "store.url is required"},
		{"an http store", []string{"store.url=http://redis:6379"}, "at '/store/url'"},
		{"memory with replicas", []string{"store.url=memory"}, "store.url is memory with replicaCount 3"},
		{"existingSecret and a store URL", []string{store, "existingSecret=mine"}, "existingSecret is set: leave store.url and adminToken empty"},
		{"existingSecret and a token", []string{"existingSecret=mine", "adminToken=0123456789abcdefgh"}, "existingSecret is set"},
		{"a bad Secret name", []string{"existingSecret=Team_A"}, "at '/existingSecret'"},
		{"a short token", []string{store, "adminToken=letmein"}, "adminToken has 7 characters: at least 16"},
		{"a token with a space", []string{store, "adminToken=two words here and more"}, "at '/adminToken'"},
		{"memory request above limit", []string{store, "resources.requests.memory=1Gi"}, "resources.requests.memory (1Gi) is above resources.limits.memory (256Mi)"},
		{"cpu request above limit", []string{store, "resources.requests.cpu=1500m"}, "resources.requests.cpu (1500m) is above resources.limits.cpu (1)"},
		{"a memory quantity in M", []string{store, "resources.limits.memory=256M"}, "at '/resources/limits/memory'"},
		{"a misspelt resource", []string{store, "resources.limits.memroy=1Gi"}, "additional properties 'memroy' not allowed"},
		{"GOMEMLIMIT at the limit", []string{store, "goMemLimit=256MiB"}, "goMemLimit 256MiB is not below resources.limits.memory 256Mi"},
		{"GOMEMLIMIT without its unit", []string{store, "goMemLimit=200Mi"}, "at '/goMemLimit'"},
		{"extraEnv sets the store", []string{store, "extraEnv.PHLOMOCK_STORE=redis://x:6379/0"}, "extraEnv.PHLOMOCK_STORE: the chart sets PHLOMOCK_STORE itself; set store.url instead"},
		{"extraEnv sets the token", []string{store, "extraEnv.PHLOMOCK_ADMIN_TOKEN=0123456789abcdefgh"}, "set adminToken instead"},
		{"extraEnv sets the address", []string{store, "extraEnv.PHLOMOCK_ADMIN_ADDR=127.0.0.1:8081"}, "set service.adminPort (the container listens on 8081) instead"},
		{"extraEnv bad name", []string{store, "extraEnv.phlomock-x=1"}, "at '/extraEnv'"},
		{"the same port twice", []string{store, "service.adminPort=8080"}, "service.apiPort and service.adminPort are both 8080"},
		{"a port out of range", []string{store, "service.apiPort=70000"}, "at '/service/apiPort'"},
		{"a pull policy", []string{store, "image.pullPolicy=Sometimes"}, "at '/image/pullPolicy': value must be one of"},
		{"a log format", []string{store, "logFormat=xml"}, "at '/logFormat'"},
		{"a scenario file name", []string{store, "scenarioFiles.busy=x"}, "at '/scenarioFiles'"},
		{"an origin with a path", []string{store, "adminOrigins={https://a.example/x}"}, "at '/adminOrigins/0'"},
		{"a ServiceMonitor interval", []string{store, "serviceMonitor.enabled=true", "serviceMonitor.interval=often"}, "at '/serviceMonitor/interval'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := render(chartDir, options{release: "phlomock", namespace: "default", values: valueOptions{sets: c.sets}})
			if err == nil {
				t.Fatalf("rendered with %q: want an error with %q", c.sets, c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("with %q:\n%v\nwant it to say %q", c.sets, err, c.want)
			}
		})
	}
}

// TestChartLint runs helm lint's rules on the chart, with the values of
// each way of installing it: nothing above INFO (the missing icon, which
// a chart of a fake without a logo keeps).
func TestChartLint(t *testing.T) {
	for _, sets := range [][]string{
		{"store.url=" + redisURL},
		{"store.url=memory", "replicaCount=1"},
		{"existingSecret=team-a", "serviceMonitor.enabled=true", "scenarioFiles.busy\\.yaml=name: busy"},
	} {
		msgs, err := lintChart(chartDir, options{namespace: "default", values: valueOptions{sets: sets}})
		if err != nil {
			t.Errorf("lint with %q: %v", sets, err)
		}
		for _, m := range msgs {
			if m.Severity > support.InfoSev || !strings.Contains(m.Error(), "icon is recommended") {
				t.Errorf("lint with %q: %v", sets, m)
			}
		}
	}
	// And the linter fails a chart whose values break it.
	if _, err := lintChart(chartDir, options{namespace: "default", values: valueOptions{sets: []string{"store.url=memory"}}}); err == nil || !strings.Contains(err.Error(), "replicaCount 3") {
		t.Errorf("lint with a memory store and 3 replicas: got %v", err)
	}
}

// TestRenderCommand: the command's exits and messages.
func TestRenderCommand(t *testing.T) {
	for _, c := range []struct {
		args       []string
		code       int
		out, errox string
	}{
		{[]string{"--set", "store.url=memory", "--set", "replicaCount=1", chartDir}, 0, "# Source: phlomock/templates/deployment.yaml", ""},
		{[]string{"--lint", "--set", "store.url=memory", "--set", "replicaCount=1", chartDir}, 0, "[INFO] Chart.yaml: icon is recommended", ""},
		{[]string{chartDir}, 2, "", "render: execution error at (phlomock/templates/validate.yaml"},
		{[]string{"--set", "replicaCount=x", chartDir}, 2, "", "at '/replicaCount'"},
		{[]string{"--lint", chartDir}, 2, "", "store.url is required"},
		{[]string{"-f", "no-such.yaml", chartDir}, 2, "", "no-such.yaml"},
		{[]string{"--set", "store.url=memory"}, 2, "", "usage: render"},
		{[]string{"--bogus", chartDir}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"--set", "store.url=memory", "no-such-chart"}, 2, "", "no-such-chart"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stdout.String(), c.out) || !strings.Contains(stderr.String(), c.errox) {
			t.Errorf("render %q: exit %d, stdout %.200q, stderr %q; want exit %d, %q, %q", c.args, code, stdout.String(), stderr.String(), c.code, c.out, c.errox)
		}
	}
}
