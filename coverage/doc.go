// Package coverage tells which parts of the PHLO API a client's test run
// exercised: which operations, statuses (each error the contract documents,
// on each operation and on each action), actions, roles, member transitions
// of the simulated multi-party call and scenarios appear in a journal of the
// fake, per client (User-Agent), and which never did ("your tests never saw a
// 429 on updateMultiPartyCall cold_transfer").
//
// The universe is read from the contract (universe.go: NewUniverse walks the
// spec's operations, responses, and the action and role enums of each request
// body), never from a hand-kept list, so a new operation or documented error
// is counted as soon as the contract has it. journal.go reads the journal's
// entries as the control plane serves them (JSON, the subset it needs);
// report.go measures them against the universe and applies a Gate (a minimum
// percentage, overall or per dimension, and required items); render.go writes
// the report as text, JSON, JUnit XML and HTML (internal/report,
// internal/junit and internal/htmlreport do the writing).
//
// It is not a client of the control plane (cmd/phlomock fetches the journal)
// and links nothing of the fake: it reads what the journal says.
package coverage
