import { expect, test } from 'bun:test'

test('version passes through', () => {
  expect('1.1.0').toBe('1.1.0')
})
