# phlomock: `make help` lists the targets.
GO       ?= go
BIN      ?= bin/phlomock
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/phlomock (static)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/phlomock

.PHONY: install
install: ## install phlomock into $(go env GOPATH)/bin, its version stamped from git
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/phlomock

# The container image (Dockerfile): the static linux binary copied onto scratch.
# DOCKER is podman when it is installed, else docker (a docker CLI may be there
# without a daemon); podman needs --format docker to keep the HEALTHCHECK.
IMAGE    ?= phlomock
ARCH     ?= $(shell $(GO) env GOARCH)
DOCKER   ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)

.PHONY: docker
docker: ## build the container image phlomock (IMAGE=, DOCKER=podman|docker)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/phlomock-linux-$(ARCH) ./cmd/phlomock
	$(DOCKER) build $(if $(findstring podman,$(DOCKER)),--format docker --layers=false) --build-arg BASE=scratch --build-arg ARCH=$(ARCH) -t $(IMAGE) .

.PHONY: bench
bench: build ## loopback benchmark vs the bare handler (BENCH_DURATION, BENCH_REQUESTS=1000000, PRISM=1; see BENCHMARKS.md)
	$(GO) run ./bench/run -phlomock $(BIN)

.PHONY: run
run: ## run the fake on its embedded defaults (127.0.0.1:8080)
	$(GO) run ./cmd/phlomock serve

.PHONY: generate
generate: ## regenerate the contract and generated code
	$(GO) generate ./...

.PHONY: lint
lint: staticcheck vuln ## gofmt, go vet, staticcheck, govulncheck, and the drift checks
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy && git diff --exit-code -- go.mod go.sum
	@# The integrations' own modules (their go.mod keeps this one free of
	@# Testcontainers and Helm) drift the same way.
	for m in $(INTEGRATION_MODULES); do (cd $$m && $(GO) mod tidy && $(GO) vet ./...) || exit 1; done
	git diff --exit-code -- $(foreach m,$(INTEGRATION_MODULES),$(m)/go.mod $(m)/go.sum)
	$(GO) generate ./... && git diff --exit-code

.PHONY: test
test: lint testdeps ## lint, then every test under -race, then the integrations' own modules
	$(GO) test -race -count=1 -timeout 25m ./...
	cd third_party/jsonschema && $(GO) test -race -count=1 ./...
	$(MAKE) integrations

# The integrations that are not part of the Go module (docs/testcontainers.md,
# docs/github-action.md, docs/helm.md): each has its own module, package or
# script, tested here against the image make docker builds, run by podman
# (no Docker daemon: podman serves the Docker API on a socket the tests
# start). Without podman they skip, unless PHLOMOCK_REQUIRE_CONTAINER=1.
TC_IMAGE ?= localhost/phlomock:integrations

.PHONY: integrations
integrations: testcontainers helm ## test the Testcontainers modules, the GitHub action's steps and the Helm chart

# The Go modules of the integrations, apart from the core module's.
INTEGRATION_MODULES := testcontainers/phlomock deploy/helm/render

.PHONY: integrations-image
integrations-image:
	@if command -v podman >/dev/null; then CONTAINERS_CONF=$${CONTAINERS_CONF:-$(CURDIR)/deploy/containers.conf} $(MAKE) --no-print-directory docker IMAGE=$(TC_IMAGE) DOCKER=podman; \
	elif [ "$$PHLOMOCK_REQUIRE_CONTAINER" = 1 ]; then echo "no podman, and PHLOMOCK_REQUIRE_CONTAINER=1"; exit 1; \
	else echo "integrations: no podman: the container tests skip"; fi

.PHONY: testcontainers
testcontainers: integrations-image ## test the Go and Node Testcontainers modules against the image, through podman's Docker API
	cd testcontainers/phlomock && PHLOMOCK_IMAGE=$$(command -v podman >/dev/null && echo $(TC_IMAGE)) $(GO) test -race -count=1 ./...
	npm ci --prefix testcontainers/node --no-audit --no-fund
	PHLOMOCK_IMAGE=$$(command -v podman >/dev/null && echo $(TC_IMAGE)) npm test --prefix testcontainers/node

# The Helm chart (docs/helm.md): deploy/helm/render, a module of its own on
# helm.sh/helm/v4, renders and lints it and checks its values (its tests run
# without -race: one goroutine, and a race build of Helm and the Kubernetes
# modules would be a second cold compile of them); then the rendered
# Deployment is played with podman kube play on a real redis-server
# (deploy/helm_test.go, with the tool built here).
HELM_RENDER ?= $(CURDIR)/bin/helm-render

.PHONY: helm
helm: ## test the Helm chart: render and lint it with Helm's Go module, play it with podman kube play on Redis
	cd deploy/helm/render && $(GO) test -count=1 ./... && $(GO) build -o $(HELM_RENDER) .
	PHLOMOCK_HELM_RENDER=$(HELM_RENDER) $(GO) test -race -count=1 -run '^TestHelmPlay$$' ./deploy

# Anything the tests need that is not a Go module is installed here.
.PHONY: testdeps
testdeps: browser redis ## install what the tests need besides Go modules (the plivo-node driver's, Dredd's, Newman's and pact-core's npm packages, chromium, redis-server)
	npm ci --prefix certify/drivers/plivo-node --no-audit --no-fund
	npm ci --prefix openapi/testdata/dredd --no-audit --no-fund
	npm ci --prefix pact/testdata/verify --no-audit --no-fund
	npm ci --prefix openapi/testdata/newman --no-audit --no-fund
	cd certify/drivers/plivo-go && $(GO) mod download

# The browser tests (mockserver/dashboard) drive Debian's chromium headless.
# Without apt-get (not Debian), install Chromium yourself or let them skip.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: browser
browser: ## install Debian's chromium for the browser tests, unless it is there
	@command -v chromium >/dev/null || ! command -v apt-get >/dev/null || { \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null || echo "browser: no chromium: the browser tests skip (PHLOMOCK_REQUIRE_BROWSER=1 fails them)"

# The store tests start their own redis-server on loopback (internal/redistest).
.PHONY: redis
redis: ## install Debian's redis-server for the store tests, unless it is there
	@command -v redis-server >/dev/null || ! command -v apt-get >/dev/null || { \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@command -v redis-server >/dev/null || echo "redis: no redis-server: the store tests skip (PHLOMOCK_REQUIRE_REDIS=1 fails them)"

# Linters are installed from the Go module proxy at a pinned version into
# bin/tools/VERSION/, so a version bump reinstalls and nothing global changes.
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0
STATICCHECK := bin/tools/staticcheck-$(STATICCHECK_VERSION)/staticcheck
GOVULNCHECK := bin/tools/govulncheck-$(GOVULNCHECK_VERSION)/govulncheck

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(@D) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOVULNCHECK):
	GOBIN=$(CURDIR)/$(@D) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

.PHONY: staticcheck
staticcheck: $(STATICCHECK) ## staticcheck every package
	$(STATICCHECK) ./...

# govulncheck needs its database (vuln.go.dev, or a copy: VULNDB=file:///dir).
# Where the network cannot reach it, the check says so and is skipped rather
# than failing the build; any other failure, a vulnerability above all, fails.
VULNDB ?=

.PHONY: vuln
vuln: $(GOVULNCHECK) ## govulncheck every package (skipped, loudly, without the vulnerability database; VULNDB=)
	@out=$$($(GOVULNCHECK) $(if $(VULNDB),-db $(VULNDB)) ./... 2>&1); rc=$$?; echo "$$out"; \
	if [ $$rc -ne 0 ] && echo "$$out" | grep -q 'fetching vulnerabilities'; then \
		echo "vuln: NOT CHECKED: the vulnerability database cannot be reached from this machine"; exit 0; \
	fi; exit $$rc

# Each fuzz target runs a fixed number of executions on top of its seed
# corpus (testdata/fuzz/FuzzX/, which plain `go test` runs too). The budget is
# a count (-fuzztime Nx), not a duration: with a duration, Go 1.26's fuzz
# coordinator can report its own -fuzztime deadline as a failure ("context
# deadline exceeded", no crasher written; golang/go#75804, fixed in Go 1.27).
# A count has no deadline to race. FUZZEXECS is the default count (about 8s at
# this machine's rate); FUZZ_SLOW lists the targets that run far fewer
# executions a second, with their own counts. go test -fuzz takes one target
# per run, so they run one after the other.
FUZZEXECS ?= 60000x
FUZZ_SLOW ?= FuzzDerive=8000x FuzzUpload=15000x

.PHONY: fuzz
fuzz: ## run every fuzz target for a bounded count of executions (FUZZEXECS, FUZZ_SLOW)
	@set -e; for dir in $$(git grep -l '^func Fuzz' -- '*_test.go' | xargs -n1 dirname | sort -u); do \
		[ -z "$$(cd $$dir && $(GO) list -m -f '{{if ne .Path "github.com/phlomock/phlomock"}}x{{end}}')" ] || continue; \
		for target in $$($(GO) test -list '^Fuzz' ./$$dir | grep '^Fuzz'); do \
			n=$(FUZZEXECS); for o in $(FUZZ_SLOW); do [ "$${o%%=*}" != "$$target" ] || n=$${o#*=}; done; \
			echo "fuzz ./$$dir $$target ($$n)"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $$n ./$$dir; \
		done; \
	done
