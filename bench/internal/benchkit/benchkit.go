package benchkit

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The seed request: the Postman item's cold transfer, with the fake's
// default account.
const (
	SeedPath  = "/v1/phlo/P1/multi_party_call/N1"
	SeedBody  = `{"action":"cold_transfer","to":"+14152225555","role":"agent","trigger_source":"+14152223333"}`
	AuthID    = "MAPHLOMOCKDEFAULT001"
	AuthToken = "phlomock-default-auth-token"
	// SeedAuth is the Authorization header of AuthID and AuthToken.
	SeedAuth = "Basic TUFQSExPTU9DS0RFRkFVTFQwMDE6cGhsb21vY2stZGVmYXVsdC1hdXRoLXRva2Vu"
)

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Status reads a "Name: N kB" line of /proc/PID/status (name with its
// colon: "VmRSS:", "VmHWM:"), in bytes.
func Status(pid int, name string) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	n, err := ParseStatus(b, name)
	if err != nil {
		return 0, fmt.Errorf("pid %d: %w", pid, err)
	}
	return n, nil
}

// ParseStatus reads the line name of a /proc status file's text, in bytes.
func ParseStatus(b []byte, name string) (int64, error) {
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("unexpected %s line %q", name, strings.TrimSpace(line))
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no %s line in /proc status", name)
}

// Thousands writes n with thousands separators: 1234567 is "1,234,567".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
