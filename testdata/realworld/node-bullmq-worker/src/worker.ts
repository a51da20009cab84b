import { Queue, Worker } from 'bullmq'
import { DateTime } from 'luxon'
import ingest from './tasks'

const connection = {
  host: process.env.WORKER_REDIS_HOST || 'localhost',
  port: Number(process.env.WORKER_REDIS_PORT) || 6379,
  password: process.env.WORKER_REDIS_PASSWORD || '',
}

const zone = process.env.WORKER_ZONE || 'INGRESS'
const concurrency = Number(process.env.WORKER_CONCURRENCY) || 4

const log = new Queue('LOG', { connection })

const worker = new Worker(zone, ingest, { connection, concurrency })

worker.on('completed', async (job) => {
  await log.add('ingress', { id: job.id, status: 'success', at: DateTime.now().toISO() })
})

worker.on('failed', async (job, err) => {
  await log.add('ingress', { id: job?.id, status: 'error', error: err.message })
})
