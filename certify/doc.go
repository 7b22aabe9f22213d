// Package certify certifies a PHLO runner client written in any language:
// it runs the client, through a driver (package certify/driver,
// docs/driver-protocol.md), against an in-process fake (package
// mockserver) and judges each case on what the client SENT and what it
// SURFACED.
package certify
