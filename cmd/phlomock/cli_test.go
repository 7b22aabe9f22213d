package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
)

// run runs the command line args as the binary does, with an empty stdin.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return (&Main{Stdin: strings.NewReader("")}).Run(ctx, args, stdout, stderr)
}

// cli runs args and returns the exit code and what was printed, the final
// "phlomock: ERROR" line included, as the binary prints it.
func cli(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), args, &out, &errw)
	code = exitCode(err, &errw)
	return code, out.String(), errw.String()
}

// TestCLIRefusesStrayArguments: a command given an argument it does not take
// exits 2 naming it, and the flag the user probably meant; flags after the
// argument are read, not silently dropped (Go's flag package stops at the
// first argument), so nothing starts with a configuration nobody gave.
func TestCLIRefusesStrayArguments(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "my.yaml")
	writeFile(t, scenario, "version: 1\nname: mine\nrules:\n  - match: {operation: getPhlo}\n    respond: 500\n")
	specYAML := filepath.Join(dir, "api.yaml")
	writeFile(t, specYAML, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")
	specJSON := filepath.Join(dir, "api.json")
	writeFile(t, specJSON, `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}`)
	collection := filepath.Join(dir, "c.json")
	writeFile(t, collection, `{"info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}, "item": []}`)
	missing := filepath.Join(dir, "nope.yml")

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"stray word before a flag", []string{"serve", "stray", "--addr", "127.0.0.1:0"}, `serve takes no arguments, got "stray": run 'phlomock help serve' for the flags`},
		{"scenario file, then flags", []string{"serve", scenario, "--log-level", "debug"}, `got "` + scenario + `": to serve a scenario file, use --scenario ` + scenario},
		{"OpenAPI YAML", []string{"serve", specYAML}, "to serve an OpenAPI file, use --spec " + specYAML},
		{"OpenAPI JSON", []string{"serve", specJSON}, "to serve an OpenAPI file, use --spec " + specJSON},
		{"Postman collection", []string{"serve", collection}, "this is a Postman collection: derive a spec with 'phlomock derive " + collection},
		{"missing .yml", []string{"serve", missing}, "to serve a scenario file, use --scenario " + missing},
		{"built-in scenario name", []string{"serve", "bad-role"}, `got "bad-role": to serve a built-in scenario, use --scenario bad-role`},
		{"address", []string{"serve", ":18080"}, "to listen on an address, use --addr :18080"},
		{"port", []string{"serve", "18080"}, "to listen on a port, use --addr 127.0.0.1:18080"},
		{"boolean value apart", []string{"serve", "--watch", "false"}, `got "false": a boolean flag takes its value after =, as in --watch=false`},
		{"after --", []string{"serve", "--", "--addr"}, `serve takes no arguments, got "--addr"`},
		{"healthcheck", []string{"healthcheck", "extra"}, `healthcheck takes no arguments, got "extra"`},
		{"version", []string{"version", "extra"}, `version takes no arguments, got "extra"`},
		{"conform URL", []string{"conform", "http://127.0.0.1:8080"}, "to judge a deployment, use --target http://127.0.0.1:8080"},
		{"conform scenario", []string{"conform", "my.yaml"}, "to run a scenario's interactions, use --scenario my.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := cli(t, c.args...)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, c.want)
			assert.Empty(t, out, "nothing was served or printed")
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line, not the usage: %s", errOut)
		})
	}
}

// TestCLIUnknownFlags: an unknown flag is one line with a did-you-mean,
// not the flag list.
func TestCLIUnknownFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"--port is --addr", []string{"serve", "--port", "8080"}, "serve: unknown flag --port (did you mean --addr?); run 'phlomock help serve' for the flags"},
		{"=value form", []string{"serve", "--port=8080"}, "serve: unknown flag --port (did you mean --addr?)"},
		{"misspelt", []string{"serve", "--scenarios", "bad-role"}, "unknown flag --scenarios (did you mean --scenario?)"},
		{"single dash", []string{"serve", "-strict-id"}, "unknown flag --strict-id (did you mean --strict-ids?)"},
		{"after an argument", []string{"serve", "x", "--log-levl", "debug"}, "unknown flag --log-levl (did you mean --log-level?)"},
		{"a value that looks like a flag is a value", []string{"serve", "--auth-token", "-x", "--bogus"}, "unknown flag --bogus;"},
		{"nothing close", []string{"serve", "--frobnicate"}, "serve: unknown flag --frobnicate; run 'phlomock help serve' for the flags"},
		{"version", []string{"serve", "--version"}, "unknown flag --version (the version is 'phlomock --version')"},
		{"healthcheck --port", []string{"healthcheck", "--port", "8081"}, "healthcheck: unknown flag --port (did you mean --addr?)"},
		{"conform --url", []string{"conform", "--url", "http://x"}, "conform: unknown flag --url (did you mean --target?)"},
		{"certify --cmd", []string{"certify", "--cmd", "x"}, "certify: unknown flag --cmd (did you mean --driver?)"},
		{"bad value", []string{"serve", "--max-body", "lots"}, `serve: invalid value "lots" for flag -max-body`},
		{"a flag's first word", []string{"conform", "--phlo", "P1"}, "conform: unknown flag --phlo (did you mean --phlo-id?)"},
		{"--phlo is serve's --ids", []string{"serve", "--phlo", "P1"}, "serve: unknown flag --phlo (did you mean --ids?)"},
		{"--node", []string{"conform", "--node", "N1"}, "conform: unknown flag --node (did you mean --node-id?)"},
		{"the first word of several", []string{"serve", "--admin", "x"}, "serve: unknown flag --admin (did you mean --admin-addr, --admin-hosts, --admin-origins, --admin-prefix, --admin-token?)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := cli(t, c.args...)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, c.want)
			assert.Empty(t, out)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line, not the usage: %s", errOut)
		})
	}
}

// TestCLINearMissValues: a flag's value that is none of its choices names
// them and the one a near miss meant; an address that cannot be listened
// on says what to write, a bare port included (refused: Prism listens on
// 127.0.0.1 and WireMock on every interface, so either guess surprises).
// Exit 2, one line, before anything listens.
func TestCLINearMissValues(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a bare port", []string{"serve", "--addr", "22090"}, "--addr 22090 is a port alone: say the interface too, --addr 127.0.0.1:22090 (this machine only) or --addr :22090 (every interface)"},
		{"a bare admin port", []string{"serve", "--admin-addr", "8081"}, "--admin-addr 8081 is a port alone: say the interface too, --admin-addr 127.0.0.1:8081"},
		{"a URL", []string{"serve", "--addr", "http://127.0.0.1:8080/"}, `--addr "http://127.0.0.1:8080/": an address to listen on, not a URL: --addr 127.0.0.1:8080`},
		{"no port", []string{"serve", "--addr", "localhost"}, `--addr "localhost": want HOST:PORT, such as 127.0.0.1:8080 or :8080`},
		{"a port too big", []string{"serve", "--addr", "127.0.0.1:99999"}, `--addr "127.0.0.1:99999": port "99999" is not a number from 0 to 65535`},
		{"a named port", []string{"serve", "--addr", "127.0.0.1:http"}, `port "http" is not a number from 0 to 65535`},
		{"log format", []string{"serve", "--log-format", "jsn"}, `--log-format "jsn": want text or json (did you mean "json"?)`},
		{"log level", []string{"serve", "--log-level", "dbug"}, `--log-level "dbug": want debug, info, warn or error (did you mean "debug"?)`},
		{"report, another case", []string{"conform", "--report", "JSON"}, `conform: --report "JSON": want text or json (did you mean "json"?)`},
		{"certify report", []string{"certify", "--driver", "x", "--report", "txt"}, `certify: --report "txt": want text or json (did you mean "text"?)`},
		{"derive format", []string{"derive", "--format", "yml", "x.json"}, `derive: --format "yml": want yaml or json (did you mean "yaml"?)`},
		{"nothing near", []string{"serve", "--log-format", "xml"}, `--log-format "xml": want text or json`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := cli(t, c.args...)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, c.want)
			assert.NotContains(t, errOut, "scenarios activated", "refused before anything starts")
			assert.Empty(t, out)
		})
	}
}

// TestCLICommands: a misspelt command or help topic gets a did-you-mean; a
// flag before the command says where flags go.
func TestCLICommands(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"misspelt command", []string{"serv"}, 2, `unknown command "serv" (did you mean "serve"?)`},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate" (run 'phlomock help')`},
		{"flag first", []string{"--addr", ":0"}, 2, "flags come after the command, as in: phlomock serve --addr"},
		{"help misspelt", []string{"help", "conform2"}, 2, `help: unknown command "conform2" (did you mean "conform"?)`},
		{"help two topics", []string{"help", "serve", "derive"}, 2, "help takes one command"},
		{"no command", nil, 2, "usage: phlomock COMMAND"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := cli(t, c.args...)
			assert.Equal(t, c.code, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, c.want)
		})
	}
}

// TestCLIHelp: `phlomock help CMD` prints what `phlomock CMD -h` prints, and
// every command's help has a usage line, examples and its exit codes.
func TestCLIHelp(t *testing.T) {
	for _, c := range (&Main{}).commands() {
		t.Run(c.name, func(t *testing.T) {
			code, hOut, hErr := cli(t, c.name, "-h")
			assert.Equal(t, 0, code)
			code, out, errOut := cli(t, "help", c.name)
			assert.Equal(t, 0, code)
			assert.Equal(t, hOut+hErr, out+errOut, "help %s = %s -h", c.name, c.name)
			text := out + errOut
			if c.name == "help" {
				assert.Contains(t, text, "usage: phlomock COMMAND")
				return
			}
			for _, want := range []string{"usage:", "phlomock " + c.name, "Examples:\n  phlomock", "Exit status: 0"} {
				assert.Contains(t, text, want)
			}
			assert.NotRegexp(t, `(?m)^  -[a-z][a-z]`, text, "flags are spelt --name, as in the messages and the docs")
		})
	}
	code, out, _ := cli(t, "help")
	assert.Equal(t, 0, code)
	for _, c := range (&Main{}).commands() {
		assert.Contains(t, out, "  "+c.name+" ", "phlomock help lists %s", c.name)
	}
}

func TestCLIVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		code, out, errOut := cli(t, args...)
		assert.Equal(t, 0, code, "%v: %s", args, errOut)
		assert.Regexp(t, `^phlomock \S+\n$`, out, "%v", args)
	}
}

func TestBuildVersion(t *testing.T) {
	vcs := func(rev, modified string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/phlomock/phlomock", Version: "(devel)"}}
		bi.Settings = []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
		return bi
	}
	cases := []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{"-ldflags wins", "v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}}, "v1.2.3"},
		{"go install pkg@version", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.9.0"}}, "v0.9.0"},
		{"go build in a clone", "", vcs("5a685c5aa1b2c3d4e5f60718293a4b5c6d7e8f90", "false"), "5a685c5aa1b2"},
		{"uncommitted changes", "", vcs("5a685c5aa1b2c3d4e5f60718293a4b5c6d7e8f90", "true"), "5a685c5aa1b2-dirty"},
		{"no VCS (go test)", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"no build info", "", nil, "dev"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, buildVersion(c.ldflags, c.bi))
		})
	}
}

// TestServeScenarioNameDidYouMean: a built-in name typo exits 2 with the
// name meant.
func TestServeScenarioNameDidYouMean(t *testing.T) {
	cases := []struct{ arg, want string }{
		{"bad_role", `unknown scenario "bad_role"`},
		{"server-eror", `(did you mean "server-error"?)`},
		{"Bad-Role", `(did you mean "bad-role"?)`},
	}
	for _, c := range cases {
		t.Run(c.arg, func(t *testing.T) {
			code, out, errOut := cli(t, "serve", "--addr", "127.0.0.1:0", "--admin-addr", "", "--scenario", c.arg)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, c.want)
			assert.Empty(t, out, "nothing was served")
		})
	}
	code, _, errOut := cli(t, "serve", "--addr", "127.0.0.1:0", "--admin-addr", "", "--scenario", "bad_role")
	require.Equal(t, 2, code)
	assert.Contains(t, errOut, `(did you mean "bad-role"?)`)
}

// TestServeIDsNeedStrictIDs: --ids without --strict-ids would change
// nothing (every id exists), so it is refused rather than ignored.
func TestServeIDsNeedStrictIDs(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		code int
	}{
		{"flag", []string{"--ids", "P1/N1"}, nil, 2},
		{"variable", nil, map[string]string{"PHLOMOCK_IDS": "P1/N1"}, 2},
		{"strict off explicitly", []string{"--ids", "P1", "--strict-ids=false"}, nil, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, out, errOut := cli(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", ""}, c.args...)...)
			assert.Equal(t, c.code, code)
			assert.Contains(t, errOut, "--ids lists the only PHLOs and nodes that exist, which needs --strict-ids (or PHLOMOCK_STRICT_IDS=true)")
			assert.Empty(t, out)
		})
	}
	s := startServe(t, "--ids", "P1/N1", "--strict-ids")
	status, _ := hit(t, "GET", s.api+"/v1/phlo/P2", "")
	assert.Equal(t, 404, status, "with --strict-ids, --ids is the world")
}

func TestScenariosDidYouMean(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"show typo", []string{"scenarios", "show", "bad_role"}, `(did you mean "bad-role"?)`},
		{"subcommand typo", []string{"scenarios", "chek", "x.yaml"}, `unknown scenarios command "chek" (did you mean "check"?)`},
		{"a file instead of check", []string{"scenarios", "x.yaml"}, "to check this file: phlomock scenarios check x.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := cli(t, c.args...)
			assert.Equal(t, 2, code, "stderr: %s", errOut)
			assert.Contains(t, errOut, c.want)
		})
	}
}

// TestDocsServeConsole runs the console examples of docs/serve.md marked
// for it, as written: each "$ phlomock ..." line followed by its output
// ("..." stands for any text); a line with no output shown is not run (it
// would serve).
func TestDocsServeConsole(t *testing.T) {
	ran := 0
	for _, b := range doctest.Blocks(doctest.Read(t, "docs/serve.md")) {
		if b.Marker != "by TestDocsServeConsole" {
			continue
		}
		require.Equal(t, "console", b.Lang, "docs/serve.md:%d", b.Line)
		lines := strings.Split(strings.TrimSuffix(b.Text, "\n"), "\n")
		for i := 0; i < len(lines); i++ {
			cmdline, ok := strings.CutPrefix(lines[i], "$ phlomock ")
			require.Truef(t, ok, "docs/serve.md:%d: a console line that is neither a command nor its output: %q", b.Line, lines[i])
			var want []string
			for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "$ ") {
				i++
				want = append(want, lines[i])
			}
			if len(want) == 0 {
				continue
			}
			cmdline, _, _ = strings.Cut(cmdline, "#")
			t.Run(cmdline, func(t *testing.T) {
				_, _, errOut := cli(t, strings.Fields(cmdline)...)
				pattern := regexp.QuoteMeta(strings.Join(want, "\n"))
				pattern = strings.ReplaceAll(pattern, `\.\.\.`, ".*")
				assert.Regexp(t, "^"+pattern+"\n$", errOut)
			})
			ran++
		}
	}
	assert.GreaterOrEqual(t, ran, 3, "got too few examples run")
}
