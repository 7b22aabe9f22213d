// The Node module against the image make testcontainers builds
// (PHLOMOCK_IMAGE), through podman's Docker-compatible API on a socket this
// test serves and stops by its PID. Ryuk (Testcontainers' reaper) cannot be
// pulled here: it is disabled, and every test stops its container itself.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const image = process.env.PHLOMOCK_IMAGE;
const required = process.env.PHLOMOCK_REQUIRE_CONTAINER === '1';
const skip = !image && !required && 'no image (make testcontainers builds one and sets PHLOMOCK_IMAGE)';
const seed = { action: 'cold_transfer', to: '+14152225555', role: 'agent', trigger_source: '+14152223333' };

let service;
let dir;

function ping(sock) {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: sock, path: '/_ping', timeout: 2000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

before(async () => {
  if (skip) return;
  assert.ok(image, 'PHLOMOCK_IMAGE is not set, and PHLOMOCK_REQUIRE_CONTAINER=1: run make testcontainers');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phlomock-tc-node-'));
  const sock = path.join(dir, 'podman.sock');
  const env = { ...process.env };
  // The host has no systemd: cgroupfs, as deploy/containers.conf says.
  if (!env.CONTAINERS_CONF) env.CONTAINERS_CONF = path.resolve(__dirname, '../../../deploy/containers.conf');
  service = spawn('podman', ['--runtime', 'runc', 'system', 'service', '--time=0', `unix://${sock}`], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const deadline = Date.now() + 30_000;
  while (!(await ping(sock))) {
    assert.ok(Date.now() < deadline, `podman system service: no answer on ${sock} after 30s`);
    assert.equal(service.exitCode, null, 'podman system service exited');
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.DOCKER_HOST = `unix://${sock}`;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
});

after(async () => {
  if (!service) return;
  const exited = new Promise((r) => service.once('exit', r));
  process.kill(service.pid, 'SIGINT');
  const timer = setTimeout(() => process.kill(service.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(url, id, token) {
  const res = await fetch(`${url}/v1/phlo/P1/multi_party_call/N1`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Basic ' + Buffer.from(`${id}:${token}`).toString('base64') },
    body: JSON.stringify(seed),
  });
  return { status: res.status, body: await res.json() };
}

test('starts, answers with the credentials and scenario given, opens a session, stops', { skip }, async () => {
  // Required here, after DOCKER_HOST is set: testcontainers reads it on first use.
  const { PhlomockContainer } = require('..');
  const c = await new PhlomockContainer(image)
    .withScenario('bad-role')
    .withAdminToken('tc-admin-token')
    .withCredentials('MATESTCONTAINERS01', 'tc-auth-token')
    .start();
  try {
    assert.match(c.apiURL, /^http:\/\/[^/]+:\d+$/);
    assert.match(c.adminURL, /^http:\/\/[^/]+:\d+$/);
    assert.notEqual(c.apiURL, c.adminURL);
    assert.equal(c.authID, 'MATESTCONTAINERS01');

    assert.equal((await post(c.apiURL, c.authID, 'wrong')).status, 401);
    const bad = await post(c.apiURL, c.authID, c.authToken);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /role/);

    assert.equal((await fetch(`${c.adminURL}/__admin/scenarios`)).status, 401, 'the control plane wants its token');
    const journal = await c.journal(10);
    assert.deepEqual(journal.entries.map((e) => e.status), [401, 400]);

    const s = await c.newSession('success');
    assert.ok(s.id && s.auth_id && s.auth_token, `a session with credentials: ${JSON.stringify(s)}`);
    assert.equal((await post(c.apiURL, s.auth_id, s.auth_token)).status, 201, 'the session runs success');
  } finally {
    await c.stop();
  }
  await assert.rejects(fetch(`${c.adminURL}/readyz`, { signal: AbortSignal.timeout(2000) }), 'the fake is gone once stopped');
});

test('a scenario file of the host is copied in and answers', { skip }, async () => {
  const { PhlomockContainer } = require('..');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'phlomock-tc-')), 'teapot.yaml');
  fs.writeFileSync(file, 'version: 1\nname: teapot\nrules:\n  - name: tea\n    match: {operation: getPhlo}\n    respond: {status: 418, body: {api_id: 8c77b816-d621-4028-afc8-1aeab1d497a8, error: I am a teapot}}\n', { mode: 0o600 });
  const c = await new PhlomockContainer(image).withScenarioFile(file).start();
  try {
    const res = await fetch(`${c.apiURL}/v1/phlo/P1`, { headers: { Authorization: 'Basic ' + Buffer.from(`${c.authID}:${c.authToken}`).toString('base64') } });
    assert.equal(res.status, 418);
    assert.match(await res.text(), /I am a teapot/);
  } finally {
    await c.stop();
  }
});

test('a fake that refuses to start is an error, not a wait', { skip }, async () => {
  const { PhlomockContainer } = require('..');
  const start = Date.now();
  await assert.rejects(new PhlomockContainer(image).withScenario('bad-rol').start(), /phlomock: start [^]*unknown scenario "bad-rol"/);
  assert.ok(Date.now() - start < 55_000, `took ${Date.now() - start} ms: waited for the timeout`);
});
