// The phlomock dashboard. It reads the control plane's JSON routes only
// (journal, scenarios, calls, verify), relative to its own address, so it
// works on the control plane's port (/__admin/ui/) and under --admin-prefix
// (PREFIX/ui/). Everything a request carried is untrusted: it is put in the
// page as text (textContent), never as HTML.
'use strict';
(() => {
  const api = new URL('../', location.href); // /__admin/ or PREFIX/
  const MAX_ROWS = 1000; // rows kept on the page (the journal's default size, a page's most)
  const POLL_MS = 1000;
  const OVERLAP = 64;
  const seen = new Set();
  const bySeq = new Map(); // the entries shown, for their details
  let token = sessionStorage.getItem('phlomock-admin-token') || '';
  // The session the page shows (?session=ID; the default session without):
  // every request says it in the X-Phlomock-Session header.
  const session = new URLSearchParams(location.search).get('session') || '';
  let lastSeq = 0;
  let paused = false;
  let rows = 0;
  let polling = null;
  const $ = (sel) => document.querySelector(sel);

  // h builds an element: h('td', {class: 'x'}, 'text', child...).
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === undefined || kid === null || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }

  class AuthError extends Error {}

  // call sends one control plane request; it answers {status, data}.
  async function call(method, path, body, contentType) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    if (session) headers['X-Phlomock-Session'] = session;
    if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
    const resp = await fetch(new URL(path, api), {method, headers, body, cache: 'no-store'});
    if (resp.status === 401) {
      $('#token-form').hidden = false;
      $('#token').focus();
      throw new AuthError('the control plane needs its token');
    }
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = {error: text}; }
    return {status: resp.status, data};
  }

  function setLive(text) { $('#live').textContent = text; }

  function statusClass(s) { return s ? 's' + String(s)[0] + 'xx' : 'bad'; }

  function pretty(text) {
    if (text === undefined || text === null || text === '') return '(empty)';
    if (typeof text !== 'string') return JSON.stringify(text, null, 2);
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  function time(t) {
    const d = new Date(t);
    return isNaN(d) ? '' : d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  // ---- journal ----

  function filterQuery() {
    const q = new URLSearchParams();
    for (const el of $('#filters').elements) {
      if (el.name && el.value.trim()) q.set(el.name, el.value.trim());
    }
    return q;
  }

  function answeredBy(e) {
    if (e.rule) return (e.scenario ? e.scenario + ' / ' : '') + e.rule;
    if (e.scenario) return e.scenario;
    return e.source;
  }

  // esc makes text safe to put in HTML: the journal's rows are built as one
  // string (the browser parses 1,000 rows far faster than it takes 12,000
  // createElement calls), every value through esc.
  const escapes = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  function esc(v) { return String(v === undefined || v === null ? '' : v).replace(/[&<>"']/g, (c) => escapes[c]); }

  function rowHTML(e, fresh) {
    const nv = (e.violations || []).length;
    let flags = '';
    if (!e.valid) flags += '<span class="badge bad">' + nv + ' violation' + (nv === 1 ? '' : 's') + '</span>';
    if (e.lenient && e.lenient.length) flags += '<span class="badge warn">lenient</span>';
    if (e.closest) flags += '<span class="badge info">no route</span>';
    if (e.call_seq) flags += '<span class="badge info">call #' + esc(e.call_seq) + '</span>';
    return '<li data-seq="' + esc(e.seq) + '"' + (fresh ? ' class="new"' : '') + '><details><summary>' +
      '<span class="seq">#' + esc(e.seq) + '</span>' +
      '<span class="muted mono">' + esc(time(e.time)) + '</span>' +
      '<span class="method mono">' + esc(e.method) + '</span>' +
      '<span class="path mono">' + esc(e.path + (e.raw_query ? '?' + e.raw_query : '')) + '</span>' +
      '<span class="badge status ' + statusClass(e.status) + '" aria-label="status ' + esc(e.status) + '">' + esc(e.status || '–') + '</span>' +
      '<span class="operation">' + esc(e.operation_id || '(no operation)') + '</span>' +
      '<span class="by muted" title="answered by">' + esc(answeredBy(e)) + '</span>' +
      '<span class="flags">' + flags + '</span></summary></details></li>';
  }

  function detailsOf(e) {
    const box = h('div', {class: 'entry'});
    const headers = Object.entries(e.header || {}).sort(([a], [b]) => a.localeCompare(b));
    box.append(
      h('h4', {}, 'Request'),
      h('p', {class: 'mono'}, e.method + ' ' + e.path + (e.raw_query ? '?' + e.raw_query : ''), e.auth_id ? '  (Auth ID ' + e.auth_id + ')' : ''),
      h('table', {class: 'grid headers'}, h('caption', {class: 'muted'}, 'Headers as received; credentials redacted by the fake'),
        h('tbody', {}, headers.map(([k, vs]) => h('tr', {}, h('th', {scope: 'row'}, k), h('td', {class: 'mono'}, vs.join(', ')))))),
      h('h4', {}, 'Body', e.body_truncated ? ' (first bytes of ' + e.body_size + ')' : ''),
      h('pre', {class: 'request-body'}, pretty(e.body)));
    if (e.lenient && e.lenient.length) {
      box.append(h('h4', {}, 'Leniencies applied'), h('ul', {class: 'lenient'}, e.lenient.map((l) => h('li', {}, l))));
    }
    if (e.violations && e.violations.length) {
      box.append(h('h4', {}, 'Violations'), h('table', {class: 'grid violations'},
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Code'), h('th', {scope: 'col'}, 'JSON pointer'), h('th', {scope: 'col'}, 'Message'))),
        h('tbody', {}, e.violations.map((v) => h('tr', {},
          h('td', {class: 'mono code'}, v.code), h('td', {class: 'mono pointer'}, v.pointer || '(whole body)'), h('td', {}, v.message))))));
    }
    box.append(
      h('h4', {}, 'Answer ', h('span', {class: 'badge ' + statusClass(e.status)}, e.status), e.answer_truncated ? ' (first bytes of ' + e.answer_size + ')' : ''),
      h('pre', {class: 'answer'}, pretty(e.answer)),
      h('h4', {}, 'Answered by'),
      h('p', {class: 'answered-by'},
        'source ' + e.source,
        e.scenario ? ', scenario ' + e.scenario : '',
        e.rule ? ', rule ' + e.rule : (e.source === 'spec' || e.scenario ? ', no rule matched' : ''),
        e.call_seq ? ', call action #' + e.call_seq : '',
        ', in ' + (e.duration_ns / 1e6).toFixed(2) + ' ms'));
    if (e.closest) {
      const c = e.closest;
      box.append(h('h4', {}, 'Closest operation'),
        h('p', {class: 'closest'}, (c.operation_id || '') + ' ' + c.method + ' ' + c.path),
        h('ul', {}, (c.differences || []).map((d) => h('li', {class: 'mono'}, d))));
    }
    return box;
  }

  // addEntries puts entries (oldest first) on top of the list.
  function addEntries(entries, fresh) {
    entries = entries.filter((e) => !seen.has(e.seq));
    if (!entries.length) return;
    for (const e of entries) seen.add(e.seq);
    const start = performance.now();
    let rowsHTML = '';
    for (let i = entries.length - 1; i >= 0; i--) {
      bySeq.set(entries[i].seq, entries[i]);
      rowsHTML += rowHTML(entries[i], fresh);
    }
    const list = $('#journal-list');
    list.insertAdjacentHTML('afterbegin', rowsHTML);
    rows += entries.length;
    while (rows > MAX_ROWS) {
      const seq = Number(list.lastElementChild.dataset.seq);
      seen.delete(seq);
      bySeq.delete(seq);
      list.lastElementChild.remove();
      rows--;
    }
    lastSeq = Math.max(lastSeq, entries[entries.length - 1].seq);
    const built = performance.now() - start;
    void list.getBoundingClientRect().height; // lays the rows out now, to time it
    document.documentElement.dataset.buildMs = built.toFixed(1);
    document.documentElement.dataset.renderMs = (performance.now() - start).toFixed(1);
    document.documentElement.dataset.rendered = String(entries.length);
    $('#journal-count').textContent = rows + ' exchange' + (rows === 1 ? '' : 's') + ' shown';
  }

  async function loadJournal() {
    $('#journal-list').replaceChildren();
    rows = 0;
    lastSeq = 0;
    seen.clear();
    bySeq.clear();
    const q = filterQuery();
    q.set('limit', String(MAX_ROWS));
    const {status, data} = await call('GET', 'journal?' + q);
    if (status !== 200) {
      $('#journal-count').textContent = 'Journal: ' + (data && data.error);
      return;
    }
    addEntries(data.entries, false);
    if (!rows) $('#journal-count').textContent = 'No exchange yet: send a request to the fake.';
    // A page holds what fits its byte budget (max_bytes): with large
    // bodies, fewer than limit entries; say that older ones were left out.
    else if (data.earlier) $('#journal-count').textContent += ' (the latest that fit a page of ' + data.max_bytes + ' bytes; older ones: GET journal?after=0)';
  }

  async function poll() {
    if (paused || document.hidden) return;
    try {
      const q = filterQuery();
      // An entry still being stored when the journal is read comes in a
      // later poll with a lower seq: ask again for a few before the last.
      q.set('after', String(Math.max(0, lastSeq - OVERLAP)));
      q.set('limit', String(MAX_ROWS));
      const {status, data} = await call('GET', 'journal?' + q);
      if (status !== 200) { setLive('Journal: ' + (data && data.error)); return; }
      // more: over a page came in since the last poll, more than the page
      // keeps: show the latest ones instead of the oldest of them.
      if (data.more) { await loadJournal(); return; }
      addEntries(data.entries, true);
      setLive('Live · ' + rows + ' shown · updated ' + new Date().toTimeString().slice(0, 8));
      if (data.entries.some((e) => e.operation_id === 'updateMultiPartyCall' || e.operation_id === 'updateMember')) loadCalls();
    } catch (err) {
      setLive(err instanceof AuthError ? 'Waiting for the admin token' : 'Cannot reach the control plane: ' + err.message);
    }
  }

  // ---- calls ----

  function subjectOf(a) {
    if (!a) return '';
    if (a.action === 'call') return a.to;
    if (a.action === 'warm_transfer' || a.action === 'cold_transfer') return a.trigger_source + ' → ' + a.to;
    return a.member;
  }

  // epochOf keeps the journal entries of the call's current life: a reset
  // numbers its actions from 1 again, so it starts after the last accepted
  // action before the latest call_seq 1 (or, with no action yet, after the
  // last accepted action).
  function epochOf(entries, steps) {
    let end = entries.length;
    if (steps > 1) {
      end = entries.map((e) => e.call_seq).lastIndexOf(1);
      if (end < 0) return [];
    }
    let from = 0;
    for (let i = end - 1; i >= 0; i--) {
      if (entries[i].call_seq) { from = i + 1; break; }
    }
    return entries.slice(from);
  }

  // callbackRow lists the callbacks an action fired (their last attempt
  // each), with the delivery result: beside the transition in the timeline.
  function callbackRow(cbs, seq, width) {
    const last = new Map();
    for (const a of cbs) if (a.seq === seq) last.set(a.id, a);
    if (!last.size) return null;
    const items = [...last.values()].sort((x, y) => x.index - y.index).map((a) => h('span', {class: 'callback', 'data-event': a.event, 'data-outcome': a.outcome},
      h('strong', {}, a.event), a.member ? ' ' + a.member : '', ' → ',
      h('span', {class: 'badge ' + (a.outcome === 'delivered' ? 'connected' : 'refused')}, a.outcome + (a.status ? ' ' + a.status : '')),
      a.try > 1 ? ' after ' + a.try + ' tries' : '', a.fault ? ' (' + a.fault + ')' : '', ' '));
    return h('tr', {class: 'callbacks', 'data-step': seq},
      h('td', {class: 'step'}, ''), h('td', {}, 'callbacks'), h('td', {colspan: width + 1}, items));
  }

  function callTable(hist, entries, cbs) {
    const addrs = [];
    const roles = {};
    for (const st of hist.steps) {
      for (const m of st.members) {
        if (!addrs.includes(m.address)) addrs.push(m.address);
        roles[m.address] = m.role;
      }
    }
    const stateAt = (st, addr) => (st.members.find((m) => m.address === addr) || {}).state || 'absent';
    const cells = (st, prev) => addrs.map((a) => {
      const s = stateAt(st, a);
      const changed = prev && stateAt(prev, a) !== s;
      return h('td', {class: 'member' + (changed ? ' changed' : ''), 'data-member': a, 'data-state': s},
        h('span', {class: 'badge ' + s}, s.replace('_', ' ')), changed ? ' ←' : '');
    });
    const transfer = (st) => st.transfer ? st.transfer.initiator + ' → ' + st.transfer.target + (st.transfer.held.length ? ' (holding ' + st.transfer.held.join(', ') + ')' : '') : '';
    const body = h('tbody');
    const start = hist.steps[0];
    body.append(h('tr', {class: 'start', 'data-step': 0},
      h('td', {class: 'step'}, hist.complete ? 'start' : 'now (#' + start.seq + ')'), h('td', {}, hist.complete ? 'scenario world' : 'earlier steps are out of the call log'), cells(start), h('td', {}, transfer(start))));
    let prev = start;
    for (const e of epochOf(entries, hist.steps.length)) {
      let reason = '';
      try { reason = (typeof e.answer === 'string' ? JSON.parse(e.answer) : e.answer).error; } catch (err) { reason = String(e.answer); }
      let action = '';
      try { const b = JSON.parse(e.body || '{}'); action = b.action || ''; } catch (err) { /* not JSON */ }
      const what = (action || '?') + (e.path_params && e.path_params.member_address ? ' on ' + e.path_params.member_address : '');
      const link = h('a', {href: '#journal', onclick: () => openEntry(e.seq)}, 'request #' + e.seq);
      if (e.call_seq && hist.complete && hist.steps[e.call_seq]) {
        const st = hist.steps[e.call_seq];
        body.append(h('tr', {class: 'changed', 'data-step': e.call_seq, 'data-action': st.action.action},
          h('td', {class: 'step'}, '#' + e.call_seq + ' ', link),
          h('td', {}, h('strong', {}, st.action.action), ' ', subjectOf(st.action)),
          cells(st, prev), h('td', {}, transfer(st))));
        const cbRow = callbackRow(cbs || [], e.call_seq, addrs.length || 1);
        if (cbRow) body.append(cbRow);
        prev = st;
      } else if (!e.call_seq) {
        const refused = e.valid && e.status === 400;
        const label = refused ? 'refused' : !e.valid ? 'rejected by the contract' : 'answered ' + e.status + (e.rule ? ' by rule ' + e.rule : '');
        const why = refused ? reason : !e.valid ? (e.violations || []).map((v) => v.code + ' ' + (v.pointer || '')).join('; ') : 'the call did not change';
        body.append(h('tr', {class: 'refused', 'data-refused': label},
          h('td', {class: 'step'}, link),
          h('td', {}, h('strong', {}, what), ' ', h('span', {class: 'badge refused'}, label)),
          h('td', {colspan: addrs.length || 1, class: 'reason'}, why, ' — nothing changed'),
          h('td', {}, '')));
      }
    }
    return h('table', {class: 'grid timeline'},
      h('caption', {class: 'muted'}, 'Rows: the start, then each request on this call; columns: each member\'s state after it'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Step'), h('th', {scope: 'col'}, 'Action'),
        addrs.length ? addrs.map((a) => h('th', {scope: 'col'}, a, h('br'), h('span', {class: 'muted'}, roles[a]))) : h('th', {scope: 'col'}, 'Members'),
        h('th', {scope: 'col'}, 'Pending transfer'))),
      body);
  }

  let callsBusy = false;
  async function loadCalls() {
    if (callsBusy) return;
    callsBusy = true;
    try {
      const box = $('#calls-list');
      const {data} = await call('GET', 'calls');
      if (!data || !data.stateful) {
        box.replaceChildren(h('p', {}, 'No active scenario is stateful: activate transfer-flow (or a scenario with stateful: true) to simulate calls.'));
        return;
      }
      const [a, b] = await Promise.all([call('GET', 'journal?operation=updateMultiPartyCall&limit=' + MAX_ROWS), call('GET', 'journal?operation=updateMember&limit=' + MAX_ROWS)]);
      const all = [...(a.data.entries || []), ...(b.data.entries || [])].sort((x, y) => x.seq - y.seq);
      const out = [];
      for (const c of data.calls) {
        const {status, data: hist} = await call('GET', 'calls/' + encodeURIComponent(c.phlo_id) + '/' + encodeURIComponent(c.node_id) + '/history');
        if (status !== 200) continue;
        const mine = all.filter((e) => e.path_params && e.path_params.phlo_id === c.phlo_id && e.path_params.node_id === c.node_id);
        // The callbacks of this call (none when the fake sends none).
        const cb = await call('GET', 'callbacks?phlo_id=' + encodeURIComponent(c.phlo_id) + '&node_id=' + encodeURIComponent(c.node_id));
        const cbs = cb.status === 200 && cb.data ? cb.data.attempts || [] : [];
        out.push(h('div', {class: 'call', 'data-phlo': c.phlo_id, 'data-node': c.node_id},
          h('h3', {}, 'PHLO ', h('code', {}, c.phlo_id), ' node ', h('code', {}, c.node_id), ' — ' + c.seq + ' action' + (c.seq === 1 ? '' : 's') + ' applied'),
          callTable(hist, mine, cbs)));
      }
      box.replaceChildren(...(out.length ? out : [h('p', {}, 'No call yet.')]));
    } catch (err) {
      if (!(err instanceof AuthError)) $('#calls-list').textContent = 'Calls: ' + err.message;
    } finally {
      callsBusy = false;
    }
  }

  function openEntry(seq) {
    const li = document.querySelector('#journal-list li[data-seq="' + Number(seq) + '"]');
    if (!li) return;
    const det = li.querySelector('details');
    det.open = true;
    det.querySelector('summary').focus();
  }

  // ---- scenarios ----

  async function loadScenarios() {
    const {data} = await call('GET', 'scenarios');
    $('#active-names').textContent = (data.active || []).join(', ') || '(none)';
    $('#available').replaceChildren(...data.available.map((s) => {
      const id = 'sc-' + s.name.replace(/[^A-Za-z0-9_-]/g, '_');
      return h('tr', {'data-name': s.name},
        h('td', {}, h('input', {type: 'checkbox', id, value: s.name, checked: (data.active || []).includes(s.name)})),
        h('td', {}, h('label', {for: id}, s.name)),
        h('td', {}, s.description || ''),
        h('td', {}, s.builtin ? 'built-in' : 'uploaded' + (s.file ? ' (' + s.file + ')' : ''), s.stateful ? ', stateful' : ''));
    }));
  }

  function say(sel, text, bad) {
    const el = $(sel);
    el.replaceChildren(h('p', {class: 'result' + (bad ? ' bad' : '')}, text));
  }

  async function activate(names) {
    const {status, data} = await call('PUT', 'scenarios/active', JSON.stringify({names}));
    if (status === 200) say('#scenario-message', 'Active: ' + (data.active || []).join(', '));
    else say('#scenario-message', data.error, true);
    await loadScenarios();
    loadCalls();
  }

  async function upload(ev) {
    ev.preventDefault();
    const file = $('#upload-file').files[0];
    const text = file ? await file.text() : $('#upload-text').value;
    const name = file ? file.name : 'pasted.yaml';
    const q = new URLSearchParams({file: name, activate: String($('#upload-activate').checked)});
    const {status, data} = await call('POST', 'scenarios?' + q, text, 'application/yaml');
    const box = $('#upload-result');
    if (status === 201) {
      box.replaceChildren(h('p', {class: 'result'}, 'Uploaded ' + name + '. Active: ' + (data.active || []).join(', ')));
    } else {
      const errs = data.errors || [data.error];
      box.replaceChildren(h('div', {class: 'result bad'},
        h('p', {}, 'The scenario was not loaded (nothing changed): ' + errs.length + ' problem' + (errs.length === 1 ? '' : 's')),
        h('ul', {class: 'errors'}, errs.map((m) => h('li', {}, m)))));
    }
    await loadScenarios();
    loadCalls();
  }

  // ---- verify ----

  async function verify(ev) {
    ev.preventDefault();
    const {status, data} = await call('POST', 'verify', $('#pattern').value);
    const box = $('#verify-result');
    if (status !== 200 && status !== 417) {
      box.replaceChildren(h('p', {class: 'result bad'}, data.error));
      return;
    }
    const kids = [h('p', {}, h('strong', {class: 'count'}, String(data.count)), ' matching request' + (data.count === 1 ? '' : 's'),
      data.expect !== undefined ? ' (expected ' + data.expect + ')' : '')];
    if (data.error) kids.push(h('p', {}, data.error));
    if (data.near && data.near.length) {
      kids.push(h('p', {}, 'Closest requests:'), h('ul', {class: 'near'}, data.near.map((n) => h('li', {},
        h('a', {href: '#journal', onclick: () => openEntry(n.seq)}, '#' + n.seq), ' ' + n.method + ' ' + n.path + ': ',
        h('span', {class: 'mono'}, n.differences.join('; '))))));
    }
    box.replaceChildren(h('div', {class: 'result' + (status === 417 ? ' bad' : '')}, kids));
  }

  // ---- sessions ----

  // loadSessions fills the picker with the live sessions; picking one
  // reloads the page on it, so one session is shown at a time.
  async function loadSessions() {
    const {status, data} = await call('GET', 'sessions?limit=1000');
    if (status !== 200) return;
    const picker = $('#session-picker');
    const opts = [h('option', {value: ''}, 'default')];
    for (const s of data.sessions || []) opts.push(h('option', {value: s.id}, s.id));
    if (session && !(data.sessions || []).some((s) => s.id === session)) opts.push(h('option', {value: session}, session + ' (ended)'));
    picker.replaceChildren(...opts);
    picker.value = session;
  }

  // ---- wiring ----

  async function start() {
    try {
      await Promise.all([loadJournal(), loadScenarios(), loadCalls(), loadSessions()]);
      setLive('Live · ' + rows + ' shown');
      document.documentElement.dataset.ready = 'true';
    } catch (err) {
      document.documentElement.dataset.error = err.message;
      setLive(err instanceof AuthError ? 'Waiting for the admin token' : 'Cannot reach the control plane: ' + err.message);
    }
    if (!polling) polling = setInterval(poll, POLL_MS);
  }

  function guard(fn) {
    return (ev) => Promise.resolve(fn(ev)).catch((err) => { if (!(err instanceof AuthError)) setLive('Error: ' + err.message); });
  }

  document.addEventListener('DOMContentLoaded', () => {
    // An entry's details are built when it is first opened ('toggle' does
    // not bubble: it is caught on its way down).
    $('#journal-list').addEventListener('toggle', (ev) => {
      const det = ev.target;
      if (!(det instanceof HTMLDetailsElement) || !det.open || det.children.length !== 1) return;
      const e = bySeq.get(Number(det.parentElement.dataset.seq));
      if (e) det.append(detailsOf(e));
    }, true);
    $('#token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      token = $('#token').value;
      sessionStorage.setItem('phlomock-admin-token', token);
      $('#token-form').hidden = true;
      start();
    });
    $('#pause').addEventListener('click', () => {
      paused = !paused;
      $('#pause').setAttribute('aria-pressed', String(paused));
      $('#pause').textContent = paused ? 'Resume' : 'Pause';
      setLive(paused ? 'Paused' : 'Live');
    });
    $('#filters').addEventListener('submit', guard((ev) => { ev.preventDefault(); return loadJournal(); }));
    $('#filters').addEventListener('reset', guard(() => new Promise((r) => setTimeout(r)).then(loadJournal)));
    $('#clear-journal').addEventListener('click', guard(async () => {
      await call('DELETE', 'journal');
      $('#journal-list').replaceChildren();
      rows = 0;
      seen.clear();
      bySeq.clear();
      $('#journal-count').textContent = 'The journal is empty.';
      loadCalls();
    }));
    $('#activate-form').addEventListener('submit', guard((ev) => {
      ev.preventDefault();
      const checked = [...document.querySelectorAll('#available input:checked')].map((i) => i.value);
      if (!checked.length) return activate(['success']);
      const active = $('#active-names').textContent.split(', ');
      checked.sort((a, b) => (active.indexOf(a) + 1 || 1e9) - (active.indexOf(b) + 1 || 1e9));
      return activate(checked);
    }));
    $('#deactivate').addEventListener('click', guard(() => activate(['success'])));
    $('#reset').addEventListener('click', guard(async () => {
      const {data} = await call('POST', 'reset');
      say('#scenario-message', 'Reset: counters rewound and calls back to their world; active: ' + (data.active || []).join(', '));
      loadCalls();
    }));
    $('#session-picker').addEventListener('change', (ev) => {
      const q = new URLSearchParams(location.search);
      if (ev.target.value) q.set('session', ev.target.value); else q.delete('session');
      location.search = q.toString();
    });
    $('#upload-form').addEventListener('submit', guard(upload));
    $('#verify-form').addEventListener('submit', guard(verify));
    start();
  });
})();
