# The pic-storage stack on the embedded defaults. Build: docker build -t pic-storage .
#
# Build stage: python3, make and a C compiler build the TCP_QUICKACK addon (libs/tcp-quickack);
# without them the server still runs, but FastDFS's C client waits ~40 ms per request.
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
# The embedded FastDFS binds 127.0.0.1 by default; set bind_addr = 0.0.0.0 in conf to publish it.
EXPOSE 22122 23000
STOPSIGNAL SIGTERM
CMD ["node", "apps/fdfs-embedded/dist/main.js"]
