import { defineConfig } from 'vitepress'

export default defineConfig({
  title: 'Task runner',
  description: 'A task runner for everyone',
})
