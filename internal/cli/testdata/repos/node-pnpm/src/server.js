'use strict';

const http = require('node:http');

// respond returns the status and body for a request path.
function respond(url) {
  return url === '/healthz' ? [200, 'ok\n'] : [404, 'not found\n'];
}

if (require.main === module) {
  const port = Number(process.env.PORT || 3000);
  http
    .createServer((req, res) => {
      const [status, body] = respond(req.url);
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(body);
    })
    .listen(port);
}

module.exports = { respond };
