# syntax=docker/dockerfile:1
# SF Link production image. Build: docker build -t sf-link .   Run: see docker-compose.yml
# and docs/deployment.md. The runtime stage holds only compiled JavaScript, the built UI, the
# SQL migrations and production dependencies: no tsx, no vite, no TypeScript sources.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY simulator/package.json ./simulator/
RUN npm ci --no-audit --no-fund
COPY . .
# Compiles server/src to dist/server/src (tsconfig.build.json), the simulator (demo mode) to
# simulator/dist and the UI to canvas-ui/dist.
RUN npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    APP_MODE=production \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY simulator/package.json ./simulator/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The simulator is a product feature (demo mode), loaded only when no Salesforce is configured.
COPY --from=build /app/simulator/dist ./simulator/dist
COPY --from=build /app/canvas-ui/dist ./canvas-ui/dist
# Migrations are read from ./server/migrations (relative to /app) when running compiled code.
COPY --from=build /app/server/migrations ./server/migrations
# DATA_DIR default (./data): unused with DATABASE_URL, but must be writable if ever used.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# node:24-slim has no curl; Node's fetch does the probe. /readyz runs a database query.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/src/server.js"]
