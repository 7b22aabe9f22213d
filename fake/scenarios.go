package fake

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/phlomock/phlomock/internal/didyoumean"
	"github.com/phlomock/phlomock/scenarios"
)

// IsScenarioFile tells a scenario file from a built-in name in
// Config.Scenarios: a file has a YAML extension or a path separator.
func IsScenarioFile(arg string) bool {
	ext := filepath.Ext(arg)
	return ext == ".yaml" || ext == ".yml" || strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator)
}

// ScenarioFiles are the files among args (IsScenarioFile).
func ScenarioFiles(args []string) []string {
	var files []string
	for _, a := range args {
		if IsScenarioFile(a) {
			files = append(files, a)
		}
	}
	return files
}

// A NameError is a scenario name in Config.Scenarios that names no
// scenario: on a command line, a misuse (exit 2) where a bad file is bad
// input.
type NameError struct {
	Err  error  // the director's, naming the choices
	Near string // the name meant, if one is close
}

// Error is the director's, which names the name meant (Near) when one is
// close, or says a file is taken too.
func (e *NameError) Error() string {
	if e.Near != "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v (or a .yaml file)", e.Err)
}

func (e *NameError) Unwrap() error { return e.Err }

// A ScenarioError is why Config.Scenarios and Active (or Load's args)
// could not be activated: every problem of every one, joined (a
// *NameError among them for an unknown name).
type ScenarioError struct{ Err error }

func (e *ScenarioError) Error() string { return e.Err.Error() }
func (e *ScenarioError) Unwrap() error { return e.Err }

// Load reads args as Config.Scenarios are read (names and files, in
// order), validates them all and activates them, with parsed after them,
// at once; the files are loaded so the control plane and the header can
// name them. Every problem of every one is reported; on error nothing
// changes. It is how `serve --watch` reloads.
func (f *Fake) Load(args []string) error { return f.activate(args, nil, false) }

// activate is Load; with resume, a replica starting beside others
// (Director.Start): the calls in progress in a shared store are kept, and
// a shared state started with the same arguments is taken up as it is.
func (f *Fake) activate(args []string, parsed []*scenarios.Scenario, resume bool) error {
	if err := f.activateErr(args, parsed, resume); err != nil {
		return &ScenarioError{err}
	}
	return nil
}

func (f *Fake) activateErr(args []string, parsed []*scenarios.Scenario, resume bool) error {
	d := f.Director
	if d == nil {
		return errors.New("fake: Options.Store answers instead of the director: no scenarios")
	}
	read := f.cfg.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	var all, files []*scenarios.Scenario
	var errs []error
	for _, arg := range args {
		if !IsScenarioFile(arg) {
			ss, err := d.Lookup(arg)
			if err != nil {
				errs = append(errs, &NameError{err, didyoumean.Closest(arg, d.Available())})
			}
			all = append(all, ss...)
			continue
		}
		data, err := read(arg)
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
	all = append(all, parsed...)
	if resume {
		return d.Start(all, files)
	}
	return d.Replace(all, files)
}
