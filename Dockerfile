# celeriac worker/beat image: docker build -t celeriac .
# The app module comes with the image (examples/, e.g. examples/lms/) or is mounted; `-A` names it.
# Build stage: the full Debian image has the toolchain native modules (better-sqlite3) fall back to.
FROM node:20-bookworm AS build
WORKDIR /opt/celeriac
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY bin ./bin
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# /metrics, /healthz and /readyz on this port, on loopback unless CELERY_WORKER_METRICS_HOST says otherwise.
ENV NODE_ENV=production CELERY_WORKER_METRICS_PORT=9540
WORKDIR /opt/celeriac
COPY --from=build /opt/celeriac/package.json /opt/celeriac/package-lock.json ./
COPY --from=build /opt/celeriac/node_modules ./node_modules
COPY --from=build /opt/celeriac/dist ./dist
COPY --from=build /opt/celeriac/bin ./bin
# src stays for .ts app modules that import it (loaded through tsx).
COPY --from=build /opt/celeriac/src ./src
COPY tsconfig.json ./
COPY examples ./examples
# Writable data for the task families (the file store: certificates/, exports/; temporary files),
# owned by the unprivileged `node` user; named volumes mounted here start with this ownership.
RUN mkdir -p /data/storage /data/tmp && chown -R node:node /data
USER node
EXPOSE 9540
# Liveness from the worker's own /healthz (`celeriac beat` serves none: its service disables this).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CELERY_WORKER_METRICS_PORT || 9540) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/celeriac/bin/celeriac.js"]
CMD ["worker", "-A", "/opt/celeriac/examples/app.js"]
