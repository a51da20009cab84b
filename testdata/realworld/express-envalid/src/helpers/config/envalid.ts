import 'dotenv/config'
import { cleanEnv, str, port } from 'envalid'

export const env = cleanEnv(process.env, {
  MONGO_URL: str(),
  JWT_SECRET: str(),
  PORT: port({ default: 4000 }),
  CORS_ORIGIN: str({ default: '*' }),
})
