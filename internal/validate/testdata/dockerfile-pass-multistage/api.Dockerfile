FROM node:22-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm install -g pnpm@9.1.0 && apk add --no-cache tini=0.19.0-r3

FROM deps
USER node
CMD ["node", "server.js"]
