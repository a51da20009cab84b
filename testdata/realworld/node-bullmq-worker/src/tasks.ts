import type { Job } from 'bullmq'

export default async function ingest(job: Job): Promise<number> {
  const rows: unknown[] = job.data.rows ?? []
  return rows.length
}
