package certify_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/phlomock/phlomock/certify"
	"github.com/phlomock/phlomock/contract"
	"github.com/phlomock/phlomock/mockserver"
)

// One vocabulary of codes: the fake's violation codes, conform's violation
// codes and certify's finding codes are spelled alike (lower case words
// joined by hyphens), and no spelling means two things.
func TestOneVocabularyOfCodes(t *testing.T) {
	spelling := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	owner := map[string]string{}
	add := func(pkg, code string) {
		assert.Regexp(t, spelling, code, "%s code %q", pkg, code)
		if other, dup := owner[code]; dup && other != pkg {
			t.Errorf("code %q is both %s's and %s's", code, other, pkg)
		}
		owner[code] = pkg
	}
	for _, c := range mockserver.Codes() {
		add("mockserver", string(c))
	}
	for _, c := range contract.Codes() {
		add("contract", string(c))
	}
	for _, c := range certify.Codes() {
		add("certify", string(c))
	}
	assert.Greater(t, len(owner), 40, "every package's codes were read")
}
