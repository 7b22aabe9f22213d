package main

import (
	"github.com/phlomock/phlomock/scenarios"
)

// scenarioArgs are the --scenario arguments, read by package fake at start
// and on every --watch reload alike (fake.Config.Scenarios).
func (c *serveConfig) scenarioArgs() []string {
	if len(c.scenarios.values) == 0 {
		if c.noDefaultScenario {
			return nil
		}
		return []string{scenarios.Default}
	}
	return c.scenarios.values
}
