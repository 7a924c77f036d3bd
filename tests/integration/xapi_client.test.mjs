// xapi_client.test.mjs - drives every LRS resource of the real daemon with a real
// xAPI client library from npm (@xapi/xapi): about, statements (single, batch,
// queries with filters and `more` pages, voiding, attachments), state, activity
// profile, agent profile, activities, agents; plus HEAD, CORS preflight and a
// 2.0 request made with fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID, createHash } from 'node:crypto';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(join(process.env.NODE_PATH || '', 'x.js'));
const XAPIModule = require('@xapi/xapi');
const XAPI = XAPIModule.default || XAPIModule;

const BIN = process.env.DLA_BIN;
const SRC = process.env.DLA_SOURCE_DIR;
let dataDir, port, base, daemon, cred, xapi, auth;

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

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dla-xapi-'));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dla(['init']);
  cred = JSON.parse(dla(['credential', 'add', '--tenant', 'demo', '--json']));
  daemon = spawn(BIN, ['serve'], {
    env: { ...process.env, DLA_DATA_DIR: dataDir, DLA_HOME: SRC, DLA_LISTEN: `127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  daemon.stderr.on('data', (d) => { log += d; });
  for (let i = 0; i < 100; i++) {
    try { const r = await fetch(base + '/healthz'); if (r.ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  auth = XAPI.toBasicAuth(cred.key, cred.secret);
  xapi = new XAPI({ endpoint: `${base}/xapi/`, auth, version: '1.0.3' });
});

after(async () => {
  if (daemon) {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.on('exit', r));
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const learner = (n) => ({ objectType: 'Agent', name: `Learner ${n}`,
  account: { homePage: 'https://lms.example.lt', name: `u-${n}` } });
const stmt = (n, verb = 'completed', act = 'course-1', extra = {}) => ({
  actor: learner(n),
  verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { 'en-US': verb, 'lt-LT': 'atliko' } },
  object: { objectType: 'Activity', id: `https://dla.example.lt/act/${act}`,
    definition: { name: { 'en-US': `Activity ${act}`, 'lt-LT': `Veikla ${act}` } } },
  ...extra,
});

test('about lists both versions without credentials', async () => {
  const r = await xapi.getAbout();
  assert.deepEqual(r.data.version, ['1.0.3', '2.0.0']);
  assert.equal(r.headers['x-experience-api-version'], '1.0.3');
});

test('statements: send, get, query by filters, more pages, voiding', async () => {
  const reg = randomUUID();
  const one = await xapi.sendStatement({ statement: stmt(1, 'completed', 'c1',
    { context: { registration: reg } }) });
  assert.equal(one.data.length, 1);
  const id = one.data[0];
  const got = await xapi.getStatement({ statementId: id });
  assert.equal(got.data.id, id);
  assert.ok(got.data.stored && got.data.timestamp && got.data.authority);
  assert.equal(got.data.authority.account.name, cred.key);

  const batch = [];
  for (let i = 0; i < 25; i++) batch.push(stmt(2, i % 2 ? 'attempted' : 'passed', `c${i % 3}`));
  const ids = (await xapi.sendStatements({ statements: batch })).data;
  assert.equal(ids.length, 25);

  const byAgent = await xapi.getStatements({ agent: learner(2), limit: 10 });
  assert.equal(byAgent.data.statements.length, 10);
  assert.ok(byAgent.data.more.startsWith('/xapi/statements?'));
  // follow the more links to the end: 25 statements in all, newest first, no repeats
  const seen = byAgent.data.statements.map((s) => s.id);
  let more = byAgent.data.more;
  while (more) {
    const page = await xapi.getMoreStatements({ more });
    seen.push(...page.data.statements.map((s) => s.id));
    more = page.data.more;
  }
  assert.equal(seen.length, 25);
  assert.equal(new Set(seen).size, 25);
  assert.deepEqual(new Set(seen), new Set(ids));

  const byVerb = await xapi.getStatements({ agent: learner(2),
    verb: 'http://adlnet.gov/expapi/verbs/passed', limit: 100 });
  assert.equal(byVerb.data.statements.length, 13);
  const byAct = await xapi.getStatements({ activity: 'https://dla.example.lt/act/c1', limit: 100 });
  assert.ok(byAct.data.statements.some((s) => s.id === id));
  const byReg = await xapi.getStatements({ registration: reg });
  assert.deepEqual(byReg.data.statements.map((s) => s.id), [id]);
  const asc = await xapi.getStatements({ agent: learner(2), ascending: true, limit: 3 });
  assert.equal(asc.data.statements[0].id, ids[0]);
  const since = await xapi.getStatements({ since: got.data.stored, agent: learner(1) });
  assert.equal(since.data.statements.length, 0);
  const ids_fmt = await xapi.getStatements({ registration: reg, format: 'ids' });
  assert.deepEqual(Object.keys(ids_fmt.data.statements[0].object), ['id']);

  const voided = await xapi.voidStatement({ actor: learner(1), statementId: id });
  assert.equal(voided.data.length, 1);
  const voidingId = voided.data[0];
  await assert.rejects(xapi.getStatement({ statementId: id }), (e) => e.response?.status === 404);
  const v = await xapi.getVoidedStatement({ voidedStatementId: id });
  assert.equal(v.data.id, id);
  // the voided statement is gone from queries; the voiding statement, which
  // targets it, matches its filters (xAPI: filters apply to StatementRef targets)
  const afterVoid = await xapi.getStatements({ registration: reg });
  assert.deepEqual(afterVoid.data.statements.map((s) => s.id), [voidingId]);
});

test('statements with an attachment round-trip as multipart/mixed', async () => {
  const content = Buffer.from('Sveiki! Certificate of completion.', 'utf8');
  const sha2 = createHash('sha256').update(content).digest('hex');
  const s = stmt(3, 'completed', 'cert', {
    attachments: [{ usageType: 'http://id.tincanapi.com/attachment/certificate-of-completion',
      display: { 'en-US': 'Certificate' }, contentType: 'text/plain', length: content.length, sha2 }],
  });
  // @xapi/xapi 3.0.3 under node sends its multipart body as application/octet-stream
  // (axios overrides the content type of binary bodies), so this request is built by hand.
  const boundary = `dla${randomUUID().replace(/-/g, '')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(s)}\r\n`
      + `--${boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n`
      + `X-Experience-API-Hash: ${sha2}\r\n\r\n`),
    content, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const sent = await fetch(`${base}/xapi/statements`, { method: 'POST', body,
    headers: { Authorization: auth, 'X-Experience-API-Version': '1.0.3',
      'Content-Type': `multipart/mixed; boundary=${boundary}` } });
  assert.equal(sent.status, 200, await sent.clone().text());
  const [id] = await sent.json();
  const r = await fetch(`${base}/xapi/statements?statementId=${id}&attachments=true`, {
    headers: { Authorization: auth, 'X-Experience-API-Version': '1.0.3' },
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^multipart\/mixed; *boundary=/);
  const got = Buffer.from(await r.arrayBuffer()).toString('utf8');
  assert.ok(got.includes(`X-Experience-API-Hash: ${sha2}`));
  assert.ok(got.includes('Sveiki! Certificate of completion.'));
  // without attachments=true the same statement comes back as plain JSON
  const plain = await xapi.getStatement({ statementId: id });
  assert.equal(plain.data.attachments[0].sha2, sha2);
});

test('state: set, get with ETag, list, merge, concurrency, delete', async () => {
  const agent = learner(4);
  const activityId = 'https://dla.example.lt/act/lesson-7';
  const registration = randomUUID();
  await xapi.setState({ agent, activityId, registration, stateId: 'bookmark',
    state: { page: 3 }, matchHeader: 'If-None-Match', etag: '*' });
  const g = await xapi.getState({ agent, activityId, registration, stateId: 'bookmark' });
  assert.deepEqual(g.data, { page: 3 });
  const etag = g.headers.etag;
  assert.match(etag, /^"[0-9a-f]{40}"$/);
  await xapi.createState({ agent, activityId, registration, stateId: 'bookmark',
    state: { done: false } });
  const merged = await xapi.getState({ agent, activityId, registration, stateId: 'bookmark' });
  assert.deepEqual(merged.data, { page: 3, done: false });
  await assert.rejects(xapi.setState({ agent, activityId, registration, stateId: 'bookmark',
    state: { page: 1 }, matchHeader: 'If-Match', etag }), (e) => e.response?.status === 412);
  await xapi.setState({ agent, activityId, registration, stateId: 'bookmark', state: { page: 4 },
    matchHeader: 'If-Match', etag: merged.headers.etag });
  await xapi.setState({ agent, activityId, registration, stateId: 'progress', state: { p: 0.5 },
    matchHeader: 'If-None-Match', etag: '*' });
  const list = await xapi.getStates({ agent, activityId, registration });
  assert.deepEqual(list.data.sort(), ['bookmark', 'progress']);
  await xapi.deleteState({ agent, activityId, registration, stateId: 'progress' });
  assert.deepEqual((await xapi.getStates({ agent, activityId, registration })).data, ['bookmark']);
  await xapi.deleteStates({ agent, activityId, registration });
  assert.deepEqual((await xapi.getStates({ agent, activityId, registration })).data, []);
});

test('activity profile and agent profile', async () => {
  const activityId = 'https://dla.example.lt/act/course-9';
  await xapi.setActivityProfile({ activityId, profileId: 'syllabus', profile: { weeks: 6 },
    matchHeader: 'If-None-Match', etag: '*' });
  const ap = await xapi.getActivityProfile({ activityId, profileId: 'syllabus' });
  assert.deepEqual(ap.data, { weeks: 6 });
  assert.deepEqual((await xapi.getActivityProfiles({ activityId })).data, ['syllabus']);
  await xapi.deleteActivityProfile({ activityId, profileId: 'syllabus', etag: ap.headers.etag });
  assert.deepEqual((await xapi.getActivityProfiles({ activityId })).data, []);

  const agent = learner(5);
  await xapi.setAgentProfile({ agent, profileId: 'prefs', profile: { lang: 'lt' },
    matchHeader: 'If-None-Match', etag: '*' });
  await xapi.createAgentProfile({ agent, profileId: 'prefs', profile: { theme: 'dark' } });
  const pr = await xapi.getAgentProfile({ agent, profileId: 'prefs' });
  assert.deepEqual(pr.data, { lang: 'lt', theme: 'dark' });
  assert.deepEqual((await xapi.getAgentProfiles({ agent })).data, ['prefs']);
  await xapi.deleteAgentProfile({ agent, profileId: 'prefs', etag: pr.headers.etag });
  assert.deepEqual((await xapi.getAgentProfiles({ agent })).data, []);
});

test('activities and agents resources', async () => {
  await xapi.sendStatement({ statement: stmt(6, 'completed', 'def-1') });
  const a = await xapi.getActivity({ activityId: 'https://dla.example.lt/act/def-1' });
  assert.equal(a.data.id, 'https://dla.example.lt/act/def-1');
  assert.deepEqual(a.data.definition.name, { 'en-US': 'Activity def-1', 'lt-LT': 'Veikla def-1' });
  const p = await xapi.getAgent({ agent: learner(6) });
  assert.equal(p.data.objectType, 'Person');
  assert.deepEqual(p.data.account, [learner(6).account]);
});

test('HEAD, CORS preflight and a 2.0 request', async () => {
  const h = await fetch(`${base}/xapi/statements?limit=1`, { method: 'HEAD',
    headers: { Authorization: auth, 'X-Experience-API-Version': '1.0.3' } });
  assert.equal(h.status, 200);
  assert.ok(h.headers.get('x-experience-api-consistent-through'));
  assert.equal(await h.text(), '');
  const o = await fetch(`${base}/xapi/statements`, { method: 'OPTIONS',
    headers: { Origin: 'https://content.example.lt', 'Access-Control-Request-Method': 'POST' } });
  assert.ok(o.status === 204 || o.status === 200);
  assert.equal(o.headers.get('access-control-allow-origin'), '*');
  assert.match(o.headers.get('access-control-allow-headers'), /X-Experience-API-Version/);
  const r = await fetch(`${base}/xapi/statements`, { method: 'POST',
    headers: { Authorization: auth, 'X-Experience-API-Version': '2.0.0', 'Content-Type': 'application/json' },
    body: JSON.stringify(stmt(7, 'completed', 'v2', { context: { contextAgents: [
      { objectType: 'contextAgent', agent: learner(8), relevantTypes: ['https://dla.example.lt/types/mentor'] }] } })) });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-experience-api-version'), '2.0.0');
  const [id] = await r.json();
  const rel = await xapi.getStatements({ agent: learner(8), related_agents: true });
  assert.deepEqual(rel.data.statements.map((s) => s.id), [id]);
});
