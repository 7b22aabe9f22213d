package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/phlomock/phlomock/fake"
	"github.com/phlomock/phlomock/openapi"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/phlomock/phlomock/mockserver/director"
)

// phloOperations are the operations the built-in scenarios script: a spec
// without them (a --spec of another API) starts with no scenario.
var phloOperations = []string{openapi.OpRunPhlo, openapi.OpGetPhlo, openapi.OpGetMultiPartyCall, openapi.OpUpdateMultiPartyCall, openapi.OpUpdateMember}

// isPHLOSpec reports whether doc defines the PHLO runner's operations.
func isPHLOSpec(doc *openapi3.T) bool {
	have := map[string]bool{}
	for _, id := range director.OperationIDs(doc) {
		have[id] = true
	}
	for _, id := range phloOperations {
		if !have[id] {
			return false
		}
	}
	return true
}

// servedAPI is what the start-up line says is served: the PHLO runner API,
// or the --spec's title.
func servedAPI(doc *openapi3.T, phlo bool) string {
	switch {
	case phlo:
		return "the PHLO runner API"
	case doc.Info != nil && doc.Info.Title != "":
		return doc.Info.Title
	}
	return "the --spec API"
}

// credentialsNote says, on the start-up line, what credentials the spec's
// security schemes accept: Basic auth ID:TOKEN for the PHLO runner API.
func credentialsNote(doc *openapi3.T, phlo bool, id, token string) string {
	basic := "Basic auth " + id + ":" + token
	if phlo || doc.Components == nil || len(doc.Components.SecuritySchemes) == 0 {
		if !phlo && (doc.Components == nil || len(doc.Components.SecuritySchemes) == 0) {
			return "no security schemes"
		}
		return basic
	}
	names := make([]string, 0, len(doc.Components.SecuritySchemes))
	for name := range doc.Components.SecuritySchemes {
		names = append(names, name)
	}
	sort.Strings(names)
	var notes []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			notes = append(notes, s)
		}
	}
	for _, name := range names {
		ref := doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		switch v := ref.Value; {
		case v.Type == "apiKey":
			add(fmt.Sprintf("API key %s (%s %s)", token, v.In, v.Name))
		case v.Type == "http" && strings.EqualFold(v.Scheme, "basic"):
			add(basic)
		default:
			add("bearer token " + token)
		}
	}
	return strings.Join(notes, ", ")
}

// builtinsForSpec refuses built-in scenario names with a spec that is not
// the PHLO runner's: they script its operations, and the Director's error
// would name a line of a built-in file the user never wrote.
func builtinsForSpec(args []string, doc *openapi3.T, spec string) error {
	var names []string
	for _, a := range args {
		if !fake.IsScenarioFile(a) {
			names = append(names, a)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("built-in scenario %s scripts the PHLO runner API, and --spec %s (%s) does not define its operations: write a scenario file for the spec's (%s)",
		strings.Join(names, ", "), spec, servedAPI(doc, false), strings.Join(director.OperationIDs(doc), ", "))
}
