// End to end: the real dla daemon driven by the project's LTI platform
// emulator (tests/lti/platform.mjs): 1.1 launch + Basic Outcomes, Content-Item,
// 1.3 login + launch, Deep Linking, AGS, NRPS (two pages), Dynamic
// Registration, key rotation, and every negative case of the issue.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { startPlatform, REGISTRATION_TOKEN } from '../lti/platform.mjs';
import { makeDla, get, postForm, submit, errorCode, sessionToken } from '../lti/daemon.mjs';

const dla = await makeDla({ lti: { jwks_refetch_interval: 0, registration_tenants: ['demo'] } });
const emu = await startPlatform({ toolBase: dla.url });
await dla.cli('platform', 'add', '--tenant', 'demo', '--issuer', emu.issuer, '--client-id', emu.cfg.clientId,
  '--auth-url', `${emu.url}/auth`, '--token-url', `${emu.url}/token`, '--jwks-url', `${emu.url}/jwks`,
  '--deployment', emu.cfg.deploymentId, '--deployment', 'second-deployment');
await dla.cli('consumer', 'add', '--tenant', 'demo', '--key', emu.cfg.lti11Key, '--secret', emu.cfg.lti11Secret);
await dla.start();
const emuState = async () => (await fetch(`${emu.url}/_state`)).json();

test.after(async () => {
  await emu.close();
  await dla.stop();
});

// Browser walk through a 1.3 launch: platform start -> tool login -> platform
// auth -> form post of id_token to the tool. Returns the tool's answer.
async function launch13(query = '', { replay = false } = {}) {
  const start = await get(`${emu.url}/start13?${query}`);
  assert.equal(start.status, 302);
  const login = await get(start.location);
  assert.equal(login.status, 302, `login: ${login.body.slice(0, 400)}`);
  assert.ok(login.location.startsWith(`${emu.url}/auth?`));
  const auth = await get(login.location);
  assert.equal(auth.status, 200, auth.body);
  const first = await submit(auth.body);
  return replay ? { first, second: await submit(auth.body) } : first;
}
async function launch11(query = '') {
  const page = await get(`${emu.url}/start11?${query}`);
  return submit(page.body);
}

test('LTI 1.1 launch and Basic Outcomes passback', async () => {
  const r = await launch11('user=learner&locale=en');
  assert.equal(r.status, 303, r.body);
  assert.match(r.location, new RegExp(`^${dla.url}/app/#token=[A-Za-z0-9_-]{43}&lang=en$`));
  const tok = sessionToken(r.location);
  const sent = await dla.cli('grade', '--token', tok, '--score', '0.75');
  assert.equal(sent.sent, 'replace');
  let st = await emuState();
  assert.ok(Object.values(st.outcomes).includes(0.75), JSON.stringify(st.outcomes));
  const read = await dla.cli('grade', '--token', tok, '--op', 'read');
  assert.equal(read.code_major, 'success');
  assert.equal(read.score, 0.75);
  assert.equal((await dla.cli('grade', '--token', tok, '--op', 'delete')).code_major, 'success');
  st = await emuState();
  assert.deepEqual(st.outcomeRequests.map((o) => o.op),
    ['replaceResultRequest', 'readResultRequest', 'deleteResultRequest']);
});

test('LTI 1.1 teacher maps to supervisor; prefix-named custom params verify', async () => {
  const r = await launch11('user=teacher');
  assert.equal(r.status, 303, r.body);
  assert.match(r.location, /lang=lt$/);
});

test('LTI 1.1 negative cases', async () => {
  let r = await launch11('variant=tampered');
  assert.equal(r.status, 302);
  assert.match(r.location, /\/return11\?lti_errormsg=/);
  r = await launch11('variant=wrong_secret');
  assert.equal(r.status, 302);
  assert.match(decodeURIComponent(r.location), /parašas/);
  r = await launch11('variant=stale');
  assert.equal(r.status, 302);
  assert.match(r.location, /lti_errormsg=/);
  r = await launch11('variant=unknown_key');
  assert.equal(r.status, 401);
  assert.equal(errorCode(r.body), 'unknown_consumer');
  // replayed nonce: the very same signed form twice
  const page = await get(`${emu.url}/start11?user=learner`);
  assert.equal((await submit(page.body)).status, 303);
  r = await submit(page.body);
  assert.equal(r.status, 409);
  assert.equal(errorCode(r.body), 'replayed');
  assert.match(r.body, /lang="lt"/);
});

test('Content-Item selection (1.1) round trip', async () => {
  const sel = await launch11('msg=ContentItemSelectionRequest');
  assert.equal(sel.status, 200, sel.body);
  const sid = /name="sel" value="([^"]+)"/.exec(sel.body)[1];
  const reply = await postForm(`${dla.url}/lti/select`, [['sel', sid], ['item', 'diagnostic'], ['item', 'pathway']]);
  assert.equal(reply.status, 200);
  const back = await submit(reply.body);
  assert.equal(back.status, 200, back.body);
  const st = await emuState();
  const ret = st.ci11Returns.at(-1);
  assert.equal(ret.data, 'ci-data-7');
  assert.equal(ret.items['@graph'].length, 2);
  assert.equal(ret.items['@graph'][0].mediaType, 'application/vnd.ims.lti.v1.ltilink');
});

test('LTI 1.3 login + launch opens a session', async () => {
  const r = await launch13('user=learner&locale=en');
  assert.equal(r.status, 303, r.body);
  assert.match(r.location, /\/app\/#token=[A-Za-z0-9_-]{43}&lang=en$/);
  // POST-initiated login works the same
  const page = await get(`${emu.url}/start13?method=POST`);
  const login = await submit(page.body);
  assert.equal(login.status, 302);
  assert.ok(login.location.startsWith(`${emu.url}/auth?`));
  // client-side storage target: the login answers a postMessage page, no cookie
  const s = await get(`${emu.url}/start13?storage=_parent`);
  const withStorage = await get(s.location);
  assert.equal(withStorage.status, 200);
  assert.match(withStorage.body, /lti\.put_data/);
  assert.ok(withStorage.body.includes(`},"${emu.url}");`), 'targetOrigin is the platform origin');
  assert.equal(withStorage.headers.get('set-cookie'), null);
});

test('AGS score accepted by the platform', async () => {
  const r = await launch13('user=learner&ctx=ags1');
  const tok = sessionToken(r.location);
  await dla.cli('grade', '--token', tok, '--score', '0.8', '--comment', 'DigComp 4/8');
  await dla.cli('grade', '--token', tok, '--score', '0.9');
  const st = await emuState();
  const mine = st.scores.filter((s) => s.lineitem.includes('/ags/ags1/'));
  assert.equal(mine.length, 2);
  assert.equal(mine[0].userId, 'u-learner');
  assert.equal(mine[0].scoreGiven, 80);
  assert.equal(mine[1].scoreGiven, 90);
  assert.equal(st.lineitems.ags1.length, 1, 'line item created once, then found');
  assert.equal(st.lineitems.ags1[0].resourceId, 'diagnostic');
});

test('NRPS roster with two pages for a supervisor', async () => {
  const before = (await emuState()).nrpsPages;
  const r = await launch13('user=teacher&ctx=nrps1');
  const tok = sessionToken(r.location);
  const roster = await fetch(`${dla.url}/api/v1/roster`, { headers: { Authorization: `Bearer ${tok}` } });
  const text = await roster.text();
  assert.equal(roster.status, 200, `${text} ${dla.log().slice(-2000)}`);
  const body = JSON.parse(text);
  assert.equal(body.members.length, 5);
  assert.equal(body.context, 'nrps1');
  assert.match(body.members[0].user_id, /^[0-9a-f]{64}$/);
  assert.equal((await emuState()).nrpsPages - before, 2);
  const learner = sessionToken((await launch13('user=learner&ctx=nrps1')).location);
  const denied = await fetch(`${dla.url}/api/v1/roster`, { headers: { Authorization: `Bearer ${learner}` } });
  assert.equal(denied.status, 403);
  assert.equal((await fetch(`${dla.url}/api/v1/roster`)).status, 401);
});

test('Deep Linking round trip verified on the platform side', async () => {
  const sel = await launch13('user=teacher&msg=LtiDeepLinkingRequest');
  assert.equal(sel.status, 200, sel.body);
  const sid = /name="sel" value="([^"]+)"/.exec(sel.body)[1];
  const reply = await postForm(`${dla.url}/lti/select`, [['sel', sid], ['item', 'diagnostic']]);
  const back = await submit(reply.body);
  assert.equal(back.status, 200, back.body);
  const st = await emuState();
  const dl = st.dlReturns.at(-1);
  assert.equal(dl.data, 'dl-data-42');
  const item = dl.payload['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'][0];
  assert.equal(item.type, 'ltiResourceLink');
  assert.equal(item.lineItem.scoreMaximum, 100);
  // a selection id is single-use
  assert.equal((await postForm(`${dla.url}/lti/select`, [['sel', sid], ['item', 'diagnostic']])).status, 400);
});

test('LTI 1.3 negative cases', async () => {
  const cases = [
    ['tampered', 401, 'bad_signature'],
    ['alg_none', 401, 'bad_signature'],
    ['hs256_public', 401, 'bad_signature'],
    ['expired', 401, 'expired_launch'],
    ['wrong_aud', 401, 'bad_signature'],
    ['aud_array_no_azp', 401, 'bad_signature'],
    ['future_iat', 401, 'bad_signature'],
    ['unknown_deployment', 403, 'unknown_deployment'],
    ['bad_nonce', 401, 'replayed'],
    ['bad_version', 400, 'version'],
  ];
  for (const [variant, status, code] of cases) {
    const r = await launch13(`variant=${variant}`);
    assert.equal(r.status, status, `${variant}: ${r.body.slice(0, 300)}`);
    assert.equal(errorCode(r.body), code, variant);
  }
  assert.equal((await launch13('variant=aud_array_azp')).status, 303);
  // replayed id_token + state
  const { first, second } = await launch13('', { replay: true });
  assert.equal(first.status, 303);
  assert.equal(second.status, 401);
  assert.equal(errorCode(second.body), 'cookies_blocked');
});

test('unknown kid: refetch, then reject; a rotated platform key is picked up', async () => {
  const before = (await emuState()).jwksFetches;
  const r = await launch13('variant=unknown_kid');
  assert.equal(r.status, 401);
  assert.equal(errorCode(r.body), 'bad_signature');
  assert.equal((await emuState()).jwksFetches, before + 1, 'refetched once');
  const ok = await launch13('variant=rotated_kid');
  assert.equal(ok.status, 303, ok.body);
});

test('login errors a person can act on', async () => {
  let r = await get(`${dla.url}/lti/login?iss=https://unknown.example&login_hint=x&target_link_uri=${dla.url}/lti/launch`);
  assert.equal(r.status, 400);
  assert.equal(errorCode(r.body), 'unknown_platform');
  assert.match(r.body, /platform/);
  r = await get(`${dla.url}/lti/login?iss=${encodeURIComponent(emu.issuer)}&login_hint=x&target_link_uri=https://evil.example/`);
  assert.equal(errorCode(r.body), 'target_link_uri');
  r = await get(`${dla.url}/lti/login?iss=${encodeURIComponent(emu.issuer)}&login_hint=x&lti_deployment_id=nope&target_link_uri=${dla.url}/lti/launch`);
  assert.equal(errorCode(r.body), 'unknown_deployment');
  r = await postForm(`${dla.url}/lti/launch`, { id_token: 'x.y.z', state: 'nope' });
  assert.equal(errorCode(r.body), 'cookies_blocked');
  assert.match(r.body, /slapuk/);
});

test('dynamic registration, then a launch with the new client', async () => {
  const q = new URLSearchParams({ openid_configuration: `${emu.url}/.well-known/openid-configuration`,
    registration_token: REGISTRATION_TOKEN, lang: 'en' });
  const r = await get(`${dla.url}/lti/register?${q}`);
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /data-registration="ok"/);
  assert.match(r.body, /org\.imsglobal\.lti\.close/);
  const st = await emuState();
  const reg = st.registrations.at(-1);
  const list = await dla.cli('platform', 'list');
  const p = list.platforms.find((x) => x.client_id === reg.clientId);
  assert.ok(p, JSON.stringify(list));
  assert.deepEqual(p.deployments, [reg.deploymentId]);
  const launch = await launch13(`client_id=${reg.clientId}`);
  assert.equal(launch.status, 303, launch.body);
  const bad = await get(`${dla.url}/lti/register?openid_configuration=${encodeURIComponent(`${emu.url}/.well-known/openid-configuration`)}&registration_token=wrong`);
  assert.equal(bad.status, 400);
});

test('tool key rotation keeps the old key published', async () => {
  const before = await (await fetch(`${dla.url}/lti/jwks`)).json();
  const rot = await dla.cli('key', 'rotate');
  const after = await (await fetch(`${dla.url}/lti/jwks`)).json();
  assert.equal(after.keys[0].kid, rot.kid);
  assert.ok(after.keys.some((k) => k.kid === before.keys[0].kid), 'old key still published');
  // the daemon signs with the new key: a deep-linking response verifies
  const sel = await launch13('user=teacher&msg=LtiDeepLinkingRequest');
  const sid = /name="sel" value="([^"]+)"/.exec(sel.body)[1];
  const reply = await postForm(`${dla.url}/lti/select`, [['sel', sid], ['item', 'pathway']]);
  const { fields } = (await import('../lti/platform.mjs')).parseForm(reply.body);
  assert.equal(jose.decodeProtectedHeader(fields.JWT).kid, rot.kid);
  assert.equal((await submit(reply.body)).status, 200);
});

// Runs a whole diagnostic through the app API (first option every time).
async function finishDiagnostic(tok) {
  const auth = { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };
  let st = await (await fetch(`${dla.url}/api/v1/diagnostics`, { method: 'POST', headers: auth, body: '{}' })).json();
  for (let i = 0; i < 100 && st.state !== 'finished'; i++) {
    const r = await fetch(`${dla.url}/api/v1/diagnostics/${st.id}/answers`, { method: 'POST', headers: auth,
      body: JSON.stringify({ item: st.item.id, answer: st.item.options[0].id }) });
    assert.equal(r.status, 200, await r.clone().text());
    st = await r.json();
  }
  assert.equal(st.state, 'finished');
}
async function waitFor(pred, ms = 8000) {
  for (let t = 0; t < ms; t += 100) {
    const st = await emuState();
    if (pred(st)) return st;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('the LMS never received the grade');
}

test('a finished diagnostic sends its result to the LMS (AGS and Basic Outcomes)', async () => {
  const t13 = sessionToken((await launch13('user=learner&ctx=diag13')).location);
  await finishDiagnostic(t13);
  const st = await waitFor((s) => s.scores.some((x) => x.lineitem.includes('/ags/diag13/')));
  const sc = st.scores.find((x) => x.lineitem.includes('/ags/diag13/'));
  assert.equal(sc.userId, 'u-learner');
  assert.equal(sc.activityProgress, 'Completed');
  assert.ok(sc.scoreGiven >= 0 && sc.scoreGiven <= 100);
  const before = (await emuState()).outcomeRequests.length;
  const t11 = sessionToken((await launch11('user=learner')).location);
  await finishDiagnostic(t11);
  await waitFor((s) => s.outcomeRequests.length > before &&
    s.outcomeRequests.at(-1).op === 'replaceResultRequest');
});

test('a registration that accepts new deployments learns them from verified launches', async () => {
  emu.addClient('emu-open', ['d-first', 'd-new']);
  await dla.cli('platform', 'add', '--tenant', 'demo', '--issuer', emu.issuer, '--client-id', 'emu-open',
    '--auth-url', `${emu.url}/auth`, '--token-url', `${emu.url}/token`, '--jwks-url', `${emu.url}/jwks`,
    '--deployment', 'd-first', '--accept-new-deployments');
  const bad = await launch13('client_id=emu-open&deployment_id=d-new&variant=tampered');
  assert.equal(errorCode(bad.body), 'bad_signature');
  let p = (await dla.cli('platform', 'list')).platforms.find((x) => x.client_id === 'emu-open');
  assert.deepEqual(p.deployments, ['d-first'], 'nothing learnt from an unverified launch');
  const ok = await launch13('client_id=emu-open&deployment_id=d-new');
  assert.equal(ok.status, 303, ok.body);
  p = (await dla.cli('platform', 'list')).platforms.find((x) => x.client_id === 'emu-open');
  assert.deepEqual(p.deployments, ['d-first', 'd-new']);
  assert.equal(p.accept_new_deployments, true);
});

test('LTI 1.1 users keep their identity when the platform moves to 1.3 (lti1p1 claim)', async () => {
  const me = async (tok) => (await (await fetch(`${dla.url}/api/v1/me`,
    { headers: { Authorization: `Bearer ${tok}` } })).json());
  const u11 = await me(sessionToken((await launch11('user=learner')).location));
  const migrated = await me(sessionToken((await launch13('user=learner&variant=migrate')).location));
  assert.ok(u11.user.id);
  assert.equal(migrated.user.id, u11.user.id);
  const forged = await me(sessionToken((await launch13('user=learner&variant=migrate_bad')).location));
  assert.notEqual(forged.user.id, u11.user.id);
  const teacher = await me(sessionToken((await launch13('user=teacher')).location));
  assert.deepEqual(teacher.roles, ['supervisor']);
});
