# modelgate as a webhook server (Probot). Build: docker build -t modelgate .
# Run:   docker run -p 3000:3000 --env-file .env modelgate
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY package.json app.yml ./
USER node
EXPOSE 3000
CMD ["npx", "probot", "run", "./lib/index.js"]
