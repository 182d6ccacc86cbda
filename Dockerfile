# POS Assist: one instance per container. The image holds the server, the knowledge base and the flows;
# what changes at run time lives in PostgreSQL (DATABASE_URL), Redis (REDIS_URL) and DATA_DIR (/data).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Native addons (better-sqlite3, hnswlib-node) build from source where no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# `npm ci` runs `prepare` (the build: server, web chat widget, agent console), hence src first.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3978 DATA_DIR=/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY knowledge ./knowledge
COPY flows ./flows
# DATA_DIR: the instance's knowledge index (built at its first start), and mount points for the shared volumes.
RUN mkdir -p /data/files /data/wechat && chown -R node:node /data
USER node
EXPOSE 3978
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:3978/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# SIGTERM: stop polling and step down, finish the turns in flight, close (docker stop waits stop_grace_period).
CMD ["node", "dist/app/cli.js", "serve"]
