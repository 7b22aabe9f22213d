package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const docsPage = "../../../docs/helm.md"

// docsBlock returns the fenced block of docs/helm.md after the marker
// naming test.
func docsBlock(t *testing.T, test string) string {
	t.Helper()
	raw, err := os.ReadFile(docsPage)
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(raw), "<!-- doctest: by "+test+" -->\n")
	if !ok {
		t.Fatalf("docs/helm.md has no block marked by %s", test)
	}
	m := regexp.MustCompile("(?s)^```\\w*\n(.*?)\n```").FindStringSubmatch(after)
	if m == nil {
		t.Fatalf("docs/helm.md: no fenced block after the marker of %s", test)
	}
	return m[1]
}

// TestHelmDocsExample renders docs/helm.md's values file and checks that
// it does what the page says.
func TestHelmDocsExample(t *testing.T) {
	file := filepath.Join(t.TempDir(), "team-a.yaml")
	if err := os.WriteFile(file, []byte(docsBlock(t, "TestHelmDocsExample")), 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := render(chartDir, options{release: "team-a", namespace: "testing", values: valueOptions{files: []string{file}}})
	if err != nil {
		t.Fatalf("docs/helm.md's values file: %v", err)
	}
	got := rendered{objs: decode(t, []byte(text)), text: text}
	env := got.env(t)
	for k, want := range map[string]string{
		"PHLOMOCK_STORE":        "secret:team-a/store",
		"PHLOMOCK_STORE_PREFIX": "team-a:",
		"PHLOMOCK_SCENARIO":     "bad-role,/etc/phlomock/scenarios/busy.yaml",
		"GOMEMLIMIT":            "400MiB",
		"PHLOMOCK_ADMIN_HOSTS":  "team-a.testing,team-a.testing.svc,team-a.testing.svc.cluster.local",
	} {
		if env[k] != want {
			t.Errorf("%s: got %q, want %q", k, env[k], want)
		}
	}
	if img := got.container(t)["image"]; img != "registry.example/phlomock:v1" {
		t.Errorf("image: %v", img)
	}
	if s := got.secret(t)["store"]; s != "redis://team-a:PASSWORD@redis.example:6379/0" {
		t.Errorf("the Secret's store: %q", s)
	}
	if _, ok := got.objs["ServiceMonitor"]; !ok {
		t.Error("no ServiceMonitor")
	}
	scen := get(t, got.objs["ConfigMap"], "data", "busy.yaml").(string)
	var s struct {
		Name  string `yaml:"name"`
		Rules []any  `yaml:"rules"`
	}
	if err := yaml.Unmarshal([]byte(scen), &s); err != nil || s.Name != "busy" || len(s.Rules) != 1 {
		t.Errorf("the ConfigMap's busy.yaml: %v %+v\n%s", err, s, scen)
	}
}

// TestHelmDocsValues: docs/helm.md's table lists every value of
// values.yaml, each with its default, and no value the chart lacks.
func TestHelmDocsValues(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var vals map[string]any
	if err := yaml.Unmarshal(raw, &vals); err != nil {
		t.Fatal(err)
	}
	leaves := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
				walk(prefix+k+".", sub)
				continue
			}
			leaves[prefix+k] = v
		}
	}
	walk("", vals)

	doc, err := os.ReadFile(docsPage)
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| `([\\w.]+)` \\|([^|]*)\\|").FindAllStringSubmatch(string(doc), -1)
	table := map[string]string{}
	for _, r := range rows {
		table[r[1]] = strings.TrimSpace(r[2])
	}
	var keys []string
	for k := range leaves {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		def, ok := table[k]
		if !ok {
			t.Errorf("docs/helm.md's values table has no row for %s", k)
			continue
		}
		v := leaves[k]
		var want string
		switch v := v.(type) {
		case string:
			want = "`" + v + "`"
			if v == "" {
				want = ""
			}
		case []any:
			want = "`[]`"
		case map[string]any:
			want = "`{}`"
		default:
			b, _ := yaml.Marshal(v)
			want = "`" + strings.TrimSpace(string(b)) + "`"
		}
		// A computed default says how it is computed.
		computed := map[string]bool{"adminToken": true, "goMemLimit": true}
		if !computed[k] && def != want {
			t.Errorf("docs/helm.md: %s's default is %q; values.yaml has %q", k, def, want)
		}
	}
	for k := range table {
		if _, ok := leaves[k]; !ok {
			t.Errorf("docs/helm.md's values table has %s, which values.yaml does not", k)
		}
	}
}
