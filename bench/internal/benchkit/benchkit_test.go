package benchkit

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatus(t *testing.T) {
	b := []byte("Name:\tphlomock\nVmHWM:\t   30000 kB\nVmRSS:\t   20480 kB\n")
	got, err := ParseStatus(b, "VmRSS:")
	require.NoError(t, err)
	assert.Equal(t, int64(20480*1024), got, "got %d, want %d", got, 20480*1024)
	_, err = ParseStatus(b, "VmSwap:")
	assert.Error(t, err)
	_, err = ParseStatus([]byte("VmRSS: 12 MB\n"), "VmRSS:")
	assert.Error(t, err)
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1000000: "1,000,000", 1234567: "1,234,567", 12345678: "12,345,678"} {
		got := Thousands(in)
		assert.Equal(t, want, got, "Thousands(%d): got %q, want %q", in, got, want)
	}
}

func TestStatusOfThisProcess(t *testing.T) {
	rss, err := Status(pidSelf(), "VmRSS:")
	require.NoError(t, err)
	assert.Positive(t, rss)
}

func pidSelf() int { return os.Getpid() }
