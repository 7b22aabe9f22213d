// Command readers measures the peak resident memory of N concurrent
// readers of a full journal (issue 26): the default 1,000 entries, each a
// 64 KiB body of "<" (six bytes each in JSON, "\u003c"), read through the
// control plane over loopback, 1, 4 and 16 readers at once. Each reader
// reads the whole journal: "before", one GET /__admin/journal?limit=1000
// answered as it was before the byte budget (the whole page marshalled at
// once); "after", the pages of the byte budget followed from after=0.
// Every measurement is a child process of its own (peak RSS is VmHWM, reset
// once the journal is filled), run interleaved in one invocation:
//
//	go run ./bench/readers
//
// It prints a markdown table and exits 0 whatever the figures: RSS is a
// measurement, never a test. It only listens and connects on 127.0.0.1.
//
// Files: main.go.
package main
