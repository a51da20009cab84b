import { fastify } from 'fastify'
import { env } from './env'

const app = fastify()

app.get('/health', async () => ({ status: 'ok' }))

app.listen({ port: env.PORT, host: '0.0.0.0' }).then(() => {
  console.log(`HTTP server running on ${env.PORT}`)
})
