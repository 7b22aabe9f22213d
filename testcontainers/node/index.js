// Testcontainers module for phlomock (docs/testcontainers.md): the same as
// the Go module github.com/phlomock/phlomock/testcontainers/phlomock.
'use strict';
const path = require('node:path');
const { GenericContainer, Wait } = require('testcontainers');

const API_PORT = 8080;
const ADMIN_PORT = 8081;
const DEFAULT_AUTH_ID = 'MAPHLOMOCKDEFAULT001';
const DEFAULT_AUTH_TOKEN = 'phlomock-default-auth-token';

// PhlomockContainer is a phlomock image to start: configure it, then start().
class PhlomockContainer extends GenericContainer {
  constructor(image) {
    if (!image) throw new Error('PhlomockContainer: give the image (built with make docker)');
    super(image);
    this.scenarios = [];
    this.env = {
      PHLOMOCK_ADMIN_ADDR: `0.0.0.0:${ADMIN_PORT}`,
      PHLOMOCK_AUTH_ID: DEFAULT_AUTH_ID,
      PHLOMOCK_AUTH_TOKEN: DEFAULT_AUTH_TOKEN,
    };
    this.withExposedPorts(API_PORT, ADMIN_PORT)
      .withWaitStrategy(Wait.forHttp('/readyz', ADMIN_PORT, { abortOnContainerExit: true }).forStatusCode(200))
      .withStartupTimeout(60_000);
  }

  // withScenario activates scenarios by name, later ones overriding earlier ones.
  withScenario(...names) {
    if (names.length === 0) throw new Error('withScenario: no scenario named');
    this.scenarios.push(...names);
    return this;
  }

  // withScenarioFile copies a scenario file of the host into the container
  // (readable by the image's uid 65532) and activates it.
  withScenarioFile(hostPath) {
    const target = `/scenarios/${path.basename(hostPath)}`;
    this.withCopyFilesToContainer([{ source: hostPath, target, mode: 0o644 }]);
    this.scenarios.push(target);
    return this;
  }

  withCredentials(authID, authToken) {
    if (!authID || !authToken) throw new Error('withCredentials: want an Auth ID and an Auth Token');
    this.env.PHLOMOCK_AUTH_ID = authID;
    this.env.PHLOMOCK_AUTH_TOKEN = authToken;
    return this;
  }

  // withAdminToken puts the control plane behind a bearer token.
  withAdminToken(token) {
    this.env.PHLOMOCK_ADMIN_TOKEN = token;
    return this;
  }

  async start() {
    const env = { ...this.env };
    if (this.scenarios.length > 0) env.PHLOMOCK_SCENARIO = this.scenarios.join(',');
    this.withEnvironment(env);
    let started;
    try {
      started = await super.start();
    } catch (err) {
      throw new Error(`phlomock: start ${this.imageName.string}: ${err.message}`, { cause: err });
    }
    return new StartedPhlomockContainer(started, env);
  }
}

// StartedPhlomockContainer is a running phlomock: its URLs and credentials.
class StartedPhlomockContainer {
  constructor(started, env) {
    this.container = started;
    const host = started.getHost();
    this.apiURL = `http://${host}:${started.getMappedPort(API_PORT)}`;
    this.adminURL = `http://${host}:${started.getMappedPort(ADMIN_PORT)}`;
    this.authID = env.PHLOMOCK_AUTH_ID;
    this.authToken = env.PHLOMOCK_AUTH_TOKEN;
    this.adminToken = env.PHLOMOCK_ADMIN_TOKEN || '';
  }

  async admin(method, p, body, want) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.adminToken) headers.Authorization = `Bearer ${this.adminToken}`;
    const res = await fetch(this.adminURL + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== want) throw new Error(`phlomock: ${method} ${p}: ${res.status}: ${text.trim()}`);
    return JSON.parse(text);
  }

  // newSession opens a session of its own for one test: {id, auth_id, auth_token, active}.
  newSession(...scenarios) {
    return this.admin('POST', '/__admin/sessions', { scenarios }, 201);
  }

  // journal is the latest page of the journal (limit entries, 1 to 1000).
  journal(limit = 100) {
    return this.admin('GET', `/__admin/journal?limit=${limit}`, undefined, 200);
  }

  stop() {
    return this.container.stop();
  }
}

module.exports = { PhlomockContainer, StartedPhlomockContainer, API_PORT, ADMIN_PORT, DEFAULT_AUTH_ID, DEFAULT_AUTH_TOKEN };
