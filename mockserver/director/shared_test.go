package director_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/fake"
)

// With the scenarios in Redis, an upload that activates, on one fake, is
// taken up by the other (Follow); in memory each fake keeps its own.
func TestScenariosSharedByTwoFakes(t *testing.T) {
	onStores(t, func(t *testing.T, on store) {
		a, b := on(t, fake.Config{}, "success"), on(t, fake.Config{}, "success")
		require.Equal(t, 201, admin(t, a, "POST", "/__admin/scenarios", "application/yaml", uploaded, nil))
		if !strings.HasSuffix(t.Name(), "/redis") {
			assert.Equal(t, []string{"success"}, b.Director.Active())
			assert.NotContains(t, b.Director.Available(), "teapot")
			return
		}
		require.Eventually(t, func() bool { return slices.Equal(b.Director.Active(), []string{"teapot"}) },
			10*time.Second, 5*time.Millisecond, "b took up a's upload")
		assert.Equal(t, 418, send(t, b, "GET", phloPath, nil).status)
		require.Equal(t, 200, admin(t, b, "PUT", "/__admin/scenarios/active", "application/json", `{"names":["bad-role"]}`, nil))
		require.Eventually(t, func() bool { return slices.Equal(a.Director.Active(), []string{"bad-role"}) },
			10*time.Second, 5*time.Millisecond, "a took up b's activation")
	})
}
