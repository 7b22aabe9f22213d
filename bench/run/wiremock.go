package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wiremockPackage is the npm package of WireMock: the standalone jar with a
// node launcher (issue 31 measured 3.13). The jar is started with java
// directly, so that the process measured (RSS, start-up) is the JVM, not a
// node parent.
const wiremockPackage = "wiremock@3"

// A wiremock is a WireMock jar and the java that runs it.
type wiremock struct {
	java, jar, version string
	// why is set when WireMock is installed but cannot run (no java).
	why string
}

// findWireMock returns WireMock for mode: "off" never, "auto" when its jar
// is in the user's cache directory, "install" from there or else
// npm-installed into it. It needs java on PATH to run; without it the jar
// is still found (and installed) and why says what is missing.
func findWireMock(mode string, progress func(string, ...any)) (*wiremock, error) {
	switch mode {
	case "off":
		return nil, nil
	case "auto", "install":
	default:
		return nil, fmt.Errorf("wiremock mode %q: want auto, off or install", mode)
	}
	dir := benchCache("wiremock")
	pkgDir := filepath.Join(dir, "node_modules", "wiremock")
	jar := wiremockJar(pkgDir)
	if jar == "" {
		if mode == "auto" {
			return nil, nil
		}
		if err := npmInstall(wiremockPackage, dir, "WIREMOCK=1", progress); err != nil {
			return nil, err
		}
		if jar = wiremockJar(pkgDir); jar == "" {
			return nil, fmt.Errorf("npm installed %s into %s but it holds no build/wiremock-standalone-*.jar", wiremockPackage, dir)
		}
	}
	w := &wiremock{jar: jar, version: npmVersion(pkgDir)}
	java, err := exec.LookPath("java")
	if err != nil {
		w.why = "no java on PATH (WireMock needs Java 11 or later)"
		return w, nil
	}
	w.java = java
	return w, nil
}

// javaVersion is the first line of java -version (which prints on
// stderr), or "".
func javaVersion(java string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, java, "-version").CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}

// wiremockJar is the standalone jar inside the npm package, or "".
func wiremockJar(pkgDir string) string {
	m, _ := filepath.Glob(filepath.Join(pkgDir, "build", "wiremock-standalone-*.jar"))
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}

// npmVersion is the version in dir/package.json, or "".
func npmVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct{ Version string }
	json.Unmarshal(b, &pkg)
	return pkg.Version
}

// wiremockStub is the seed's stub, what the bare handler does as WireMock
// says it: POST to the seed's path with the default account's Basic auth
// and a JSON body whose role is agent answers the baseline's constant 201.
const wiremockStub = `{
  "request": {
    "method": "POST",
    "urlPath": "` + seedPath + `",
    "basicAuthCredentials": {"username": "MAPHLOMOCKDEFAULT001", "password": "phlomock-default-auth-token"},
    "bodyPatterns": [{"matchesJsonPath": {"expression": "$.role", "equalTo": "agent"}}]
  },
  "response": {
    "status": 201,
    "headers": {"Content-Type": "application/json"},
    "body": "{\"api_id\":\"8c77b816-d621-4028-afc8-1aeab1d497a8\",\"error\":\"\"}"
  }
}
`

// wiremockWarmup is the least warm-up WireMock gets at each concurrency:
// the JVM compiles its hot paths over the first seconds of load, and a
// peer measured before that would be measured at its worst.
const wiremockWarmup = 10 * time.Second

// wiremockArgs is WireMock's best configuration for this load, as its
// documentation advises for performance: no request journal (it would
// keep every request), no request logging, no gzip (nobody asks for it
// here), no classpath scan for extensions, and container threads for
// every connection at once (its default, 25, would queue 64 connections'
// requests) plus Jetty's own acceptor and selector threads.
func wiremockArgs(conns int) []string {
	return []string{
		"--no-request-journal", "--disable-request-logging", "--disable-banner", "--disable-gzip",
		"--disable-extensions-scanning", "--container-threads", strconv.Itoa(max(25, 2*conns)),
	}
}

// target returns WireMock serving the seed's stub from a root directory
// made under dir, for loads of at most conns connections.
func (w *wiremock) target(dir string, conns, startRuns int) (target, error) {
	root := filepath.Join(dir, "wiremock")
	if err := os.MkdirAll(filepath.Join(root, "mappings"), 0o755); err != nil {
		return target{}, err
	}
	if err := os.WriteFile(filepath.Join(root, "mappings", "seed.json"), []byte(wiremockStub), 0o644); err != nil {
		return target{}, err
	}
	return target{
		name: "wiremock " + w.version,
		argv: func(addr, _ string) []string {
			host, port, _ := strings.Cut(addr, ":")
			return append([]string{w.java, "-jar", w.jar, "--bind-address", host, "--port", port, "--root-dir", root},
				wiremockArgs(conns)...)
		},
		ok:        func(s int) bool { return s == 201 },
		startRuns: startRuns,
		peer:      true,
		warmup:    wiremockWarmup,
	}, nil
}
