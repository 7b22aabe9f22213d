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
	dir := benchCache("prism")
	bin := filepath.Join(dir, "node_modules", ".bin", "prism")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if mode == "auto" {
		return "", nil
	}
	if err := npmInstall(prismPackage, dir, "PRISM=1", progress); err != nil {
		return "", err
	}
	return bin, nil
}

// npmInstall installs pkg into dir (its node_modules) with npm, after
// checking that the registry answers; why names the setting that asked for
// it, for the error when npm is missing.
func npmInstall(pkg, dir, why string, progress func(string, ...any)) error {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("%s needs npm: %w", why, err)
	}
	if out, err := exec.Command(npm, "view", pkg, "version").CombinedOutput(); err != nil {
		return fmt.Errorf("npm registry unreachable for %s: %v: %s", pkg, err, strings.TrimSpace(string(out)))
	}
	progress("installing %s into %s", pkg, dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm install %s: %v: %s", pkg, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// benchCache is where the peers are npm-installed, kept between runs.
func benchCache(name string) string {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "phlomock-bench", name)
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
