import { getInput, setOutput, setFailed } from '@actions/core'
import { install } from './install'

install(getInput('version') || 'latest')
  .then((v) => setOutput('version', v))
  .catch((e) => setFailed(String(e)))
