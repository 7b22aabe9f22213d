package proxy

import (
	"bytes"
	"net/http"

	"github.com/phlomock/phlomock/mockserver"
)

// AdminRoutes are the proxy's routes of the control plane, to add to the
// fake's (mockserver.Server.AdminHandler):
//
//	GET  /__admin/drift    the Report, as JSON (?format=text: as text)
//	POST /__admin/record   the recording as a scenario file (YAML), and
//	                       flush(it) when flush is not nil (serve writes
//	                       --record FILE); 409 when not recording
func (p *Proxy) AdminRoutes(o RecordOptions, flush func([]byte) error) []mockserver.AdminRoute {
	return []mockserver.AdminRoute{
		{Name: "drift", Method: http.MethodGet, Path: "/drift", Query: []string{"format"}, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rep := p.Report()
			switch r.URL.Query().Get("format") {
			case "", "json":
				mockserver.WriteJSON(w, http.StatusOK, rep)
			case "text":
				var b bytes.Buffer
				_ = WriteText(&b, rep)
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				_, _ = w.Write(b.Bytes())
			default:
				mockserver.WriteError(w, http.StatusBadRequest, "Invalid value provided for format. Allowed values are 'json' and 'text'.")
			}
		})},
		{Name: "record", Method: http.MethodPost, Path: "/record", Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if p.rec == nil {
				mockserver.WriteError(w, http.StatusConflict, "Not recording: start the proxy with --record FILE.")
				return
			}
			data, err := p.Recorded(o)
			if data != nil && flush != nil {
				// Written even when it does not validate: nothing
				// recorded is lost, and the error says what to fix.
				if ferr := flush(data); ferr != nil {
					mockserver.WriteError(w, http.StatusInternalServerError, "The recording was not written: "+ferr.Error())
					return
				}
			}
			if err != nil {
				mockserver.WriteError(w, http.StatusInternalServerError, "The recording was written but "+err.Error())
				return
			}
			w.Header().Set("Content-Type", "application/yaml")
			_, _ = w.Write(data)
		})},
	}
}
