package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// prismPackage is the npm package of Stoplight Prism, the peer measured in
// issue 7 (5.14 there).
const prismPackage = "@stoplight/prism-cli@5"

// findPrism returns the prism executable for mode: "off" never, "auto" when
// one is on PATH, "install" from PATH or else npm-installed into the user's
// cache directory (kept between runs: the install takes a minute).
func findPrism(mode string, progress func(string, ...any)) (string, error) {
	switch mode {
	case "off":
		return "", nil
	case "auto", "install":
	default:
		return "", fmt.Errorf("prism mode %q: want auto, off or install", mode)
	}
	if p, err := exec.LookPath("prism"); err == nil {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "phlomock-bench", "prism")
	bin := filepath.Join(dir, "node_modules", ".bin", "prism")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if mode == "auto" {
		return "", nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("PRISM=1 needs npm: %w", err)
	}
	if out, err := exec.Command(npm, "view", prismPackage, "version").CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm registry unreachable for %s: %v: %s", prismPackage, err, strings.TrimSpace(string(out)))
	}
	progress("installing %s into %s", prismPackage, dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", prismPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install %s: %v: %s", prismPackage, err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

// prismVersion returns the version in the package.json of the prism-cli
// that bin links to, or "": prism --version takes seconds to start node.
func prismVersion(bin string) string {
	dir, err := filepath.EvalSymlinks(bin)
	if err != nil {
		return ""
	}
	for dir != filepath.Dir(dir) {
		dir = filepath.Dir(dir)
		b, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			continue
		}
		var pkg struct{ Name, Version string }
		if json.Unmarshal(b, &pkg) == nil && pkg.Name == "@stoplight/prism-cli" {
			return pkg.Version
		}
	}
	return ""
}
