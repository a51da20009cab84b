import { saveCache } from '@actions/cache'

saveCache([process.env.RUNNER_TOOL_CACHE ?? '/tmp'], 'toolchain').catch(() => undefined)
