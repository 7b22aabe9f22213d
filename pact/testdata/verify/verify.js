// Replays a pact file against a running fake with Pact's own verifier
// (pact-core), as a provider's CI would: node verify.js PACT_FILE API_URL
// CONTROL_PLANE_URL AUTH_ID AUTH_TOKEN. Each interaction's provider state,
// "scenario NAME is active", is set up by activating NAME on the fake's
// control plane and resetting it when the scenario changes, or when the
// state's call_seq is 1 (the first step of a simulated call): the steps of
// a call are replayed in order on one call, as they were recorded. Exit 0
// when every interaction passes; the verifier's report is on standard
// output.
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const pact = require('@pact-foundation/pact-core').default;

const [file, api, admin, authID, authToken] = process.argv.slice(2);
if (!authToken) {
  console.error('usage: node verify.js PACT_FILE API_URL CONTROL_PLANE_URL AUTH_ID AUTH_TOKEN');
  process.exit(2);
}

async function controlPlane(method, path, body) {
  const headers = body ? { 'Content-Type': 'application/json' } : {};
  const res = await fetch(admin + path, { method, headers, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

const states = [];
let active = '';
const server = http.createServer((req, res) => {
  let data = '';
  req.on('data', (c) => { data += c; });
  req.on('end', async () => {
    try {
      const { state, params, action } = JSON.parse(data || '{}');
      if (action === 'setup') {
        const scenario = (params && params.scenario) || '';
        if (!scenario) throw new Error(`provider state ${JSON.stringify(state)} names no scenario`);
        if (scenario !== active || params.call_seq === '1') {
          // reset puts the start scenarios back: rewind first, then activate
          await controlPlane('POST', '/__admin/reset');
          await controlPlane('PUT', '/__admin/scenarios/active', { names: [scenario] });
          active = scenario;
        }
        states.push(state);
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    } catch (err) {
      console.error('state setup:', err.message);
      res.writeHead(500);
      res.end(err.message);
    }
  });
});

server.listen(0, '127.0.0.1', async () => {
  const n = JSON.parse(fs.readFileSync(file, 'utf8')).interactions.length;
  const basic = Buffer.from(`${authID}:${authToken}`).toString('base64');
  let code = 0;
  try {
    pact.logLevel('warn');
    await pact.verifyPacts({
      providerBaseUrl: api,
      pactUrls: [file],
      providerStatesSetupUrl: `http://127.0.0.1:${server.address().port}/`,
      customProviderHeaders: [`Authorization: Basic ${basic}`],
    });
    console.log(`verified: ${n} interactions, ${states.length} provider states set up`);
  } catch (err) {
    console.log(`verification failed: ${err.message || err}`);
    code = 1;
  }
  server.close();
  process.exit(code);
});
