import mongoose from 'mongoose'
import app from './server'
import { env } from './helpers/config/envalid'

mongoose.connect(env.MONGO_URL).then(() => {
  app.listen(env.PORT, () => console.log(`listening on ${env.PORT}`))
})
