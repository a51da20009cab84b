'use strict';

const http = require('node:http');
const { handler } = require('./app');

http.createServer(handler).listen(process.env.PORT || 3000);
