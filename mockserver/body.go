package mockserver

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

// body reads the body, up to Options.MaxBodyBytes (413), into the journal
// entry (base64 too when it is not UTF-8).
func (s *Server) body(x *request) *RequestError {
	raw, re := readBody(x.r, s.opts.MaxBodyBytes)
	x.raw = raw
	x.entry.Body = string(raw)
	if !utf8.Valid(raw) {
		x.entry.BodyBase64 = base64.StdEncoding.EncodeToString(raw)
	}
	return re
}

func readBody(r *http.Request, limit int64) ([]byte, *RequestError) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, refuse(CodeBodyTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes.", limit))
	}
	if b, ok := r.Body.(*arrivedBody); ok && b.off == 0 && b.err == nil && int64(len(b.data)) <= limit {
		b.off = len(b.data) // BodyFirst's: read already
		return b.data, nil
	}
	var raw []byte
	var err error
	if n := r.ContentLength; n > 0 {
		// The declared length, read in one buffer; a body longer than it
		// was declared is still caught by the limit.
		raw, err = readAllInto(make([]byte, 0, n+1), r.Body, limit+1)
	} else {
		raw, err = readAllInto(nil, r.Body, limit+1)
	}
	if int64(len(raw)) > limit {
		return raw[:limit], refuse(CodeBodyTooLarge, fmt.Sprintf("Request body too large: the limit is %d bytes.", limit))
	}
	if err != nil {
		return raw, refuse(CodeMalformedBody, "Invalid value provided for body. The body could not be read: "+err.Error()+".")
	}
	return raw, nil
}

// readAllInto appends what r holds to buf, up to limit bytes, like
// io.ReadAll(io.LimitReader(r, limit)) without the reader and with the
// caller's buffer.
func readAllInto(buf []byte, r io.Reader, limit int64) ([]byte, error) {
	if buf == nil {
		buf = make([]byte, 0, 512)
	}
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):cap(buf)]
		if left := limit - int64(len(buf)); int64(len(room)) > left {
			room = room[:left]
		}
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
