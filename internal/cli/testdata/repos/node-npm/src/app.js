'use strict';

// handler answers /healthz and 404 for everything else.
function handler(req, res) {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  res.writeHead(404);
  res.end();
}

module.exports = { handler };
