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

# The container image (Dockerfile): the static linux binary copied onto scratch.
# DOCKER is podman when it is installed, else docker (a docker CLI may be there
# without a daemon); podman needs --format docker to keep the HEALTHCHECK.
IMAGE    ?= phlomock
ARCH     ?= $(shell $(GO) env GOARCH)
DOCKER   ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)

.PHONY: docker
docker: ## build the container image phlomock (IMAGE=, DOCKER=podman|docker)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/phlomock-linux-$(ARCH) ./cmd/phlomock
	$(DOCKER) build $(if $(findstring podman,$(DOCKER)),--format docker --layers=false) --build-arg ARCH=$(ARCH) -t $(IMAGE) .

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
lint: ## gofmt, go vet, and the drift checks
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy && git diff --exit-code -- go.mod go.sum
	$(GO) generate ./... && git diff --exit-code

.PHONY: test
test: lint testdeps ## lint, then every test under -race
	$(GO) test -race -count=1 ./...

# Anything the tests need that is not a Go module is installed here.
.PHONY: testdeps
testdeps:
	npm ci --prefix certify/drivers/plivo-node --no-audit --no-fund
	cd certify/drivers/plivo-go && $(GO) mod download
