import express from 'express'
import { slugify } from '@acme/shared'

const app = express()
const PORT = Number(process.env.PORT) || 4141

app.get('/healthz', (_req, res) => {
  res.json({ ok: true })
})

app.post('/jobs/:name', (req, res) => {
  res.status(202).json({ queued: slugify(req.params.name) })
})

app.listen(PORT, () => {
  console.log(`worker-api listening on ${PORT}`)
})
