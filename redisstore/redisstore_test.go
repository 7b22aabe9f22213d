package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phlomock/phlomock/internal/redistest"
	"github.com/phlomock/phlomock/redisstore"
)

func TestOpen(t *testing.T) {
	s := redistest.Start(t)
	st, err := redisstore.Open(context.Background(), s.URL(3), "p:")
	require.NoError(t, err)
	defer st.Close()
	assert.Equal(t, "p:", st.Prefix())
	assert.Equal(t, 3, st.Client().Options().DB)
	require.NoError(t, st.Client().Set(context.Background(), "p:k", "v", 0).Err())
}

func TestOpenACLPasswordNeverShown(t *testing.T) {
	s := redistest.Start(t, "--requirepass", "s3cretpw")
	url := strings.Replace(s.URL(0), "redis://", "redis://default:s3cretpw@", 1)
	st, err := redisstore.Open(context.Background(), url, redisstore.DefaultPrefix)
	require.NoError(t, err)
	assert.NotContains(t, st.String(), "s3cretpw")
	st.Close()

	bad := strings.Replace(s.URL(0), "redis://", "redis://default:wrongpw@", 1)
	_, err = redisstore.Open(context.Background(), bad, redisstore.DefaultPrefix)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "wrongpw")
	assert.Contains(t, err.Error(), "store redis://default:xxxxx@"+s.Addr)
}

func TestOpenErrors(t *testing.T) {
	s := redistest.Start(t)
	addr := s.Addr
	s.Stop()
	cases := []struct {
		name, url, want string
		bad             bool
	}{
		{"not redis", "http://127.0.0.1:6379/0", "want redis://", true},
		{"no host", "redis:///0", "want redis://", true},
		{"bad db", "redis://u:pw9@127.0.0.1:6379/x", "store redis://u:xxxxx@127.0.0.1:6379/x", true},
		{"unreachable", "redis://u:pw9@" + addr + "/0", "store redis://u:xxxxx@" + addr + "/0", false},
		{"unreachable TLS", "rediss://" + addr + "/0", "store rediss://" + addr + "/0", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := redisstore.Open(context.Background(), c.url, "")
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "pw9")
			assert.Equal(t, c.bad, errors.Is(err, redisstore.ErrBadURL), "got %v", err)
		})
	}
}
