# celeriac worker image: docker build -t celeriac . ; the app module is mounted or copied to /app/tasks.
FROM node:20-bookworm-slim
WORKDIR /opt/celeriac
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY examples ./examples
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev
ENV NODE_ENV=production
ENTRYPOINT ["node", "/opt/celeriac/bin/celeriac.js"]
CMD ["worker", "-A", "/opt/celeriac/examples/app.js"]
