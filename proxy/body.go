package proxy

import (
	"bytes"
	"io"
	"net/http"
)

// readBody reads up to limit bytes of r's body; whole says it was all.
func readBody(r *http.Request, limit int64) (raw []byte, whole bool, err error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true, nil
	}
	if n := r.ContentLength; n > 0 && n <= limit {
		// The usual case: one allocation of the announced length, then a
		// read that must see the end.
		raw = make([]byte, n)
		if _, err = io.ReadFull(r.Body, raw); err != nil {
			return nil, false, err
		}
		var one [1]byte
		m, err := io.ReadAtLeast(r.Body, one[:], 1)
		switch {
		case err == io.EOF:
			return raw, true, nil
		case m == 0:
			return nil, false, err
		}
		// More than announced (net/http's server never gives that): read
		// on, as below.
		raw = append(raw, one[0])
	}
	buf := bytes.NewBuffer(raw)
	_, err = buf.ReadFrom(io.LimitReader(r.Body, limit+1-int64(len(raw))))
	raw = buf.Bytes()
	if err != nil {
		return nil, false, err
	}
	if int64(len(raw)) > limit {
		return raw, false, nil
	}
	return raw, true, nil
}
