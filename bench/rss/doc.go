// Command rss measures what each structure of a running `phlomock serve`
// costs in resident memory (issue 16): a full 100,000-entry journal, 10,000
// live simulated calls, 500 rules in layered scenarios and a 500-operation
// --spec, each in its own serve process filled by real requests over
// loopback, against the default 1,000-entry journal filled the same way.
// It also works out the journal's bytes per entry beyond the body and
// answer it keeps. The inputs are internal/scalegen's, the ones the
// in-process scale benchmarks use.
//
//	go build -o bin/phlomock ./cmd/phlomock && go run ./bench/rss -phlomock bin/phlomock
//
// It prints a markdown table and exits 0 whatever the figures: RSS depends
// on the garbage collector's timing and is a measurement, never a test.
// It only ever listens and connects on 127.0.0.1.
//
// Files: main.go.
package main
