package proxy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/phlomock/phlomock/openapi"
	"github.com/phlomock/phlomock/scenarios"
)

// The operations whose answers describe the world.
const (
	opGetPhlo = openapi.OpGetPhlo
	opGetNode = openapi.OpGetMultiPartyCall
)

// maxRecorded bounds the distinct requests a recording keeps, and the
// exchanges it notes as not kept.
const maxRecorded = 10000

// recorded is one checked exchange, as a recording needs it.
type recorded struct {
	exchange    Exchange
	params      map[string]string
	query       string
	body        []byte
	answer      []byte
	contentType string
	retryAfter  string
	fakeAnswer  []byte
	valid       bool
	authID      string
}

// recorder keeps, per distinct request, every answer in order, and says
// why it kept no answer of the exchanges it could not (notes).
type recorder struct {
	mu      sync.Mutex
	order   []string
	byKey   map[string][]recorded
	authIDs map[string]bool
	notes   []string
	dropped int
}

func (r *recorder) add(x recorded) {
	key := requestKey(x)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey == nil {
		r.byKey, r.authIDs = map[string][]recorded{}, map[string]bool{}
	}
	if x.authID != "" {
		r.authIDs[x.authID] = true
	}
	if _, ok := r.byKey[key]; !ok {
		if len(r.order) >= maxRecorded {
			r.dropped++
			return
		}
		r.order = append(r.order, key)
	}
	r.byKey[key] = append(r.byKey[key], x)
}

// note keeps why exchange x has no answer to record (the target gave
// none, or one too large to check): it is listed in the file's comments.
func (r *recorder) note(x *Exchange, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.notes) >= maxRecorded {
		r.dropped++
		return
	}
	r.notes = append(r.notes, fmt.Sprintf("%s %q: %s", x.Method, x.Path, why))
}

// requestKey is what makes two requests the same one: operation, method,
// path parameters (the auth id aside) and body; the path for a request of
// no operation.
func requestKey(x recorded) string {
	params := maps.Clone(x.params)
	delete(params, "auth_id")
	where := ""
	if x.exchange.Operation == "" {
		where = x.exchange.Path // no operation: its path tells requests apart
	}
	b, _ := json.Marshal([]any{x.exchange.Operation, x.exchange.Method, where, params, canonical(x.body)})
	return string(b)
}

func canonical(body []byte) any {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(body)
	}
	return v
}

// RecordOptions shape the scenario file Recorded writes.
type RecordOptions struct {
	// Name of the scenario. "": "recorded".
	Name string
	// Redact replaces ids, phone numbers and SIP addresses by stable
	// placeholders: each distinct value gets its own, the same everywhere
	// in the file.
	Redact bool
	// Known are the contract's operation ids, to validate the file (nil:
	// not checked).
	Known scenarios.KnownOperations
}

// ErrNotRecording is returned by Recorded when Options.Record was not set.
var ErrNotRecording = errors.New("proxy: not recording (Options.Record)")

// Recorded returns the exchanges seen so far as a version 1 scenario file,
// written by scenarios.Marshal: the world the GET answers showed (PHLOs
// and nodes), a rule for each request the real API answered otherwise
// than the fake (a 404, a 429, a 200 where the fake has 201), and an
// interaction per distinct request and answer, expecting its status and
// the fields a replay reproduces. It never holds credentials: the Auth IDs
// seen are replaced by the fake's default one, and tokens are never kept.
//
// Nothing recorded is left out silently. A request the format cannot
// express (a method the contract has no word for, such as TRACE or
// PROPFIND; a body that is not UTF-8; an answer whose text reads as a
// bad {{placeholder}}) and an exchange the target gave no whole answer
// to are listed in comments at the top of the file, each with why. The
// file is parsed and validated before it is returned; when it does not
// validate, it is returned all the same, with the error, so the caller
// writes it.
func (p *Proxy) Recorded(o RecordOptions) ([]byte, error) {
	if p.rec == nil {
		return nil, ErrNotRecording
	}
	p.rec.mu.Lock()
	keys := slices.Clone(p.rec.order)
	groups := make([][]recorded, len(keys))
	for i, k := range keys {
		groups[i] = slices.Clone(p.rec.byKey[k])
	}
	authIDs := slices.Sorted(maps.Keys(p.rec.authIDs))
	notes := slices.Clone(p.rec.notes)
	dropped := p.rec.dropped
	p.rec.mu.Unlock()

	name := cmp.Or(o.Name, "recorded")
	s := &scenarios.Scenario{Version: scenarios.Version, Name: name,
		Description: fmt.Sprintf("recorded by phlomock proxy from %s: %d distinct requests", p.opts.Target.Redacted(), len(keys))}
	if dropped > 0 {
		s.Description += fmt.Sprintf(" (%d more not kept)", dropped)
	}
	w := newWorldBuilder()
	for i, g := range groups {
		rule := ruleFor(i+1, g)
		inter, err := interactionsFor(i+1, g, rule != nil)
		if err == nil {
			err = expressible(rule, inter, o.Known)
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("%s %q (%d answers): %s", g[0].exchange.Method, g[0].exchange.Path, len(g), oneLine(err)))
			continue
		}
		for _, x := range g {
			w.see(x)
		}
		if rule != nil {
			s.Rules = append(s.Rules, *rule)
		}
		s.Interactions = append(s.Interactions, inter...)
	}
	s.World = w.world()
	var buf bytes.Buffer
	buf.WriteString("# " + s.Description + "\n")
	if len(notes) > 0 {
		buf.WriteString("#\n# Recorded but not kept as a rule or interaction (the scenario format cannot say them):\n")
		for _, n := range notes {
			buf.WriteString("#   " + oneLine(errors.New(n)) + "\n")
		}
	}
	if err := scenarios.Encode(&buf, s); err != nil {
		// The items were each written alone above: only the world or the
		// description can fail here. What was recorded is still listed.
		return buf.Bytes(), fmt.Errorf("proxy: the recorded scenario cannot be written (it was written all the same, without its scenario): %w", err)
	}
	data := redact(buf.Bytes(), authIDs, o.Redact, groups)
	sc, err := scenarios.Parse(name+".yaml", data)
	if err == nil {
		err = sc.Validate(o.Known)
	}
	if err != nil {
		// The file is still what was recorded: the caller writes it
		// beside this error, so nothing recorded is lost.
		return data, fmt.Errorf("proxy: the recorded scenario does not validate (phlomock scenarios check %s.yaml shows why; it was written all the same): %w", name, err)
	}
	return data, nil
}

// expressible says why a request's rule and interactions cannot be part
// of a scenario file (nil when they can): they are written alone, read
// back and checked as a file of their own.
func expressible(r *scenarios.Rule, inter []scenarios.Interaction, known scenarios.KnownOperations) error {
	one := &scenarios.Scenario{Version: scenarios.Version, Name: "one", Interactions: inter}
	if r != nil {
		one.Rules = []scenarios.Rule{*r}
	}
	data, err := scenarios.Marshal(one)
	if err != nil {
		return err
	}
	_, err = scenarios.Check("recorded", data, known)
	return err
}

// oneLine is err's text on one line, for a comment: a newline in a path
// or a joined error would end it.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return -1
		}
		return r
	}, s)
}
