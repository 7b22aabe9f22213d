package faketest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The test helper links no Redis client: a test that keeps the fake in
// memory does not build go-redis, and the Backend it may be given comes
// from the test (fake.Config.Backend), not from the helper. Package fake,
// which the helper builds the fake with, is held to the same.
func TestNoRedisInTheHelper(t *testing.T) {
	for _, pkg := range []string{"github.com/phlomock/phlomock/fake/faketest", "github.com/phlomock/phlomock/fake"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		require.NoError(t, err, string(out))
		for _, dep := range strings.Fields(string(out)) {
			if strings.Contains(dep, "go-redis") || strings.HasSuffix(dep, "/redisstore") {
				t.Errorf("go list -deps %s: got %s, want no Redis client", pkg, dep)
			}
		}
	}
}
