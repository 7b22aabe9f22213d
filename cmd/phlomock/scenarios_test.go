package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/doctest"
	"github.com/phlomock/phlomock/mockserver/multiparty"
	"github.com/phlomock/phlomock/scenarios"
)

func runScenariosCmd(tb testing.TB, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"scenarios"}, args...), &out, &errOut)
	code = exitCode(err, &errOut)
	return out.String(), errOut.String(), code
}

func TestScenariosList(t *testing.T) {
	out, _, code := runScenariosCmd(t)
	require.Equal(t, 0, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, len(scenarios.BuiltinNames()))
	for i, name := range scenarios.BuiltinNames() {
		assert.True(t, strings.HasPrefix(lines[i], name+" "), "line %d: got %q, want it to start with %q", i, lines[i], name)
	}
	assert.Contains(t, out, "the contract's answers (the default) [default]")
	listOut, _, _ := runScenariosCmd(t, "list")
	assert.Equal(t, out, listOut)
}

func TestScenariosShow(t *testing.T) {
	for _, name := range scenarios.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			out, _, code := runScenariosCmd(t, "show", name)
			require.Equal(t, 0, code)
			want, err := scenarios.BuiltinYAML(name)
			require.NoError(t, err)
			assert.Equal(t, string(want), out)
		})
	}
}

func writeScenarioFile(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	require.NoError(tb, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestScenariosCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeScenarioFile(t, dir, "good.yaml", "version: 1\nname: good\nrules:\n  - {match: {operation: getPhlo}, respond: 500}\n")
	typo := writeScenarioFile(t, dir, "typo.yaml", "version: 1\nrules:\n  - match: {operation: getPhlo}\n    respnd: 500\n")
	badDelay := writeScenarioFile(t, dir, "delay.yaml", "version: 1\nrules:\n  - respond: {delay: 200 ms}\n")
	badOp := writeScenarioFile(t, dir, "op.yaml", "version: 1\nrules:\n  - match: {operation: getPhlos}\n    respond: 404\n")

	tests := []struct {
		name       string
		args       []string
		code       int
		wantOut    string
		wantErrors []string
	}{
		{"good file", []string{good}, 0, good + ": ok\n", nil},
		{"misspelled key", []string{typo}, 1, "", []string{typo + `:4:5: unknown key "respnd" (did you mean "respond"?)`}},
		{"bad duration", []string{badDelay}, 1, "", []string{badDelay + `:3:22: bad duration "200 ms": want a number with a unit, like 200ms or 1.5s`}},
		{"unknown operation", []string{badOp}, 1, "", []string{badOp + `:3:24: unknown operation id "getPhlos" (did you mean "getPhlo"?): want one of getConferenceBridge, getMultiPartyCall, getPhlo, runPhlo, updateConferenceMember, updateMember, updateMultiPartyCall`}},
		{"several files", []string{good, typo, filepath.Join(dir, "missing.yaml")}, 1, good + ": ok\n", []string{
			typo + `:4:5: unknown key "respnd" (did you mean "respond"?)`,
			filepath.Join(dir, "missing.yaml") + ": no such file or directory",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runScenariosCmd(t, append([]string{"check"}, tt.args...)...)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.wantOut, out)
			var got []string
			if errOut != "" {
				got = strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			}
			assert.Equal(t, tt.wantErrors, got)
		})
	}
}

func TestScenariosCheckBuiltins(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range scenarios.BuiltinNames() {
		data, err := scenarios.BuiltinYAML(name)
		require.NoError(t, err)
		files = append(files, writeScenarioFile(t, dir, name+".yaml", string(data)))
	}
	_, errOut, code := runScenariosCmd(t, append([]string{"check"}, files...)...)
	assert.Equal(t, 0, code, errOut)
}

func TestScenariosUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown subcommand", []string{"frobnicate"}, `unknown scenarios command "frobnicate"`},
		{"show without name", []string{"show"}, "scenarios show takes one scenario name"},
		{"show unknown", []string{"show", "nope"}, `unknown scenario "nope": want one of auth-failure, bad-role`},
		{"check without file", []string{"check"}, "scenarios check needs at least one file"},
		{"list with args", []string{"list", "x"}, "scenarios list takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runScenariosCmd(t, tt.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
}

// docs/scenarios.md shows `phlomock scenarios check scenarios/testdata/*.yaml`
// and its output; keep them true.
func TestScenariosCheckReadmeExample(t *testing.T) {
	const cmd = "$ phlomock scenarios check scenarios/testdata/*.yaml\n"
	_, shown, ok := strings.Cut(doctest.Read(t, "docs/scenarios.md"), cmd)
	require.True(t, ok, "docs/scenarios.md no longer shows the check example")
	shown, _, _ = strings.Cut(shown, "$ echo")

	t.Chdir("../..")
	files, err := filepath.Glob("scenarios/testdata/*.yaml")
	require.NoError(t, err)
	var out bytes.Buffer
	err = run(context.Background(), append([]string{"scenarios", "check"}, files...), &out, &out)
	assert.Equal(t, 1, exitCode(err, &out))
	assert.Equal(t, shown, out.String())
}

// transfer-flow's interactions agree with the call model: replaying them on
// a registry seeded from its world gives the statuses and errors they expect.
// (The fake does the same through HTTP.)
func TestTransferFlowInteractionsAgreeWithModel(t *testing.T) {
	s, err := scenarios.Builtin("transfer-flow")
	require.NoError(t, err)
	reg := multiparty.NewRegistry(multiparty.Options{})
	for _, p := range s.World.PHLOs {
		for _, n := range p.Nodes {
			var ms []multiparty.Member
			for _, m := range n.Members {
				ms = append(ms, multiparty.Member{Address: m.Address, Role: multiparty.Role(m.Role), State: multiparty.State(m.State)})
			}
			require.NoError(t, reg.Seed(p.ID, n.ID, ms))
		}
	}
	for _, in := range s.Interactions {
		pp := in.Request.PathParams
		body, _ := in.Request.Body.(map[string]any)
		_, err := reg.Apply(pp["phlo_id"], pp["node_id"], multiparty.ActionFrom(pp["member_address"], body))
		if in.Expect.Status < 300 {
			assert.NoError(t, err, in.Name)
			continue
		}
		require.Error(t, err, in.Name)
		assert.Equal(t, 400, in.Expect.Status, in.Name)
		assert.Contains(t, err.Error(), in.Expect.Error, in.Name)
	}
}
