# devops-lead: a static binary on a distroless image, run as the non-root
# user. The Go version follows go.mod (go 1.26).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/devops-lead ./cmd/devops-lead
# distroless has no shell: the data directory is made here and copied.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
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
