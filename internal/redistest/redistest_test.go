package redistest_test

import (
	"net"
	"testing"

	"github.com/phlomock/phlomock/internal/redistest"
)

func TestStartStopRestart(t *testing.T) {
	s := redistest.Start(t)
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	c.Close()
	s.Stop()
	if c, err := net.Dial("tcp", s.Addr); err == nil {
		c.Close()
		t.Fatalf("%s still answers after Stop", s.Addr)
	}
	s.Restart()
	c, err = net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatalf("dial %s after Restart: %v", s.Addr, err)
	}
	c.Close()
}
