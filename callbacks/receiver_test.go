package callbacks_test

import (
	"testing"

	"github.com/phlomock/phlomock/internal/sdktest"
)

func goReceiver(tb testing.TB, args ...string) *sdktest.Receiver {
	return sdktest.GoReceiver(tb, args...)
}

func nodeReceiver(tb testing.TB, token string) *sdktest.Receiver {
	return sdktest.NodeReceiver(tb, token)
}
