# devops-lead: a static binary on a distroless image, run as the non-root
# user. The Go version follows go.mod (go 1.26).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/devops-lead ./cmd/devops-lead

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/devops-lead /usr/local/bin/devops-lead
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/devops-lead"]
CMD ["serve"]
