# One image for the api and the worker (the compose file picks the command).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build output:
# the image keeps the workspace layout with production dependencies only.
FROM node:24-slim AS deps
WORKDIR /app
RUN corepack enable
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/api/package.json packages/api/
COPY packages/worker/package.json packages/worker/
COPY packages/sdk/package.json packages/sdk/
COPY packages/client/package.json packages/client/
COPY packages/cli/package.json packages/cli/
COPY handlers/package.json handlers/
COPY e2e/package.json e2e/
RUN pnpm install --frozen-lockfile --prod --filter "./packages/**" --filter "./handlers" --filter hookbox

FROM node:24-slim
# tini as PID 1: forwards SIGTERM to node (graceful shutdown) and reaps zombies, however the
# container is started (docker run, compose, Kubernetes), without relying on --init.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app /app
COPY --chown=node:node packages packages
# Code handlers: the image's are the repository's handlers/ (mount your own over /app/handlers,
# or build FROM this image and COPY them); HANDLERS_DIR points api and worker at them.
COPY --chown=node:node handlers handlers
ENV HANDLERS_DIR=/app/handlers
COPY --chown=node:node scripts/healthcheck.ts scripts/
COPY --chown=node:node LICENSE ./
USER node
EXPOSE 3000 3001
# One check for both commands: live when /health/live answers on PORT (api) or WORKER_PORT (worker).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "scripts/healthcheck.ts"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "packages/api/src/main.ts"]
