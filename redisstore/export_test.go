package redisstore

// HoldWrites makes j's writer wait before each write until release is
// called (or j is closed), for tests of a replica whose queue is behind.
func HoldWrites(j *Journal) (release func()) {
	ch := make(chan struct{})
	j.hold.Store(&ch)
	return func() { j.hold.Store(nil); close(ch) }
}

// SyncsAsked is how many other replicas' reads j has been asked to write
// its queue for.
func SyncsAsked(j *Journal) int64 { return j.asks.Load() }
