// diag_api.test.mjs - walks a whole adaptive diagnostic through the app API of the
// real daemon: profile, frameworks, roles, start/resume, answers (idempotent),
// results; then looks for the xAPI statements in the LRS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const BIN = process.env.DLA_BIN;
const SRC = process.env.DLA_SOURCE_DIR;
let dataDir, port, base, daemon, token, token2, cred;
let log = '';
let exited = null;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

function dla(args) {
  return execFileSync(BIN, args, {
    env: { ...process.env, DLA_DATA_DIR: dataDir, DLA_HOME: SRC, DLA_LISTEN: `127.0.0.1:${port}` },
    encoding: 'utf8',
  });
}

async function api(method, path, body, tok = token) {
  const headers = { Accept: 'application/json' };
  if (tok) headers.Authorization = `Bearer ${tok}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(base + path, {
    method, headers, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dla-diag-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dla(['init']);
  token = JSON.parse(dla(['token', '--tenant', 'demo', '--user', 'learner-1', '--role', 'learner', '--json'])).token;
  token2 = JSON.parse(dla(['token', '--tenant', 'demo', '--user', 'learner-2', '--role', 'learner', '--json'])).token;
  cred = JSON.parse(dla(['credential', 'add', '--tenant', 'demo', '--json']));
  daemon = spawn(BIN, ['serve'], {
    env: { ...process.env, DLA_DATA_DIR: dataDir, DLA_HOME: SRC, DLA_LISTEN: `127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  daemon.stderr.on('data', (d) => { log += d; });
  daemon.on('exit', (code, sig) => { exited = `daemon exited (code ${code}, signal ${sig}):\n${log}`; });
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(base + '/healthz'); if (r.ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('daemon did not start: ' + log);
});

after(() => {
  if (exited) console.error(exited);
  if (daemon) daemon.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

test('authentication is required', async () => {
  let r = await api('GET', '/api/v1/me', undefined, null);
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthorized');
  r = await api('GET', '/api/v1/me', undefined, 'not-a-token');
  assert.equal(r.status, 401);
});

test('me, frameworks and roles', async () => {
  let r = await api('GET', '/api/v1/me');
  assert.equal(r.status, 200);
  assert.equal(r.json.tenant.id, 'demo');
  assert.deepEqual(r.json.roles, ['learner']);
  assert.ok(['lt', 'en'].includes(r.json.locale));
  assert.equal(r.json.profile.complete, false);
  r = await api('GET', '/api/v1/frameworks');
  assert.equal(r.status, 200);
  const ids = r.json.frameworks.map((f) => f.id);
  assert.ok(ids.includes('digcomp-2.1') && ids.includes('digcomp-3.0'));
  r = await api('GET', '/api/v1/frameworks/digcomp-2.1');
  assert.equal(r.status, 200);
  assert.equal(r.json.areas.length, 5);
  assert.equal(r.json.areas.flatMap((a) => a.competences).length, 21);
  assert.equal(r.json.levels.length, 8);
  assert.equal(r.json.translation.lt.official, false);
  for (const a of r.json.areas) assert.ok(a.title.lt && a.title.en);
  r = await api('GET', '/api/v1/frameworks/nope');
  assert.equal(r.status, 404);
  r = await api('GET', '/api/v1/roles');
  assert.equal(r.status, 200);
  assert.ok(r.json.roles.length >= 4);
  for (const role of r.json.roles) assert.equal(Object.keys(role.targets).length, 21);
});

test('profile: validated, saved, editable', async () => {
  let r = await api('GET', '/api/v1/profile');
  assert.equal(r.status, 200);
  assert.equal(r.json.updated, null);
  r = await api('PUT', '/api/v1/profile', { role_id: 'specialist', bogus: 1 });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /bogus/);
  r = await api('PUT', '/api/v1/profile', { role_id: 'no-such-role' });
  assert.equal(r.status, 400);
  r = await api('PUT', '/api/v1/profile', { role_id: 'specialist', role_text: 'x' });
  assert.equal(r.status, 400);
  r = await api('PUT', '/api/v1/profile', { objectives: [{ competence: '9.9', reason: '' }] });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /objectives\[0\]/);
  r = await api('PUT', '/api/v1/profile', '{"role_id": ');
  assert.equal(r.status, 400);
  r = await api('PUT', '/api/v1/profile', { role_text: 'line\nbreak' });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /^role_text/);
  r = await api('PUT', '/api/v1/profile', { objectives: [{ competence: '1.1', reason: 'x'.repeat(501) }] });
  assert.equal(r.status, 400);
  r = await api('PUT', '/api/v1/profile', {
    role_id: 'specialist',
    objectives: [{ competence: '4.2', reason: 'Tvarkau gyventojų asmens duomenis' }, { competence: '1.3' }],
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.role.id, 'specialist');
  assert.equal(r.json.objectives.length, 2);
  r = await api('PUT', '/api/v1/profile', { role_text: 'Teisininkas', objectives: [] });
  assert.equal(r.status, 200);
  r = await api('GET', '/api/v1/profile');
  assert.equal(r.json.role_text, 'Teisininkas');
  assert.equal(r.json.role, null);
  r = await api('PUT', '/api/v1/profile', { role_id: 'specialist', objectives: [{ competence: '4.2', reason: 'GDPR' }] });
  assert.equal(r.status, 200);
  r = await api('GET', '/api/v1/me');
  assert.equal(r.json.profile.complete, true);
});

test('a whole diagnostic through the API, then its statements in the LRS', async () => {
  let r = await api('POST', '/api/v1/diagnostics', { framework: 'digcomp-2.1', language: 'lt', x: 1 });
  assert.equal(r.status, 400);
  r = await api('POST', '/api/v1/diagnostics', { framework: 'nope' });
  assert.equal(r.status, 400);
  r = await api('POST', '/api/v1/diagnostics', { framework: 'digcomp-2.1', language: 'lt' });
  assert.equal(r.status, 201);
  const id = r.json.id;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(r.json.state, 'in_progress');
  // resume: starting again returns the unfinished one
  r = await api('POST', '/api/v1/diagnostics', {});
  assert.equal(r.status, 200);
  assert.equal(r.json.id, id);
  // other learners cannot see it
  r = await api('GET', `/api/v1/diagnostics/${id}`, undefined, token2);
  assert.equal(r.status, 404);
  r = await api('GET', `/api/v1/diagnostics/${id}/result`);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'not_finished');

  let state = (await api('GET', `/api/v1/diagnostics/${id}`)).json;
  const listed = async () => (await api('GET', '/api/v1/diagnostics')).json.diagnostics.find((d) => d.id === id);
  assert.deepEqual([(await listed()).state, (await listed()).answered], ['in_progress', 0]);
  const seen = new Set();
  let answered = 0;
  while (state.state === 'in_progress') {
    const item = state.item;
    assert.ok(item && item.stem.lt && item.stem.en);
    assert.ok(!('key' in item) && !('a' in item) && !('b' in item));
    assert.ok(!JSON.stringify(item).includes('"key"'));
    assert.ok(!seen.has(item.id), 'no item twice');
    seen.add(item.id);
    assert.equal(item.position, answered + 1);
    assert.ok(state.progress.remaining >= 1 && state.progress.remaining <= state.progress.max_items - answered);
    if (answered === 2) {
      r = await api('POST', `/api/v1/diagnostics/${id}/answers`, { item: item.id, answer: 'zz' });
      assert.equal(r.status, 400);
      r = await api('POST', `/api/v1/diagnostics/${id}/answers`, { item: 'not-current', answer: 'a' });
      assert.equal(r.status, 409);
      assert.equal(r.json.error.code, 'not_current');
    }
    // answer: alternate first and second option
    const answer = item.options[answered % 2].id;
    r = await api('POST', `/api/v1/diagnostics/${id}/answers`, { item: item.id, answer });
    assert.equal(r.status, 200, r.text);
    answered++;
    // idempotent retry of the same answer
    if (answered === 1 || answered === 5) {
      const again = await api('POST', `/api/v1/diagnostics/${id}/answers`, { item: item.id, answer });
      assert.equal(again.status, 200);
      assert.equal(again.json.duplicate, true);
      assert.equal(again.json.progress.answered, answered);
    }
    state = r.json;
    assert.equal(state.progress.answered, answered);
    assert.ok(answered <= 40);
  }
  assert.equal(state.state, 'finished');
  assert.equal(state.item, null);
  assert.deepEqual([(await listed()).state, (await listed()).answered], ['finished', answered]);
  r = await api('POST', `/api/v1/diagnostics/${id}/answers`, { item: 'x', answer: 'a' });
  assert.equal(r.status, 409);

  r = await api('GET', `/api/v1/diagnostics/${id}/result`);
  assert.equal(r.status, 200);
  const res = r.json;
  assert.equal(res.answered, answered);
  assert.equal(res.areas.length, 5);
  assert.equal(res.competences.length, 21);
  for (const x of [...res.areas, ...res.competences]) {
    assert.ok(x.level >= 1 && x.level <= 8);
    assert.ok(x.interval[0] <= x.level && x.level <= x.interval[1]);
    assert.ok(x.text.lt.length > 10 && x.text.en.length > 10);
    assert.ok(x.se > 0);
  }
  assert.ok(res.overall.score >= 0 && res.overall.score <= 1);
  assert.equal(res.role.id, 'specialist');
  assert.ok(res.competences.every((c) => typeof c.target === 'number' && c.gap >= 0));
  assert.equal(res.review.length, answered);
  assert.ok(!JSON.stringify(res.review).includes('"key"'));

  r = await api('GET', '/api/v1/diagnostics');
  assert.equal(r.json.diagnostics[0].id, id);
  assert.equal(r.json.diagnostics[0].state, 'finished');
  r = await api('GET', '/api/v1/me');
  assert.equal(r.json.diagnostic.last_finished, id);
  assert.equal(r.json.diagnostic.active, null);
  // a new start now opens a new diagnostic
  r = await api('POST', '/api/v1/diagnostics', { framework: 'digcomp-3.0', language: 'en' });
  assert.equal(r.status, 201);
  assert.notEqual(r.json.id, id);

  // statements in the LRS (once the LRS module serves /xapi/)
  const auth = 'Basic ' + Buffer.from(`${cred.key}:${cred.secret}`).toString('base64');
  const q = await fetch(`${base}/xapi/statements?registration=${id}&limit=100`, {
    headers: { Authorization: auth, 'X-Experience-API-Version': '1.0.3' },
  });
  if (q.status === 404 && !(await q.text()).includes('"statements"')) {
    test.skip?.('LRS not present in this build');
    return;
  }
  assert.equal(q.status, 200);
  const body = await q.json();
  const st = body.statements;
  const answers = st.filter((s) => s.verb.id === 'http://adlnet.gov/expapi/verbs/answered');
  const done = st.filter((s) => s.verb.id === 'http://adlnet.gov/expapi/verbs/completed');
  assert.equal(answers.length, answered);
  assert.equal(done.length, 1);
  for (const s of st) {
    assert.equal(s.actor.account.name.length > 10, true);
    assert.equal(s.context.registration, id);
  }
  const ext = answers[0].context.extensions['https://w3id.org/dla/xapi/ext/competence'];
  assert.equal(ext.framework, 'digcomp-2.1');
  assert.ok(typeof answers[0].result.extensions['https://w3id.org/dla/xapi/ext/ability'] === 'number');
  assert.ok(done[0].result.score.scaled >= 0);
});

test('learners in parallel, with concurrent retries of the same answer', async () => {
  const tokens = [];
  for (let i = 0; i < 6; i++) {
    tokens.push(JSON.parse(dla(['token', '--tenant', 'demo', '--user', `par-${i}`, '--role', 'learner', '--json'])).token);
  }
  const walk = async (tok, k) => {
    let st = (await api('POST', '/api/v1/diagnostics', { language: k % 2 ? 'en' : 'lt' }, tok)).json;
    let n = 0;
    while (st.state === 'in_progress') {
      const body = { item: st.item.id, answer: st.item.options[(n + k) % st.item.options.length].id };
      // the same answer sent twice at once: both succeed, one records it
      const [a, b] = await Promise.all([
        api('POST', `/api/v1/diagnostics/${st.id}/answers`, body, tok),
        api('POST', `/api/v1/diagnostics/${st.id}/answers`, body, tok),
      ]);
      assert.equal(a.status, 200, a.text);
      assert.equal(b.status, 200, b.text);
      assert.equal(a.json.progress.answered, n + 1);
      assert.equal(b.json.progress.answered, n + 1);
      assert.ok(a.json.duplicate === true || b.json.duplicate === true);
      st = a.json;
      n++;
    }
    return { id: st.id, n };
  };
  const done = await Promise.all(tokens.map((t, k) => walk(t, k)));
  for (const [k, d] of done.entries()) {
    assert.equal(d.n, 40);
    const r = await api('GET', `/api/v1/diagnostics/${d.id}/result`, undefined, tokens[k]);
    assert.equal(r.status, 200);
    assert.equal(r.json.answered, 40);
  }
});
