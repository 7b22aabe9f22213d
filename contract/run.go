package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Target is the deployment under test and the account to use on it.
type Target struct {
	// BaseURL is scheme and host, e.g. https://phlorunner.plivo.com.
	BaseURL   string
	AuthID    string
	AuthToken string
	// PhloID and NodeID name a PHLO and a multi-party call node that exist
	// on the target. Cases marked RealIDs are skipped when either is empty.
	PhloID string
	NodeID string
	// MemberAddress is the member of the member actions; empty means
	// DefaultMemberAddress.
	MemberAddress string
}

// DefaultMemberAddress is the member the member-action cases address.
const DefaultMemberAddress = "+14152223333"

// Runner runs cases against a target. Its zero value, given a Spec and a
// Target, runs the safe cases eight at a time with a 10 s timeout per request.
type Runner struct {
	Spec   *openapi3.T
	Target Target
	// Live also runs the cases that are not Safe: on a real deployment they
	// place calls to real phones.
	Live bool
	// Concurrency bounds the requests in flight; 0 means 8.
	Concurrency int
	// Client sends the requests; nil means a client with a 10 s timeout.
	Client *http.Client
	// Waive lists codes that do not fail a case: their violations are
	// kept in Result.Waived. For a target that knowingly differs, such as
	// one whose 400 texts name no field (error-field-unnamed).
	Waive []Code
	// Seed is the seed the cases were generated with (GenerateOptions.Seed),
	// kept in the report so that a failure can be replayed.
	Seed uint64
	// NoShrink leaves failing cases as generated; by default a failing
	// case with a JSON object body is shrunk (Result.Shrunk).
	NoShrink bool

	seenMu sync.Mutex
	seen   map[string]string // api_id -> the case whose answer carried it first
}

// ErrUnreachable reports a target that refused or never answered the
// connection: the run itself failed, the target was never judged.
var ErrUnreachable = errors.New("contract: target unreachable")

// Result is the outcome of one case.
type Result struct {
	Case Case
	// Status is the HTTP status received, 0 when none was.
	Status int
	// Skipped gives the reason a case did not run, or "".
	Skipped    string
	Violations []Violation
	// Waived are the violations of codes in Runner.Waive: reported, but
	// they do not fail the case.
	Waived   []Violation
	Duration time.Duration
	// Exchange is the request as sent and the answer as received, for the
	// reports that show them (WriteHTML); nil when the case did not run or
	// no request could be built.
	Exchange *Exchange
	// Shrunk, for a failing case, is the smallest request found that
	// still fails the same way; Exchange is then its exchange.
	Shrunk *Shrunk
}

// Exchange is one case's request and answer. The request's Authorization
// is not kept: Auth says which credentials it carried.
type Exchange struct {
	Method string
	URL    string
	Header http.Header
	Auth   Auth
	Body   string
	// Status is 0 when no answer came; Answer holds at most 1 MiB.
	Status       int
	AnswerHeader http.Header
	Answer       string
}

// Passed reports whether the case ran and found no violation.
func (r Result) Passed() bool { return r.Skipped == "" && len(r.Violations) == 0 }

// Report is the outcome of a run, results in the order of the cases.
type Report struct {
	Results  []Result
	Duration time.Duration
	// Seed is the seed the generated cases were drawn with.
	Seed uint64
	// ReplayBase, when set, replaces the target's scheme and host in the
	// replay commands of the reports (the in-process fake is gone).
	ReplayBase string
}

// Counts returns the number of cases, and of those passed, failed and skipped.
func (r *Report) Counts() (cases, passed, failed, skipped int) {
	for _, res := range r.Results {
		switch {
		case res.Skipped != "":
			skipped++
		case len(res.Violations) == 0:
			passed++
		default:
			failed++
		}
	}
	return len(r.Results), passed, failed, skipped
}

// Err joins every violation of the run (nil when it conforms).
func (r *Report) Err() error {
	var errs []error
	for _, res := range r.Results {
		for i := range res.Violations {
			errs = append(errs, &res.Violations[i])
		}
	}
	return errors.Join(errs...)
}

// Run sends every case and checks every answer. The error is non-nil only
// when the run itself failed (a bad target URL, an unreachable target, a
// cancelled context); violations are in the report.
func (r *Runner) Run(ctx context.Context, cases []Case) (*Report, error) {
	if r.Spec == nil {
		return nil, errors.New("contract: runner has no spec")
	}
	base, err := url.Parse(strings.TrimRight(r.Target.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("contract: target %q is not an http(s) URL", r.Target.BaseURL)
	}
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
		defer client.CloseIdleConnections()
	}
	n := r.Concurrency
	if n <= 0 {
		n = 8
	}
	chk := newChecker(r.Spec)
	chk.secrets = r.secrets()
	start := time.Now()
	rep := &Report{Results: make([]Result, len(cases)), Seed: r.Seed}
	unreachable := make([]error, len(cases))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	// A unit is the indexes of cases that run one after another: a single
	// case, or every case of one Sequence.
	var units [][]int
	seq := map[string]int{}
	for i, cs := range cases {
		rep.Results[i] = Result{Case: cs}
		if reason := r.skip(cs); reason != "" {
			rep.Results[i].Skipped = reason
			continue
		}
		if cs.Sequence == "" {
			units = append(units, []int{i})
			continue
		}
		u, ok := seq[cs.Sequence]
		if !ok {
			u = len(units)
			seq[cs.Sequence] = u
			units = append(units, nil)
		}
		units[u] = append(units[u], i)
	}
	for _, unit := range units {
		if ctx.Err() != nil {
			break // cancelled: send nothing more
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			for _, i := range unit {
				rep.Results[i], unreachable[i] = r.runCase(ctx, client, chk, base.String(), cases[i])
			}
		}()
	}
	wg.Wait()
	r.uniqueAPIIDs(rep)
	if !r.NoShrink && ctx.Err() == nil {
		// One case per operation and first code: the others fail the same way.
		shrunk := map[string]bool{}
		for i := range rep.Results {
			res := &rep.Results[i]
			if len(res.Violations) == 0 || len(shrunk) >= maxShrunkCases {
				continue
			}
			key := res.Case.Operation + " " + string(res.Violations[0].Code)
			if !shrunk[key] {
				shrunk[key] = r.shrink(ctx, client, chk, base.String(), res)
			}
		}
	}
	for i := range rep.Results {
		r.waive(&rep.Results[i])
	}
	r.foldUnknownIDs(rep)
	rep.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	for _, err := range unreachable {
		if err != nil {
			return rep, fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
	}
	return rep, nil
}

// The reasons a case is skipped; NotChecked groups the results by them.
const (
	skipLive    = "live case (it would place calls): run with --live"
	skipRealIDs = "needs an existing PHLO and node: give --phlo-id and --node-id"
	skipFolded  = "not judged: the target accepts ids it cannot know (see " + UnknownIDsCase + ")"
)

// UnknownIDsCase is the ID of the result that holds the one
// unknown-ids-accepted finding of a run.
const UnknownIDsCase = "target/unknown-ids-accepted"

// phlomockAuthID is the Auth ID phlomock serve accepts by default: a
// target that takes it is most likely the fake in its open world.
const phlomockAuthID = "MAPHLOMOCKDEFAULT001"

func (r *Runner) skip(cs Case) string {
	switch {
	case !cs.Safe && !r.Live:
		return skipLive
	case cs.RealIDs && (r.Target.PhloID == "" || r.Target.NodeID == ""):
		return skipRealIDs
	}
	return ""
}

func (r *Runner) waive(res *Result) {
	if len(r.Waive) == 0 {
		return
	}
	kept := res.Violations[:0:0]
	for _, v := range res.Violations {
		if slices.Contains(r.Waive, v.Code) {
			res.Waived = append(res.Waived, v)
		} else {
			kept = append(kept, v)
		}
	}
	res.Violations = kept
}

// foldUnknownIDs replaces the failures of the unknown-id cases with one
// finding when the target accepted every one of them: it does not look ids
// up at all, which is one fault with one fix, not one per operation. A
// target that refuses some unknown ids and accepts others keeps a failure
// per case: those are bugs of their own operations.
func (r *Runner) foldUnknownIDs(rep *Report) {
	var ran []int
	for i, res := range rep.Results {
		if res.Case.UnknownID && res.Skipped == "" {
			ran = append(ran, i)
		}
	}
	if len(ran) == 0 {
		return
	}
	for _, i := range ran {
		if !slices.ContainsFunc(rep.Results[i].Violations, func(v Violation) bool { return v.Code == CodeAcceptedInvalid }) {
			return
		}
	}
	var ids []string
	for _, i := range ran {
		res := &rep.Results[i]
		ids = append(ids, res.Case.ID)
		res.Violations = slices.DeleteFunc(res.Violations, func(v Violation) bool { return v.Pointer == "/status" })
		if len(res.Violations) == 0 {
			res.Violations = nil
			res.Skipped = skipFolded
		}
	}
	msg := fmt.Sprintf("the target answered all %d requests for PHLO and node ids it cannot know (such as %s) with a 2xx, as if they existed (%s)",
		len(ran), DefaultUnknownID, strings.Join(ids, ", "))
	if r.Target.AuthID == phlomockAuthID {
		msg += ". The target takes phlomock's default Auth ID: if it is phlomock serve, start it with --strict-ids --ids PHLO/NODE and give conform the same --phlo-id PHLO --node-id NODE"
	} else {
		msg += ". Point conform at a deployment that looks ids up; for phlomock serve, that is --strict-ids --ids PHLO/NODE, with the same --phlo-id PHLO --node-id NODE given to conform"
	}
	rep.Results = append(rep.Results, Result{
		Case:       Case{ID: UnknownIDsCase, Safe: true, Description: "the target looks PHLO and node ids up"},
		Status:     rep.Results[ran[0]].Status, // what the first unknown id got
		Violations: []Violation{{Code: CodeUnknownIDsAccepted, Case: UnknownIDsCase, Pointer: "/status", Message: msg}},
	})
}

// A Gap is what a run could not check, and how to check it.
type Gap struct {
	What  string   `json:"what"`
	How   string   `json:"how"`
	Cases []string `json:"cases"`
}

// NotChecked lists what the skipped cases leave unchecked, grouped by why
// they were skipped, in a stable order. It is empty when every case ran.
func (r *Report) NotChecked() []Gap {
	gaps := []Gap{
		{What: "the answers to valid node and member actions and PHLO runs (their status and success body), and the run's invalid bodies (the run body is free-form: a lenient server could start the PHLO)",
			How: "--live against a test PHLO: --target URL --phlo-id PHLO --node-id NODE --live (it dials the numbers of the cases and may cost money)"},
		{What: "the valid reads, the trailing-slash reads, the body checks and the unknown node id, which need a PHLO and node that exist",
			How: "--phlo-id and --node-id naming a test PHLO and its multi-party call node"},
		{What: "whether unknown PHLO and node ids answer 404",
			How: "a target that looks ids up (phlomock serve --strict-ids --ids PHLO/NODE, with the same --phlo-id and --node-id); see " + UnknownIDsCase},
	}
	reasons := []string{skipLive, skipRealIDs, skipFolded}
	for _, res := range r.Results {
		if i := slices.Index(reasons, res.Skipped); i >= 0 {
			gaps[i].Cases = append(gaps[i].Cases, res.Case.ID)
		}
	}
	return slices.DeleteFunc(gaps, func(g Gap) bool { return len(g.Cases) == 0 })
}

// runCase sends one case. The error is set only for a connection that could
// not be made: the target, not the case, is at fault.
func (r *Runner) runCase(ctx context.Context, client *http.Client, chk *checker, base string, cs Case) (res Result, err error) {
	res = Result{Case: cs}
	start := time.Now()
	// res is named so that this reaches the caller after every return.
	defer func() { res.Duration = time.Since(start) }()
	fail := func(format string, args ...any) (Result, error) {
		res.Violations = append(res.Violations, Violation{Code: CodeTransport, Case: cs.ID, Operation: cs.Operation, Pointer: "", Message: fmt.Sprintf(format, args...)})
		return res, nil
	}
	params := r.pathParams(cs)
	path := cs.Request.Path
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	var body io.Reader
	if cs.Request.Body != nil {
		body = bytes.NewReader(cs.Request.Body)
	}
	req, err := http.NewRequestWithContext(ctx, cs.Request.Method, base+path, body)
	if err != nil {
		return fail("build request: %v", err)
	}
	for k, vs := range cs.Request.Header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	req.Header.Set("Accept", "application/json")
	if req.Header.Get("User-Agent") == "" { // an interaction may send its own, for a rule that matches it
		req.Header.Set("User-Agent", "phlomock-conform/1")
	}
	if cs.Request.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	sent := req.Header.Clone()
	res.Exchange = &Exchange{Method: req.Method, URL: req.URL.String(), Header: sent, Auth: cs.Request.Auth, Body: string(cs.Request.Body)}
	switch cs.Request.Auth {
	case AuthDefault:
		req.SetBasicAuth(r.Target.AuthID, r.Target.AuthToken)
	case AuthWrong:
		req.SetBasicAuth(r.Target.AuthID, "phlomock-wrong-"+r.Target.AuthToken)
	case AuthBearer:
		req.Header.Set("Authorization", "Bearer "+r.Target.AuthToken)
	case AuthMalformed:
		req.Header.Set("Authorization", "Basic not*base64!")
	case AuthOtherID:
		req.SetBasicAuth(OtherAccountID, r.Target.AuthToken)
	}
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return res, err
		}
		return fail("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fail("read body: %v", err)
	}
	res.Status = resp.StatusCode
	res.Exchange.Status, res.Exchange.AnswerHeader, res.Exchange.Answer = resp.StatusCode, resp.Header, string(data)
	res.Violations = chk.check(ctx, cs, req, params, answer{status: resp.StatusCode, header: resp.Header, body: data})
	return res, nil
}

func (r *Runner) pathParams(cs Case) map[string]string {
	member := r.Target.MemberAddress
	if member == "" {
		member = DefaultMemberAddress
	}
	params := map[string]string{
		"auth_id": r.Target.AuthID, "phlo_id": r.Target.PhloID, "node_id": r.Target.NodeID, "member_address": member,
	}
	for k, v := range cs.Request.PathParams {
		params[k] = v
	}
	// Unknown ids stand in where the target names none, so that the
	// safe cases still reach a real route.
	for _, k := range []string{"phlo_id", "node_id"} {
		if params[k] == "" {
			params[k] = DefaultUnknownID
		}
	}
	out := map[string]string{}
	for k, v := range params {
		if strings.Contains(cs.Request.Path, "{"+k+"}") {
			out[k] = v
		}
	}
	return out
}
