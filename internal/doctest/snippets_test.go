package doctest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/fake/faketest"
	"github.com/phlomock/phlomock/internal/doctest"
	"github.com/phlomock/phlomock/internal/sdktest"
)

// readmeBlocks returns the README's blocks of lang under heading.
func readmeBlocks(tb testing.TB, heading, lang string) []string {
	tb.Helper()
	var out []string
	for _, b := range doctest.Blocks(doctest.Section(tb, "README.md", heading)) {
		if b.Lang == lang {
			out = append(out, b.Text)
		}
	}
	return out
}

// TestReadmeClientSnippets runs the quick start's client snippets, as
// written, against a fake (only its address differs): plivo-node's with
// node and the driver's npm packages, plivo-go's and the reference client's
// inside a main of a module of their own. plivo-python's cannot be run
// (PyPI is out of this project's reach): the request plivo-python 4.59.5
// sent for the same call, from its capture, is sent instead.
func TestReadmeClientSnippets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go programs and runs node; skipped with -short")
	}
	root := doctest.Root(t)
	gos := readmeBlocks(t, "## Quick start", "go")
	require.Len(t, gos, 2, "the quick start's Go snippets: plivo-go's, then the reference client's")
	js := readmeBlocks(t, "## Quick start", "js")
	require.Len(t, js, 1)
	py := readmeBlocks(t, "## Quick start", "python")
	require.Len(t, py, 1)

	fake := faketest.NewServer(t, fake.Config{})
	at := func(s string) string { return strings.ReplaceAll(s, "http://127.0.0.1:8080", fake.URL) }

	t.Run("plivo-node", func(t *testing.T) {
		_, dir := sdktest.PlivoNode(t)
		cmd := exec.Command("node", "-e", at(js[0]))
		cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
		out, err := cmd.CombinedOutput()
		require.NoErrorf(t, err, "%s", out)
		assert.Contains(t, string(out), "apiId")
	})
	t.Run("plivo-python, its captured request", func(t *testing.T) {
		req := pythonCaptured(t, filepath.Join(root, "mockserver/testdata/wire/plivo-python-4.59.5.txt"), py[0])
		u, err := url.Parse(fake.URL)
		require.NoError(t, err)
		req.URL.Scheme, req.URL.Host, req.Host = u.Scheme, u.Host, u.Host
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, 201, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"api_id"`)
	})
	t.Run("reference client", func(t *testing.T) {
		sdktest.Need(t, sdktest.HasCommand("go"), "the go command")
		main := "package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\n\t\"github.com/phlomock/phlomock/client\"\n)\n\nfunc main() {\n\tctx := context.Background()\n" +
			at(gos[1]) + "\tif err != nil {\n\t\tpanic(err)\n\t}\n\tfmt.Println(\"api_id\", res.APIID)\n}\n"
		out := goModule(t, root, map[string]string{"main.go": main}, "run", ".")
		assert.Contains(t, out, "api_id ")
	})
	t.Run("plivo-go", func(t *testing.T) {
		_, dir := sdktest.PlivoGo(t)
		main := "package main\n\nimport (\n\t\"fmt\"\n\t\"net/url\"\n\n\t\"github.com/plivo/plivo-go/v7\"\n)\n\nfunc main() {\n" +
			at(gos[0]) + "\tif err != nil {\n\t\tpanic(err)\n\t}\n\tfmt.Println(\"api_id\", res.ApiID)\n}\n"
		out := plivoGoModule(t, dir, main)
		assert.Contains(t, out, "api_id ")
	})
}

// TestReadmeGoTest runs the README's Go test, as written, in a module of
// its own, with the scenario file of the README's "Your own file" block as
// testdata/my-bad-role.yaml.
func TestReadmeGoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go module; skipped with -short")
	}
	root := doctest.Root(t)
	tests := readmeBlocks(t, "## In Go tests", "go")
	require.Len(t, tests, 1)
	var yaml string
	for _, b := range readmeBlocks(t, "## Script an error in a minute", "sh") {
		if _, rest, ok := strings.Cut(b, "cat > my-bad-role.yaml <<'EOF'\n"); ok {
			yaml, _, _ = strings.Cut(rest, "\nEOF\n")
		}
	}
	require.NotEmpty(t, yaml, "no my-bad-role.yaml in the README")
	out := goModule(t, root, map[string]string{"app_test.go": tests[0], "testdata/my-bad-role.yaml": yaml + "\n"}, "test", "-v", ".")
	assert.Contains(t, out, "--- PASS: TestColdTransferRefused")
}

// goModule writes files into a new module that requires this repository
// (replaced by its working tree, so no network is needed) and runs go with
// args there.
func goModule(t *testing.T, root string, files map[string]string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	gomod := "module example.com/app\n\ngo 1.25.0\n\nrequire github.com/phlomock/phlomock v0.0.0\n\nreplace github.com/phlomock/phlomock => " + root + "\n"
	// A replace of this repository's go.mod (third_party/jsonschema, whose
	// metaschemas compile on first use) applies only to this repository's
	// own builds; a module that requires it resolves the upstream module
	// instead, whose checksum go.sum no longer holds. The same replace here
	// keeps the module buildable without the network.
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	for _, line := range strings.Split(string(mod), "\n") {
		if from, to, ok := strings.Cut(strings.TrimPrefix(line, "replace "), " => ./"); ok && strings.HasPrefix(line, "replace ") {
			gomod += "replace " + from + " => " + filepath.Join(root, to) + "\n"
		}
	}
	files["go.mod"] = gomod
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	files["go.sum"] = string(sum)
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	require.NoErrorf(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// plivoGoModule runs main in a copy of the plivo-go driver's module (its
// go.mod and go.sum pin plivo-go 7.60.2).
func plivoGoModule(t *testing.T, driverDir, main string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(driverDir, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644))
	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoErrorf(t, err, "go run:\n%s", out)
	return string(out)
}

// pythonCaptured finds, in plivo-python's capture, the request the README's
// plivo-python snippet makes: its method's action with the snippet's
// keyword arguments, under the snippet's phlo_base_uri, sent with the
// snippet's credentials and plivo-python's other headers.
func pythonCaptured(t *testing.T, capture, snippet string) *http.Request {
	t.Helper()
	arg := func(name string) string {
		m := regexp.MustCompile(name + `\s*=\s*'([^']*)'`).FindStringSubmatch(snippet)
		require.NotNilf(t, m, "the snippet sets no %s", name)
		return m[1]
	}
	call := regexp.MustCompile(`\.get\('([^']+)'\)\.multi_party_call\('([^']+)'\)\.(\w+)\(`).FindStringSubmatch(snippet)
	require.NotNil(t, call, "the snippet's call")
	base, err := url.Parse(arg("client.phlo_base_uri"))
	require.NoError(t, err)
	want := map[string]any{"action": call[3], "trigger_source": arg("trigger_source"), "to": arg("to"), "role": arg("role")}
	path := base.Path + "/phlo/" + call[1] + "/multi_party_call/" + call[2] + "/" // plivo-python's trailing slash

	raw, err := os.ReadFile(capture)
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	for i, line := range lines {
		if line != ">> POST "+path || i+2 >= len(lines) {
			continue
		}
		body := strings.TrimPrefix(lines[i+2], "   body: ")
		body = strings.TrimSuffix(strings.TrimPrefix(body, "'"), "'")
		var got map[string]any
		if json.Unmarshal([]byte(body), &got) != nil || !reflect.DeepEqual(got, want) {
			continue
		}
		req, err := http.NewRequest("POST", base.String()+path[len(base.Path):], strings.NewReader(body))
		require.NoError(t, err)
		for _, kv := range strings.Split(strings.TrimPrefix(lines[i+1], "   headers: "), "; ") {
			k, v, _ := strings.Cut(kv, "=")
			if k != "Host" && k != "Content-Length" && k != "Authorization" {
				req.Header.Set(k, v)
			}
		}
		req.SetBasicAuth(arg("auth_id"), arg("auth_token"))
		return req
	}
	t.Fatalf("%s has no POST %s with body %v: the README's plivo-python snippet makes a call that was never captured", capture, path, want)
	return nil
}
