#!/usr/bin/env node
// phlomock certification driver for plivo-node, the official Node.js SDK.
// It speaks the driver protocol (docs/driver-protocol.md) on stdin/stdout
// and calls the SDK exactly as its users would:
//   const client = new plivo.PhloClient(authId, authToken, {url: baseUrl + '/v1'});
//   client.phlo(phloId).multiPartyCall(nodeId).coldTransfer(triggerSource, to, role);
// Install with `npm ci` in this folder, run with `node driver.js`.
'use strict';

const readline = require('readline');
const plivo = require('plivo');
const sdkVersion = require('plivo/package.json').version;

const operations = [
  'runPhlo', 'getPhlo', 'getMultiPartyCall',
  'call', 'warmTransfer', 'coldTransfer',
  'abortTransfer', 'hold', 'unhold', 'hangup', 'resumeCall', 'voicemailDrop',
];

// The SDK camelCases the API's fields; the protocol wants the API's names.
const apiNames = {
  apiId: 'api_id', phloId: 'phlo_id', nodeId: 'node_id', name: 'name',
  nodeType: 'node_type', createdOn: 'created_on', phloRunId: 'phlo_run_id',
  message: 'message', error: 'error',
};

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

// perform calls the SDK and resolves to what it returned.
function perform(msg) {
  const p = msg.params || {};
  // The timeout as plivo-node's users set it (its default is a minute):
  // the call's budget (protocol 2), or 8 s, below the call's own timeout.
  const timeout = msg.timeout_ms || 8000;
  const client = new plivo.PhloClient(msg.auth_id, msg.auth_token, { url: msg.base_url + '/v1', timeout });
  const mpc = () => client.phlo(p.phlo_id).multiPartyCall(p.node_id);
  const member = () => mpc().member(p.member_address);
  switch (msg.operation) {
    case 'runPhlo': return p.payload === undefined ? client.phlo(p.phlo_id).run() : client.phlo(p.phlo_id).run(p.payload);
    case 'getPhlo': return client.phlo.get(p.phlo_id);
    case 'getMultiPartyCall': return client.phlo(p.phlo_id).multiPartyCall.get(p.node_id);
    case 'call': return mpc().call(p.trigger_source, p.to, p.role);
    case 'warmTransfer': return mpc().warmTransfer(p.trigger_source, p.to, p.role);
    case 'coldTransfer': return mpc().coldTransfer(p.trigger_source, p.to, p.role);
    // The SDK's member object has no abortTransfer; the node's takes the address.
    case 'abortTransfer': return mpc().abortTransfer(p.member_address);
    case 'hold': return member().hold();
    case 'unhold': return member().unhold();
    case 'hangup': return member().hangup();
    case 'resumeCall': return member().resumeCall();
    case 'voicemailDrop': return member().voicemailDrop();
    default: return Promise.reject(new Unsupported(msg.operation));
  }
}

class Unsupported extends Error {}

function fields(value) {
  const out = {};
  for (const [k, v] of Object.entries(value || {})) {
    if (apiNames[k] !== undefined && v !== undefined && v !== null) {
      out[apiNames[k]] = String(v);
    }
  }
  return out;
}

// clientError reports an error as the SDK exposes it: PlivoRestError has
// status, message and apiID; other rejections (a TypeError thrown before
// sending, a plain Error, a string) expose only their text.
function clientError(err) {
  if (!(err instanceof Error)) {
    return { status: 0, message: String(err) };
  }
  const e = { status: typeof err.status === 'number' ? err.status : 0, message: err.message === undefined ? '' : String(err.message) };
  if (typeof err.apiID === 'string' && err.apiID !== '') {
    e.api_id = err.apiID;
  }
  return e;
}

async function handleCall(msg) {
  const result = { type: 'result', id: msg.id };
  try {
    // A synchronous throw and a rejection are the same to the application.
    const value = await Promise.resolve().then(() => perform(msg));
    result.outcome = 'success';
    result.fields = fields(value);
  } catch (err) {
    if (err instanceof Unsupported) {
      result.outcome = 'unsupported';
      result.message = 'plivo-node has no ' + err.message;
    } else {
      result.outcome = 'error';
      result.error = clientError(err);
    }
  }
  send(result);
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve(); // strictly one message at a time
rl.on('line', (line) => {
  if (line.trim() === '') return;
  queue = queue.then(async () => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      process.stderr.write('plivo-node driver: bad message: ' + err.message + '\n');
      process.exit(2);
    }
    switch (msg.type) {
      case 'hello':
        // Protocol 2 (timeout_ms), or 1 when phlomock opens with 1.
        send({ type: 'hello', protocol: msg.protocol === 1 ? 1 : 2, client: 'plivo-node', version: sdkVersion, operations });
        break;
      case 'call':
        await handleCall(msg);
        break;
      case 'bye':
        process.exit(0);
        break;
      default:
        process.stderr.write('plivo-node driver: ignoring a message of type ' + msg.type + '\n');
    }
  });
});
rl.on('close', () => queue.then(() => process.exit(0)));
