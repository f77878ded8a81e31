# The demo app: one image that runs as the HTTP API or as a worker process (see docker-compose.yml).
FROM node:20-slim
WORKDIR /app
RUN chown node:node /app
# Not root; and owning /app lets npm scripts that build (such as a pre-script) write dist/.
USER node
COPY --chown=node:node package.json package-lock.json ./
# Dev dependencies are needed to build (Nest CLI, TypeScript); the build runs in the image.
RUN npm ci --include=dev --no-audit --no-fund
COPY --chown=node:node tsconfig.json tsconfig.build.json nest-cli.json ./
COPY --chown=node:node libs/jobs ./libs/jobs
COPY --chown=node:node src ./src
COPY --chown=node:node scripts ./scripts
RUN npm run build:demo
ENV NODE_ENV=production
# All interfaces inside the container; docker-compose.yml publishes the port on 127.0.0.1 only.
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
CMD ["node", "dist/demo/src/main.js"]
