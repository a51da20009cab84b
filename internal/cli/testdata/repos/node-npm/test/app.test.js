'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { handler } = require('../src/app');

test('healthz answers ok', () => {
  let status;
  let body;
  handler({ url: '/healthz' }, { writeHead: (s) => { status = s; }, end: (b) => { body = b; } });
  assert.equal(status, 200);
  assert.equal(body, 'ok\n');
});
