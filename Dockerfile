# modelgate as a webhook server. Build: docker build -t modelgate .
# Run:   docker run -p 3000:3000 --env-file .env --read-only -v modelgate-data:/data modelgate   (docs/install.md, "In a container")
# Node 24, the newer of the two LTS lines modelgate supports (22 and 24; Node 20 ended in April 2026)
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# tini as PID 1: forwards SIGTERM (docker stop) to the server's process group and reaps orphans;
# a process that is PID 1 itself ignores every signal it has no handler for
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# HOST: listen on every interface (Probot's default is localhost, unreachable through -p);
# production: JSON logs (without the App's credentials the server refuses to start: run npm run setup first)
# MODELGATE_SHUTDOWN_SECONDS: the graceful stop ends before docker stop's 10 s grace turns into SIGKILL
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json LOG_LEVEL=info MODELGATE_SHUTDOWN_SECONDS=8
# the only writable place (the root may be read-only): the embedded Postgres used when DATABASE_URL is not set (mount a volume, or set DATABASE_URL)
RUN mkdir -p /data && chown node:node /data
ENV MODELGATE_DATA_DIR=/data/postgres
VOLUME ["/data"]
WORKDIR /app
# owned by root, read-only to the server
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY package.json app.yml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "-g", "--"]
# the program `npm start` runs, without npm in between (npm does not pass signals on reliably)
CMD ["node", "./lib/server/main.js"]
