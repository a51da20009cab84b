'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { status } = require('../src/index');

test('status is ok', () => {
  assert.equal(status().status, 'ok');
});
