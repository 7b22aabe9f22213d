package certify_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/certify"
)

// TestMissedClasses certifies, on the whole suite, one client per class
// certify let through before issue 25 (each a fault of the mutation
// driver): every one must be NOT certified. It uses only the API certify
// had then (Cases, Runner, Report.Certified), so it runs against that
// code too, where each of them was certified.
func TestMissedClasses(t *testing.T) {
	for _, fault := range []string{
		"short-timeout",             // a client timeout far below a second
		"log-token",                 // the token in the client's own log
		"error-quotes-credentials",  // the Auth ID and token in the client's error messages
		"wrong-host",                // a Host header that is not the base URL's
		"latin1-charset",            // a charset other than UTF-8 on a JSON body
		"sticky-config",             // keeps the first call's base URL and credentials
		"transfers-only-no-timeout", // no timeout, and no getPhlo to show it on
		"async-duplicate",           // sends again after the call returned
		// item 7: values the cases never showed
		"retry-after-seconds-only", // reads Retry-After as seconds only: a date is 0
		"dedupe-repeat",            // does not send the same action twice
		"idempotent-actions",       // takes a refused transition for done
		"call-before-hold",         // calls a member the call does not know, then holds
		"hangup-forgets",           // refuses, without sending, any action after a hangup
	} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			rep, err := helperRunner(t, fault, 0).Run(context.Background(), certify.Cases())
			require.NoError(t, err)
			assert.False(t, rep.Certified(), "%s: certified, want it refused", fault)
			if fault == "async-duplicate" {
				// found, and on the case that made the request, not a later one
				var on []string
				for _, res := range rep.Results {
					for _, f := range res.Findings {
						if f.Code == certify.Code("sent-after-return") {
							on = append(on, res.Case.ID)
						}
					}
				}
				assert.NotEmpty(t, on, "no request reported as sent after its call returned")
				for _, res := range rep.Results {
					for _, f := range res.Findings {
						assert.NotEqual(t, certify.Code("sent-extra-requests"), f.Code, "%s: a late request blamed on %s", fault, res.Case.ID)
					}
				}
			}
		})
	}
}
