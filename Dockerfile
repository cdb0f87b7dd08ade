# The pic-storage stack on the embedded defaults. Build: docker build -t pic-storage .
#
# Build stage: python3, make and a C compiler build the native addons: better-sqlite3
# (metadata_dbsvr; npm's prebuilt binaries may be out of reach) and TCP_QUICKACK
# (libs/tcp-quickack; without it FastDFS's C client waits ~40 ms per request). sharp ships its
# own prebuilt libvips for linux-x64 and linux-arm64.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY libs ./libs
COPY apps ./apps
COPY conf ./conf
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV PIC_CONF_DIR=/app/conf PIC_DATA_DIR=/data
VOLUME /data
# Every service binds 127.0.0.1 by default; set bind_addr = 0.0.0.0 in a service's conf (mounted
# over /app/conf) to publish its port. admin_proxy (6998) is the one port game servers and cron use.
EXPOSE 6998 22122 23000
STOPSIGNAL SIGTERM
# The whole stack (what `npm start` runs): one process per service under apps/stack's supervisor.
CMD ["node", "apps/stack/dist/main.js"]
