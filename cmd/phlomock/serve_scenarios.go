package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
	"github.com/phlomock/phlomock/mockserver/scripted"
	"github.com/phlomock/phlomock/scenarios"
)

// The --scenario arguments are read here, at start and on every --watch
// reload alike.

func (c *serveConfig) scenarioArgs() []string {
	if len(c.scenarios.values) == 0 {
		if c.noDefaultScenario {
			return nil
		}
		return []string{scenarios.Default}
	}
	return c.scenarios.values
}

// isScenarioFile tells a --scenario FILE from a built-in NAME: a file has a
// YAML extension or a path separator.
func isScenarioFile(arg string) bool {
	ext := filepath.Ext(arg)
	return ext == ".yaml" || ext == ".yml" || strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator)
}

func scenarioFiles(args []string) []string {
	var files []string
	for _, a := range args {
		if isScenarioFile(a) {
			files = append(files, a)
		}
	}
	return files
}

// A nameError is a --scenario NAME that names no scenario: a misuse of the
// command line (exit 2), where a bad file is bad input (exit 1).
type nameError struct {
	err  error  // the Director's, naming the choices
	near string // the name meant, if one is close
}

func (e *nameError) Error() string {
	if e.near != "" {
		return fmt.Sprintf("%v (did you mean %q?)", e.err, e.near)
	}
	return fmt.Sprintf("%v (or a .yaml file)", e.err)
}

func (e *nameError) Unwrap() error { return e.err }

// loadScenarios reads the --scenario arguments in order (scenario names and
// files), validates them all and activates them at once; the files are then
// loaded into d so the control plane and the header can name them. Every
// problem of every file is reported; on error nothing changes. An unknown
// name is a *nameError. With resume, a replica starting beside others
// (Director.Start): the calls in progress in a shared store are kept, and
// a shared state started with the same arguments is taken up as it is.
func loadScenarios(args []string, d *scripted.Director, resume bool) error {
	var all, files []*scenarios.Scenario
	var errs []error
	for _, arg := range args {
		if !isScenarioFile(arg) {
			ss, err := d.Lookup(arg)
			if err != nil {
				errs = append(errs, &nameError{err, didyoumean.Closest(arg, d.Available())})
			}
			all = append(all, ss...)
			continue
		}
		data, err := readInput(arg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", arg, err))
			continue
		}
		s, err := d.CheckFile(arg, data) // every problem, as scenarios check finds them
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all, files = append(all, s), append(files, s)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if resume {
		return d.Start(all, files)
	}
	return d.Replace(all, files)
}
