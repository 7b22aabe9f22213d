package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeGoVersion: the Go the README asks for, the GitLab example's
// image and CONTRIBUTING's toolchain check are go.mod's go line, so a
// dependency that raises it cannot leave the front door wrong.
func TestReadmeGoVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (1\.\d+)(\.\d+)?$`).FindStringSubmatch(string(mod))
	require.NotNil(t, m, "go.mod has a go line")
	minor, full := m[1], m[1]+m[2]
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), "(Go "+minor+" or later)")
	container, err := os.ReadFile("../../docs/container.md")
	require.NoError(t, err)
	imgs := regexp.MustCompile(`image: golang:(\S+)`).FindAllStringSubmatch(string(container), -1)
	require.NotEmpty(t, imgs, "docs/container.md's GitLab job names a golang image")
	for _, img := range imgs {
		assert.Equal(t, minor, img[1], "the GitLab job's golang image")
	}
	contributing, err := os.ReadFile("../../CONTRIBUTING.md")
	require.NoError(t, err)
	for _, tc := range regexp.MustCompile(`GOTOOLCHAIN=go(\S+)`).FindAllStringSubmatch(string(contributing), -1) {
		assert.Equal(t, full, tc[1], "CONTRIBUTING's toolchain check")
	}
	assert.True(t, strings.Contains(string(contributing), full+", because"), "CONTRIBUTING says why the go line is %s", full)
}
