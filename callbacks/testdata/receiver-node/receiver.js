// A webhook receiver as an application would write it with plivo-node: it
// checks every callback with plivo.validateV3Signature, unmodified, and
// prints one JSON line per callback on stdout (after a first line with its
// address). NODE_PATH points at certify/drivers/plivo-node/node_modules.
//
//   node receiver.js TOKEN
'use strict';
const http = require('http');
const querystring = require('querystring');
const plivo = require('plivo');

const token = process.argv[2];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const uri = 'http://' + req.headers.host + req.url;
    let params = {};
    let vars = {};
    const type = req.headers['content-type'] || '';
    if (req.method === 'POST' && type === 'application/x-www-form-urlencoded') {
      params = Object.assign({}, querystring.parse(body));
      vars = params;
    } else if (type === 'application/json') {
      vars = JSON.parse(body);
    } else if (req.method === 'GET') {
      vars = Object.assign({}, querystring.parse(req.url.split('?')[1] || ''));
    }
    const valid = plivo.validateV3Signature(req.method, uri,
      req.headers['x-plivo-signature-v3-nonce'] || '', token,
      req.headers['x-plivo-signature-v3'] || '', params);
    process.stdout.write(JSON.stringify({ valid, method: req.method, vars }) + '\n');
    res.writeHead(200);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write('http://127.0.0.1:' + server.address().port + '\n');
});
