// Two tests at once on one fake, each in its own session, through
// plivo-node as its users call it: each test creates a session, gives the
// SDK the session's account, arranges its own scenario and checks its own
// journal. Run by TestSessionsPlivoNode: node sessions-plivo-node.js API ADMIN
'use strict';

const plivo = require('plivo');

const [api, admin] = process.argv.slice(2);
const phlo = 'e4a1c2d3-5b6f-4a70-8c91-2d3e4f5a6b7c';
const node = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

async function control(method, path, session, body) {
  const res = await fetch(admin + '/__admin' + path + (session ? (path.includes('?') ? '&' : '?') + 'session=' + session : ''), {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

async function outcome(p) {
  try {
    const r = await p;
    return { ok: true, api_id: r.apiId || r.api_id };
  } catch (e) {
    return { ok: false, status: e.status, message: String(e.message) };
  }
}

// A test: its session, its scenario, three cold transfers, its verify.
async function test(scenario) {
  const s = (await control('POST', '/sessions', '', { ttl: '2m', scenarios: [scenario] })).body;
  const client = new plivo.PhloClient(s.auth_id, s.auth_token, { url: api + '/v1' });
  const mpc = client.phlo(phlo).multiPartyCall(node);
  const answers = [];
  for (let i = 0; i < 3; i++) {
    answers.push(await outcome(mpc.coldTransfer('+14152225555', '+1415222440' + i, 'agent')));
  }
  const verify = (await control('POST', '/verify', s.id, { operation: 'updateMultiPartyCall', body: { action: 'cold_transfer' } })).body;
  const journal = (await control('GET', '/journal?limit=1000', s.id)).body;
  return { scenario, auth_id: s.auth_id, answers, verify: verify.count, journal: journal.entries.map((e) => e.auth_id + ' ' + e.status) };
}

(async () => {
  const [a, b] = await Promise.all([test('transfer-flow'), test('bad-role')]);
  const defaultJournal = (await control('GET', '/journal', '')).body.entries.length;
  process.stdout.write(JSON.stringify({ a, b, default_journal: defaultJournal }) + '\n');
})().catch((e) => { process.stderr.write(String(e.stack || e) + '\n'); process.exit(1); });
