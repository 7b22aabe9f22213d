package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
)

// TestReadmeContainer runs the README's container recipe (the block of "In
// CI" marked `by TestReadmeContainer`) with bash, as written, with podman on
// this host without systemd, from a directory holding the repository's
// files and the README's my-bad-role.yaml. What differs: `make docker` is
// the image the package's tests build with it (IMAGE=phlomock:test, once),
// the container's name is unique, and the host ports are free ones. Its
// CONTAINERS_CONF comes from the block's own export, not from the test.
func TestReadmeContainer(t *testing.T) {
	pm := newPodman(t)
	root := repoRoot(t)
	var block, yaml string
	for _, b := range doctest.Blocks(doctest.Section(t, "README.md", "## In CI")) {
		if b.Marker == "by TestReadmeContainer" {
			block = b.Text
		}
	}
	require.NotEmpty(t, block, "README.md ## In CI has no block marked `by TestReadmeContainer`")
	for _, b := range doctest.Blocks(doctest.Section(t, "README.md", "## Script an error in a minute")) {
		if _, rest, ok := strings.Cut(b.Text, "cat > my-bad-role.yaml <<'EOF'\n"); ok {
			yaml, _, _ = strings.Cut(rest, "\nEOF\n")
		}
	}
	require.NotEmpty(t, yaml, "no my-bad-role.yaml in the README")
	localImage(t, pm, root)

	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() != ".git" && e.Name() != "my-bad-role.yaml" {
			require.NoError(t, os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())))
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "my-bad-role.yaml"), []byte(yaml+"\n"), 0o600))

	name := fmt.Sprintf("phlomock-readme-%d", os.Getpid())
	t.Cleanup(func() { _, _ = pm.run(t, startWait, "rm", "--force", "--time", "5", name) })
	script := block
	require.Contains(t, script, "make docker", "the recipe builds the image with make docker")
	script = regexp.MustCompile(`(?m)^make docker\b.*$`).ReplaceAllString(script, "true # make docker: built as "+image)
	script = regexp.MustCompile(`--name phlomock\b`).ReplaceAllString(script, "--name "+name)
	script = regexp.MustCompile(`(?m)rm -f phlomock$`).ReplaceAllString(script, "rm -f "+name)
	script = regexp.MustCompile(`(?m)" phlomock$`).ReplaceAllString(script, `" `+image)
	ports := map[string]string{}
	script = regexp.MustCompile(`127\.0\.0\.1:(\d+)\b`).ReplaceAllStringFunc(script, func(m string) string {
		p := strings.TrimPrefix(m, "127.0.0.1:")
		if ports[p] == "" {
			ports[p] = strconv.Itoa(freePort(t))
		}
		return "127.0.0.1:" + ports[p]
	})
	require.Contains(t, script, "--name "+name)
	require.Contains(t, script, image, "the image the run line names")

	ctx, cancel := context.WithTimeout(t.Context(), startWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -e\n"+script)
	cmd.Dir = dir
	cmd.Env = environWithout(withoutPhlomockEnv(pm.env), "CONTAINERS_CONF")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err != nil {
		t.Logf("logs of %s:\n%s", name, pm.logs(t, name))
	}
	require.NoErrorf(t, err, "the README's recipe, as run:\n%s\noutput:\n%s", script, out.String())
	assert.Contains(t, out.String(), `"status":"ready"`, "readyz answered")
	assert.Contains(t, out.String(), "Allowed values are 'customer' and 'agent'", "the mounted my-bad-role.yaml refused the cold transfer")
}
