# devops-lead: one static binary, two images from the same build stage.
#   docker build .                 serve (the GitHub App server), the default:
#                                  the last stage, distroless, non-root
#   docker build --target action . the GitHub Action's image: the same binary,
#                                  run as root as GitHub requires of Docker
#                                  actions (see the action stage)
# The Go version follows go.mod (go 1.26). .ci/run and the release workflow
# run this file's go build line themselves (TARGETOS and TARGETARCH set),
# so binaries and images are built alike.
# The build stage runs on the builder's own platform and cross-compiles for
# the target's (docker buildx --platform linux/arm64 needs no emulation):
# the final stages only copy.
FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# VERSION is what `devops-lead version` prints (the release workflow passes
# the tag); empty, the binary falls back to the module's build info.
ARG VERSION=""
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w -X github.com/devops-lead/devops-lead/internal/cli.version=${VERSION}" -o /out/devops-lead ./cmd/devops-lead
# distroless has no shell: the data directory is made here and copied.
RUN mkdir -p /out/data

# The Action: GitHub runs a Docker action's container without --user and
# documents that it must run as the default (root) user, so that it can
# write the workspace and the file-command files ($GITHUB_STEP_SUMMARY,
# $GITHUB_OUTPUT), which belong to the runner. It serves nothing and keeps
# no data: each run handles one event and exits.
FROM gcr.io/distroless/static-debian12:nonroot AS action
COPY --from=build /out/devops-lead /usr/local/bin/devops-lead
USER 0:0
ENTRYPOINT ["/usr/local/bin/devops-lead"]
CMD ["action"]

# serve, the default target.
FROM gcr.io/distroless/static-debian12:nonroot AS serve
COPY --from=build /out/devops-lead /usr/local/bin/devops-lead
# serve's data directory: the SQLite queue (queue.db and its outbox file)
# lives here, owned by the non-root user (65532 in distroless), so the
# image starts without flags. Mount a volume to keep the queue across
# containers; with DATABASE_URL set it stays unused.
COPY --from=build --chown=65532:65532 /out/data /var/lib/devops-lead
ENV DEVOPS_LEAD_DB=/var/lib/devops-lead/queue.db
VOLUME ["/var/lib/devops-lead"]
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/devops-lead"]
CMD ["serve"]
