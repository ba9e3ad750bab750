# syntax=docker/dockerfile:1
# roadcert node image: one image for both roles (ROLE=hub or ROLE=province + PROVINCE_CODE).
# Production runs against a real MongoDB replica set (MONGODB_URI); the embedded database of
# `npm start` is for demos and development only.

# ---- build: install everything, compile the server and build the client ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The MongoDB stand-in is an npm workspace (packages/mongo-standin, tests and demo only): `npm ci`
# needs its package.json to match the lockfile; the build never compiles it (tsconfig.build.json);
# `--workspaces=false` makes the production prune drop it with its own dependencies (mingo,
# mongodb-memory-server-core), which a plain `--omit=dev` keeps because npm installs workspaces
# as production dependencies.
COPY package.json package-lock.json ./
COPY packages/mongo-standin/package.json ./packages/mongo-standin/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --workspaces=false --no-audit --no-fund

# ---- runtime: production dependencies, compiled output, sample banks; no compilers, no dev deps ----
FROM node:20-bookworm-slim AS runtime
# DATA_DIR holds what a node writes: its Ed25519 node key and its certificate signing keys
# (<DATA_DIR>/<node name>/keys unless NODE_KEY_DIR / CERT_KEYS_DIR say otherwise). The default
# ./data (/app/data) does not exist and /app is root-owned, so the first start failed with EACCES
# and the container restarted forever.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CLIENT_DIST=/app/dist/client \
    DATA_DIR=/var/lib/roadcert
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/question-bank ./question-bank
# The app never writes into its own files: they stay root-owned and the process runs as `node`.
# Its data folder is owned by `node` (mode 700: keys) and is a volume, so the keys outlive the
# container: a recreated container with new keys would sign as a node nobody registered, and
# provinces pin the hub's key. Mount a named volume here, one per node; every instance of one node
# must see the same keys (README "Docker and operations").
RUN mkdir -p /var/lib/roadcert && chown node:node /var/lib/roadcert && chmod 700 /var/lib/roadcert
VOLUME ["/var/lib/roadcert"]
USER node
EXPOSE 3000
# /healthz says the process is up; the orchestrator's readiness check should use /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# MONGODB_URI (required: a replica set), SESSION_SECRET (required in production), TRUST_PROXY=true
# behind TLS or COOKIE_SECURE=false for plain HTTP (one is required in production), ROLE,
# PROVINCE_CODE, REDIS_URL, HUB_URL with HUB_PUBLIC_KEY: see README.md "Configuration".
CMD ["node", "dist/server/main.js"]
