package postman

import "encoding/json"

// The raw* types mirror the JSON; fields that take several shapes stay
// json.RawMessage and are normalised by hand.
type rawCollection struct {
	Info     *rawInfo        `json:"info"`
	Item     []rawItem       `json:"item"`
	Auth     json.RawMessage `json:"auth"`
	Variable []rawVariable   `json:"variable"`
}

type rawInfo struct {
	Name        string          `json:"name"`
	Description json.RawMessage `json:"description"`
	Schema      string          `json:"schema"`
	Version     json.RawMessage `json:"version"`
}

type rawItem struct {
	Name        string          `json:"name"`
	Description json.RawMessage `json:"description"`
	Item        []rawItem       `json:"item"`
	Request     json.RawMessage `json:"request"`
	Response    []rawResponse   `json:"response"`
	Auth        json.RawMessage `json:"auth"`
}

type rawRequest struct {
	Method      string          `json:"method"`
	URL         json.RawMessage `json:"url"`
	Header      json.RawMessage `json:"header"`
	Body        *rawBody        `json:"body"`
	Auth        json.RawMessage `json:"auth"`
	Description json.RawMessage `json:"description"`
}

type rawURL struct {
	Raw      string          `json:"raw"`
	Protocol string          `json:"protocol"`
	Host     json.RawMessage `json:"host"`
	Port     string          `json:"port"`
	Path     json.RawMessage `json:"path"`
	Query    []rawKeyValue   `json:"query"`
	Variable []rawVariable   `json:"variable"`
}

type rawKeyValue struct {
	Key         string          `json:"key"`
	Value       json.RawMessage `json:"value"`
	Description json.RawMessage `json:"description"`
	Disabled    bool            `json:"disabled"`
}

type rawVariable struct {
	Key         string          `json:"key"`
	ID          string          `json:"id"`
	Value       json.RawMessage `json:"value"`
	Description json.RawMessage `json:"description"`
}

type rawBody struct {
	Mode       string        `json:"mode"`
	Raw        string        `json:"raw"`
	URLEncoded []rawKeyValue `json:"urlencoded"`
	FormData   []rawKeyValue `json:"formdata"`
	Options    struct {
		Raw struct {
			Language string `json:"language"`
		} `json:"raw"`
	} `json:"options"`
}

type rawResponse struct {
	Name            string          `json:"name"`
	OriginalRequest json.RawMessage `json:"originalRequest"`
	Code            int             `json:"code"`
	Status          string          `json:"status"`
	Header          json.RawMessage `json:"header"`
	Body            *string         `json:"body"`
	PreviewLanguage string          `json:"_postman_previewlanguage"`
}
