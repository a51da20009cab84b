'use strict';

const http = require('node:http');

// status returns the page's health as a small object.
function status() {
  return { status: 'ok', uptime: Math.round(process.uptime()) };
}

if (require.main === module) {
  http
    .createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(status()));
    })
    .listen(process.env.PORT || 3000);
}

module.exports = { status };
