// Package benchkit holds what the benchmark programs (bench/run, bench/rss)
// share: the seed request they send, loopback ports, and a process's
// memory as /proc reads it.
//
// Files: benchkit.go.
package benchkit
