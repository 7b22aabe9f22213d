# phlomock in a minimal non-root image, for CI services and local use.
#
# Build it with `make docker`: it builds the static binary (with its version),
# then this image. By hand, the same two steps:
#   CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath \
#     -ldflags "-s -w -X main.version=$(git describe --tags --always --dirty)" -o bin/phlomock-linux-amd64 ./cmd/phlomock
#   docker build --build-arg BASE=scratch -t phlomock .   # or: podman build --format docker --build-arg BASE=scratch ...
# (--format docker keeps the HEALTHCHECK, which the OCI image format has no field for.)
#
# The binary is copied onto scratch, as Prometheus's Dockerfile copies its
# prebuilt binaries: a builder stage would need a Go image to be pulled, and
# this project's CI can pull none, so it could not be tested.
#
# A bare `docker build .` would fail on the missing binary with a message
# about a file; instead it stops here, with this sentence in the error, until
# BASE=scratch is given (make docker gives it).
ARG BASE="run make docker: this Dockerfile copies the binary that make docker builds first"
FROM ${BASE}

# As in Prometheus's Dockerfile: the architecture of the prebuilt binary is a
# build argument (make docker passes the Go toolchain's GOARCH).
ARG ARCH=amd64
COPY bin/phlomock-linux-${ARCH} /phlomock

# 65532 is the conventional "nonroot" uid/gid of distroless images; scratch has
# no /etc/passwd, so the numbers are given directly.
USER 65532:65532

# The fake API listens on every interface inside the container so that a
# published port reaches it. The control plane (/healthz, admin) stays on the
# container's own loopback, where HEALTHCHECK runs.
ENV PHLOMOCK_ADDR=0.0.0.0:8080
EXPOSE 8080

# No shell in scratch: the binary checks itself.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/phlomock", "healthcheck"]

ENTRYPOINT ["/phlomock"]
CMD ["serve"]
