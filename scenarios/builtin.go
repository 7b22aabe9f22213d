package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// ErrUnknownScenario is returned for a built-in scenario name that does not
// exist.
var ErrUnknownScenario = errors.New("unknown scenario")

// Default is the scenario the fake runs when none is chosen.
const Default = "success"

// BuiltinNames lists the built-in scenarios, sorted.
func BuiltinNames() []string {
	entries, _ := builtinFS.ReadDir("builtin") // embedded: cannot fail
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// BuiltinYAML returns the file of a built-in scenario exactly as embedded, to
// start a custom file from.
func BuiltinYAML(name string) ([]byte, error) {
	if !slices.Contains(BuiltinNames(), name) {
		return nil, fmt.Errorf("%w %q: want one of %s", ErrUnknownScenario, name, strings.Join(BuiltinNames(), ", "))
	}
	return builtinFS.ReadFile("builtin/" + name + ".yaml")
}

// Builtin parses a built-in scenario. Its File is "builtin/NAME.yaml".
func Builtin(name string) (*Scenario, error) {
	data, err := BuiltinYAML(name)
	if err != nil {
		return nil, err
	}
	return Parse("builtin/"+name+".yaml", data)
}
