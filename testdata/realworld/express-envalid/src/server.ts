import express from 'express'
import cors from 'cors'
import authRouter from './routes/auth'
import { env } from './helpers/config/envalid'

const app = express()
app.use(cors({ origin: env.CORS_ORIGIN }))
app.use(express.json())
app.use('/api/auth', authRouter)
export default app
