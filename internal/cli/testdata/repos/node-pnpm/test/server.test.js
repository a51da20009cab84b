'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { respond } = require('../src/server');

test('healthz answers ok, other paths 404', () => {
  assert.deepEqual(respond('/healthz'), [200, 'ok\n']);
  assert.equal(respond('/nope')[0], 404);
});
