# syntax=docker/dockerfile:1
# Build: cgo is required by mattn/go-sqlite3.
FROM golang:1.26-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN mkdir -p static/vendor && cp node_modules/echarts/dist/echarts.min.js static/vendor/ \
 && CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=$(git describe --always 2>/dev/null || echo docker)" -o /out/sreport ./cmd/sreport

# Runtime: small Debian with the C library go-sqlite3 links against, and
# Chromium for PDF reports.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata chromium curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data --shell /usr/sbin/nologin sreport \
 && mkdir -p /data /backups && chown sreport /data /backups
COPY --from=build /out/sreport /usr/local/bin/sreport
USER sreport
WORKDIR /data
VOLUME ["/data"]
# Metrics listen on their own port: scrape it, but do not publish it with
# the app's. Replication and backups are set at run time
# (SREPORT_REPLICATE, SREPORT_RESTORE_IF_MISSING=1, SREPORT_BACKUP_DIR; see
# docs/operations.md); give the replicator time for its final sync with
# docker stop -t 60.
ENV SREPORT_DB=/data/sreport.db SREPORT_ADDR=:8080 SREPORT_METRICS_ADDR=:9464
EXPOSE 8080 9464
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/sreport"]
CMD ["serve"]
