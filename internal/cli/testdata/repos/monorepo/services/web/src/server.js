'use strict';

const http = require('node:http');

const port = process.env.PORT || 3000;

http
  .createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'Content-Type': 'text/plain' });
    res.end(req.url === '/healthz' ? 'ok\n' : 'not found\n');
  })
  .listen(port);
