// Package syncbuf is a log sink for tests: a buffer that the goroutines of
// a fake, a proxy or a child process's pipe write while the test reads
// what they wrote so far. It is for tests only; production code logs
// through the slog.Logger it is given.
//
// Files: syncbuf.go (Buffer).
package syncbuf
