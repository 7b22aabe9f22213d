package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// initWork are the calls that, in a package-level variable's initialiser,
// run in every start of the binary, whatever the subcommand (issue 31):
// compiling a pattern or a template, hashing a Lua script. Each has a lazy
// form (internal/lazyre, sync.OnceValue, redisstore's script).
var initWork = map[string]bool{
	"regexp.MustCompile": true, "regexp.Compile": true, "regexp.MustCompilePOSIX": true,
	"template.Must": true, "template.New": true,
	"redis.NewScript":                   true,
	"openapi3.NewRegexpFormatValidator": true,
}

// TestNoWorkAtInit reads every package of ours that the binary links and
// fails on a package-level variable whose initialiser does initWork: the
// class of cost that made a default serve take twice the bare handler's
// time from exec to its first answer.
func TestNoWorkAtInit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if eq .Module.Path \"github.com/phlomock/phlomock\"}}{{.Dir}}|{{join .GoFiles \"|\"}}{{end}}{{end}}", ".").Output()
	require.NoError(t, err)
	fset := token.NewFileSet()
	var found []string
	files := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) < 2 {
			continue
		}
		for _, name := range parts[1:] {
			path := filepath.Join(parts[0], name)
			f, err := parser.ParseFile(fset, path, nil, 0)
			require.NoError(t, err)
			files++
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				ast.Inspect(g, func(n ast.Node) bool {
					if _, ok := n.(*ast.FuncLit); ok {
						return false // runs when called, not at init
					}
					c, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					if s, ok := c.Fun.(*ast.SelectorExpr); ok {
						if x, ok := s.X.(*ast.Ident); ok && initWork[x.Name+"."+s.Sel.Name] {
							found = append(found, fset.Position(c.Pos()).String()+": "+x.Name+"."+s.Sel.Name)
						}
					}
					return true
				})
			}
		}
	}
	require.Greater(t, files, 100, "the listing read too few files to mean anything")
	require.Empty(t, found, "package-level work that runs in every start: make it lazy (internal/lazyre, sync.OnceValue)")
}
