package scenarios

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMarshalRoundTrip: every file this package ships or tests with,
// parsed, written by Marshal and parsed again, is the same scenario, and
// what Marshal wrote passes Check when the original did.
func TestMarshalRoundTrip(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range BuiltinNames() {
		data, err := BuiltinYAML(name)
		require.NoError(t, err)
		files["builtin/"+name] = data
	}
	paths, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		files[p] = data
	}
	parsed := 0
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(name, data)
			if err != nil {
				t.Skipf("does not parse (a test of errors): %v", err)
			}
			parsed++
			out, err := Marshal(s)
			require.NoError(t, err)
			back, err := Parse(name, out)
			require.NoError(t, err, "Marshal wrote:\n%s", out)
			assert.Equal(t, strip(s), strip(back), "Marshal wrote:\n%s", out)
			if s.Validate(known) == nil {
				_, err := Check(name, out, known)
				assert.NoError(t, err, "Marshal wrote:\n%s", out)
			}
			again, err := Marshal(back)
			require.NoError(t, err)
			assert.Equal(t, string(out), string(again), "stable: the same scenario is written the same way")
		})
	}
	assert.GreaterOrEqual(t, parsed, len(BuiltinNames())+1, "the round trip ran over the built-ins and full.yaml")
}

// TestMarshalQuotes: strings that a YAML reader could take for something
// else come back as the same strings, wherever they are.
func TestMarshalQuotes(t *testing.T) {
	odd := []string{"", " ", "on", "Off", "YES", "n", "~", "null", "NULL", "true", "1", "0755", "0x1F", "+14155550100",
		"1e3", ".inf", "-", "- x", "x: y", "a #b", "#c", "{{api_id}}", "[1]", "*alias", "&a", "!tag", "%d", "@x", "`x`",
		"'q'", `"dq"`, "a\nb", "trailing\n", " lead", "tail ", "tab\there", "\x00\x07", "é ü 中文 😀", "1:20", "<<",
		"2020-08-01", "2020-08-01 09:05:11.846982+00:00", "1_000", "1e-3", "0b101", "0o17", "12e", "1x", "5.2 POST answers 429",
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "2020-08-01x", "1.5", "-1", "Inf", "0E0", "|", ">", "?", "x\r\ny", "\u2028", "\ufeffbom", "C:\\dir"}
	for _, v := range odd {
		s := &Scenario{Version: Version, Name: v, Description: v,
			World: World{Accounts: []Account{{AuthID: v, AuthToken: v}}, PHLOs: []PHLO{{ID: v, Name: v, Nodes: []Node{{ID: v,
				Members:   []Member{{Address: v, Role: v}},
				Callbacks: &NodeCallbacks{URLs: []string{v}, From: v}}}}}},
			Rules: []Rule{{Name: v, Match: Match{Operation: v, Path: v, PathParams: map[string]string{v: v}, Body: map[string]string{v: v},
				Headers: map[string]string{v: v}},
				Respond: &Response{Status: 200, Headers: map[string]string{v: v}, Body: map[string]any{v: v, "l": []any{v, 1.5, true, nil}}}},
				{Name: "raw", Respond: &Response{Status: 200, Body: v, BodyRaw: true}}},
			Interactions: []Interaction{{Name: v, Request: InteractionRequest{Operation: v, Body: []any{v}},
				Expect: Expect{Status: 200, Body: map[string]any{v: v}, Error: v}}},
		}
		out, err := Marshal(s)
		require.NoError(t, err, "%q", v)
		back, err := Parse("odd.yaml", out)
		if strings.HasPrefix(v, "{{") {
			// A template is checked when parsed: {{api_id}} is one.
			require.NoError(t, err, "%q: Marshal wrote:\n%s", v, out)
		}
		require.NoError(t, err, "%q: Marshal wrote:\n%s", v, out)
		assert.Equal(t, strip(s), strip(back), "%q: Marshal wrote:\n%s", v, out)
	}
}

func TestMarshalShortForms(t *testing.T) {
	s := &Scenario{Name: "short", Rules: []Rule{
		{Name: "a", Respond: &Response{Status: 500}},
		{Name: "b", Respond: &Response{Delay: Delay{Min: 200 * time.Millisecond, Max: 200 * time.Millisecond}}},
		{Name: "c", Sequence: []Step{{Response: Response{Status: 500}, Times: 2}, {Response: Response{Drop: true}, Times: 1}}},
	}, World: World{PHLOs: []PHLO{{ID: "P1", Nodes: []Node{{ID: "N1", Callbacks: &NodeCallbacks{URLs: []string{"http://127.0.0.1:9/e"}}}}}}}}
	out, err := Marshal(s)
	require.NoError(t, err)
	for _, want := range []string{"version: 1\n", "respond: 500\n", "delay: 200ms\n", "url: \"http://127.0.0.1:9/e\"\n", "times: 2\n", "drop: true\n"} {
		assert.Contains(t, string(out), want)
	}
	assert.True(t, strings.HasPrefix(string(out), "version: 1\nname: short\n"), "version first:\n%s", out)
}

func TestMarshalRefusesWhatParseCannotReadBack(t *testing.T) {
	for name, s := range map[string]*Scenario{
		"not utf-8":  {Name: "x\xff"},
		"nan":        {Rules: []Rule{{Respond: &Response{Status: 200, Body: map[string]any{"n": nan()}}}}},
		"a channel":  {Rules: []Rule{{Respond: &Response{Status: 200, Body: map[string]any{"c": make(chan int)}}}}},
		"raw binary": {Rules: []Rule{{Respond: &Response{Status: 200, Body: "\xfe\xff", BodyRaw: true}}}},
	} {
		_, err := Marshal(s)
		assert.Error(t, err, name)
	}
}

func nan() float64 { z := 0.0; return z / z }

// strip zeroes what a file does not hold (positions, File, Source), so
// that two scenarios compare by what they say.
func strip(s *Scenario) *Scenario {
	c := *s
	c.File, c.Source = "", nil
	v := reflect.ValueOf(&c).Elem()
	zeroPositions(v)
	return &c
}

var posType = reflect.TypeOf(Pos{})

func zeroPositions(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == posType {
			v.Set(reflect.Zero(posType))
			return
		}
		for i := range v.NumField() {
			f := v.Field(i)
			if f.Type() == reflect.TypeOf(map[string]Pos(nil)) {
				f.Set(reflect.Zero(f.Type()))
				continue
			}
			zeroPositions(f)
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(cp, v)
		v.Set(cp)
		for i := range v.Len() {
			zeroPositions(v.Index(i))
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		cp := reflect.New(v.Type().Elem())
		cp.Elem().Set(v.Elem())
		v.Set(cp)
		zeroPositions(cp.Elem())
	case reflect.Interface:
		// JSON values hold no positions.
	}
}
