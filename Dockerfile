# The pic-storage stack in one container: the supervisor of `npm start` (apps/stack) and every
# service under it. docs/docker.md: how to build and run it, and how these steps are tested
# without a container engine (test/integration/packaging/docker-image.test.ts replays them).
#
#   docker build -t pic-storage .
#   docker run -p 8081:8081 -p 6998:6998 -v pic-data:/data -e PIC_SESSION_DES_KEY=... pic-storage

# Build stage. python3, make and g++ build the native addons: better-sqlite3 (metadata_dbsvr; npm's
# prebuilt binary may be out of reach) and TCP_QUICKACK (libs/tcp-quickack; without it FastDFS's C
# client waits ~40 ms per request). sharp ships its own prebuilt libvips for linux-x64 and arm64.
# npm ci also builds the TypeScript (the root postinstall: tsc -b); the prune then drops the
# compilers, linters and test runners, leaving what the services import.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: node, the built packages and the shipped conf, owned by root and run by `pic`,
# which may write /data only (everything the stack writes goes under PIC_DATA_DIR).
FROM node:20-bookworm-slim
RUN groupadd --system --gid 10001 pic \
  && useradd --system --uid 10001 --gid pic --home-dir /app --no-create-home --shell /usr/sbin/nologin pic \
  && mkdir -p /data && chown pic:pic /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/libs ./libs
COPY --from=build /app/apps ./apps
COPY conf ./conf
# PIC_BIND_ADDR: the two public listeners (the front, admin_proxy) take connections from outside
# the container; every internal service keeps its conf's 127.0.0.1. Mount a conf dir over
# /app/conf to change anything else (docs/docker.md).
ENV NODE_ENV=production PIC_CONF_DIR=/app/conf PIC_DATA_DIR=/data PIC_BIND_ADDR=0.0.0.0
VOLUME /data
USER pic
# 8081: the front (upload.cgi, download.fcgi, purge, /status, /metrics), the port browsers use.
# 6998: admin_proxy, the framed TCP port of game servers and del_file_ontime (private ranges only,
# by admin-proxy.conf allow_from). The embedded FastDFS, when it runs, stays inside (127.0.0.1).
EXPOSE 8081 6998
# The supervisor runs as PID 1: it handles SIGTERM itself (stops every service, exits 0 within 8 s,
# under Docker's 10 s before SIGKILL) and reaps its children, the only processes it starts.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["node", "apps/stack/dist/healthcheck.js"]
CMD ["node", "apps/stack/dist/main.js"]
