package main

// startStack is how much stack the main goroutine has from the start: as
// much as building the fake takes (the contract's loader and the scenario
// parser recurse deeply). A goroutine's stack starts at 8 KiB and doubles
// when a call needs more, and each doubling copies every frame on it,
// reading each function's stack map from the binary: growing it one step
// at a time under the loader's recursion cost a default serve 0.65 MiB of
// resident memory (pages of the binary's tables read once) and about 4 ms
// of CPU before its first answer (issue 31). Grown here, with one frame on
// it, the copy is one step and a few frames.
const startStack = 128 << 10

// growStack grows the calling goroutine's stack to more than startStack
// bytes, once: its frame alone needs that much. The runtime shrinks the
// stack again at a garbage collection if it stays mostly unused.
//
//go:noinline
func growStack() {
	var frame [startStack]byte
	keep(frame[:])
}

//go:noinline
func keep(b []byte) { b[len(b)-1] = 1 }
