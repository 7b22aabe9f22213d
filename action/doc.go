// Package action holds the scripts of the GitHub action (action.yml at the
// repository's top, and action/stop/action.yml, its post step) and the test
// that runs them as a runner would: each `shell: bash` step's command, as
// written, with its env (the inputs substituted), GITHUB_OUTPUT, GITHUB_ENV,
// RUNNER_TEMP and GITHUB_ACTION_PATH set, the variables a step writes to
// GITHUB_ENV given to the next, and its outputs to the steps that read
// them. docs/github-action.md says how to use it.
//
// It is not a library: it has no exported API and nothing imports it.
package action
