// Package scenarios reads the scenario files that script phlomock: the world
// the fake starts from (accounts, PHLOs, multi-party call nodes and their
// members), rules that override the contract's answers, and the interactions
// a conformance run sends and checks. One file drives both the fake and the
// conformance suite.
//
// A file is YAML with a version key:
//
//	version: 1
//	name: flaky-calls
//	description: node actions fail twice, then succeed
//	stateful: false           # true: simulate the calls (package mockserver/multiparty)
//	world:
//	  accounts: [{auth_id: MAPHLOMOCKDEFAULT001, auth_token: phlomock-default-auth-token}]
//	  phlos:
//	    - id: e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c
//	      name: Support line
//	      created_on: "2020-08-01 09:05:11.846982+00:00"
//	      nodes:
//	        - id: 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
//	          name: Multi-Party Call_1
//	          members: [{address: "+14152223333", role: customer, state: connected}]
//	rules:
//	  - name: fail-then-succeed
//	    match:                 # every key optional; all given must match
//	      operation: updateMultiPartyCall
//	      method: POST
//	      path: /v1/phlo/*/multi_party_call/*   # path.Match pattern
//	      path_params: {phlo_id: e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c}
//	      body: {action: call}                  # top-level JSON fields
//	      headers: {User-Agent: plivo-go/7.60.2}
//	      auth_id: MAPHLOMOCKDEFAULT001
//	    sequence:              # or respond: {...} (or respond: 500)
//	      - {status: 500, times: 2}
//	      - status: 201
//	        body: {api_id: "{{api_id}}", error: ""}
//	        delay: {min: 100ms, max: 300ms}     # or delay: 200ms
//	    times: 3               # then the rule stops matching
//	interactions:
//	  - name: a call fails first
//	    request:
//	      operation: updateMultiPartyCall
//	      path_params: {phlo_id: ..., node_id: ...}
//	      auth: default        # default, none or wrong
//	      body: {action: call, to: "+14152223333", role: agent, trigger_source: "+14152225555"}
//	    expect:
//	      status: 500
//	      body: {api_id: ...}  # fields that must be equal
//	      error: server        # substring of the "error" field
//
// Parse decodes strictly: an unknown or duplicate key, a value of the wrong
// type, a malformed duration or a bad placeholder is an error that names
// file:line:column, and every error of a file is reported at once. A key
// valid at another place says where it belongs ("status" in a rule belongs
// under respond); a file that is not YAML is placed at the line and column
// where the problem shows, with what usually causes it.
//
// Reading a file, by what a reader looks for:
//
//	parse.go               Parse, ParseError, the file's top level
//	keys.go                every place of the file and its keys; where a
//	                       key at the wrong place belongs
//	syntax.go              YAML syntax errors: line, column and a hint
//	decode.go              the decoder: mappings, lists, scalars, durations,
//	                       delays, JSON values
//	parse_world.go         world: accounts, PHLOs, nodes, members
//	parse_rules.go         rules: match, respond, sequence
//	parse_interactions.go  interactions: request, expect
//	callbacks.go           callbacks: node targets, faults
//
// Validate checks what a well-formed file can still get wrong (operation ids,
// statuses, delay ranges...) and never modifies the scenario.
//
// CheckRules goes further with the contract's operations (Operation, built
// by package mockserver/director): it reports a rule that no request the
// contract allows can match (a path parameter the operation lacks, a body
// value outside an enum, a path pattern that matches no operation), as
// `phlomock scenarios check` does.
//
// Matcher is the one request matcher of phlomock: rules, and the control
// plane's verification and journal filters, compare requests with it.
// Diff says why a request was not matched (field, wanted, got), and
// Engine.Closest names the rule that came closest to a request no rule
// answered.
//
// Body templates: strings in a response body may hold {{api_id}} (the fresh
// api_id of the answer), {{auth_id}}, {{operation}}, {{method}}, {{path}},
// {{path.NAME}}, {{body.NAME}} and {{header.NAME}}. Substituted values are
// JSON-escaped, so a request cannot change the structure of an answer. A
// string body (body: "...") is sent as written, with the same placeholders.
//
// Marshal and Encode write a Scenario in this format (the version key
// first, keys in the documented order, short forms, every string a YAML
// reader could take for something else quoted): the one writer of
// scenario files; what they write parses back to the same scenario.
//
// Compile turns scenarios into an Engine that matches requests on the fake's
// hot path; it is safe for concurrent use and keeps the counters of
// sequences and times, or leaves them to a Counter shared by several
// engines (MatchCounted: replicas of the fake, through Redis). The rules run after the fake has validated a request
// against the contract, so a request that breaks the contract is rejected
// whatever the scenario.
//
// The package has no HTTP server and imports nothing else of phlomock; the
// contract's operation ids are passed in (KnownOperations). The built-in
// scenarios are embedded (Builtin, BuiltinNames, BuiltinYAML).
//
// Files: scenario.go (the Scenario value), parse.go with decode.go, keys.go,
// syntax.go, parse_rules.go, parse_world.go and parse_interactions.go
// (reading a file: every problem with its line and column), encode.go
// (Marshal: writing what Parse reads), validate.go and check.go (Validate,
// and Check against the contract), callbacks.go (a node's callbacks),
// builtin.go (the embedded scenarios), match.go (Matcher, the one request
// matcher), engine.go and index.go (Compile: the rules on the hot path,
// narrowed by index) and template.go (body templates).
package scenarios
