// Package scalegen generates the large inputs of the scale measurements
// (issue 16): a spec of many operations, as a --spec file holds it, and
// layered scenarios of many rules, as scenario files hold them. The
// in-process benchmarks (go test -bench BenchmarkScale) and the RSS
// measurement of a running `phlomock serve` (bench/rss) read the same ones.
//
// It is not a fixture library: what it generates is sized to measure, not
// to test behaviour.
//
// Files: scalegen.go.
package scalegen
