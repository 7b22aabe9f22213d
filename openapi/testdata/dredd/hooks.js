// Dredd hooks for dredd_test.go: Dredd makes one transaction per documented
// response of every operation, each sent as the spec's example request. The
// fake answers that request with its success status, so for every other
// documented status this hook changes the request so that the fake answers
// it for a reason of its own, never by echoing what Dredd expects:
//
//   200 on an action  the action-200 scenario (the seed's saved 200; the fake answers 201 by default)
//   400 on a POST     a body the contract refuses (an unknown action, a JSON array for a run)
//   400 on a GET      an unknown X-Phlomock-Scenario name, which the fake refuses with 400
//   401               a wrong Auth Token
//   403               the forbidden scenario (the API's "PHLO not enabled"; no request provokes it)
//   404               a PHLO id the fake does not know (it runs with strict ids)
//   413               a body over the fake's 1 MiB limit
//   415               an XML body sent as text/xml
//   429, 500          the built-in rate-limited and server-error scenarios
//
// The scenarios are selected per request with X-Phlomock-Scenario; the test
// loads forbidden.yaml and action-200.yaml into the fake.
const hooks = require('hooks');

const unknownPhlo = '00000000-0000-4000-8000-00000000dead';

function scenario(t, name) {
  t.request.headers['X-Phlomock-Scenario'] = name;
}

hooks.beforeEach((t, done) => {
  const status = t.expected.statusCode;
  const isAction = t.request.method === 'POST' && !t.request.uri.startsWith('/v1/account/');
  switch (status) {
    case '200':
      if (isAction) scenario(t, 'action-200');
      break;
    case '400':
      if (t.request.method === 'GET') {
        scenario(t, 'no-such-scenario');
      } else if (isAction) {
        t.request.body = JSON.stringify({ action: 'phlomock_invalid_action' });
      } else {
        t.request.body = '[]';
      }
      break;
    case '401':
      t.request.headers.Authorization = 'Basic ' + Buffer.from('MAPHLOMOCKDEFAULT001:not-the-token').toString('base64');
      break;
    case '403':
      scenario(t, 'forbidden');
      break;
    case '404': {
      const ids = /\/phlo\/([^/]+)/.exec(t.request.uri);
      t.request.uri = t.request.uri.replace(ids[0], '/phlo/' + unknownPhlo);
      t.fullPath = t.fullPath.replace(ids[0], '/phlo/' + unknownPhlo);
      break;
    }
    case '413':
      t.request.body = JSON.stringify({ action: 'x'.repeat(1 << 20) });
      t.request.headers['Content-Length'] = String(Buffer.byteLength(t.request.body));
      break;
    case '415':
      t.request.headers['Content-Type'] = 'text/xml';
      t.request.body = '<call/>';
      t.request.headers['Content-Length'] = String(Buffer.byteLength(t.request.body));
      break;
    case '429':
      scenario(t, 'rate-limited');
      break;
    case '500':
      scenario(t, 'server-error');
      break;
  }
  done();
});
