// diag_grade.test.mjs - a graded LTI 1.1 launch from the platform emulator, a whole
// diagnostic through the app API with the launch's session token, and the overall
// score arriving at the LMS through Basic Outcomes (app->grade).
import test from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform } from '../lti/platform.mjs';
import { makeDla, get, submit, sessionToken } from '../lti/daemon.mjs';

const dla = await makeDla({});
const emu = await startPlatform({ toolBase: dla.url });
await dla.cli('consumer', 'add', '--tenant', 'demo', '--key', emu.cfg.lti11Key, '--secret', emu.cfg.lti11Secret);
await dla.start();

test.after(async () => {
  await emu.close();
  await dla.stop();
});

async function api(tok, method, path, body) {
  const r = await fetch(dla.url + path, {
    method,
    headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

test('finishing a diagnostic sends the overall score to the LMS', async () => {
  const page = await get(`${emu.url}/start11?user=learner&locale=lt`);
  const r = await submit(page.body);
  assert.equal(r.status, 303, r.body);
  const tok = sessionToken(r.location);
  const me = await api(tok, 'GET', '/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.locale, 'lt');
  let st = (await api(tok, 'POST', '/api/v1/diagnostics', {})).json;
  let n = 0;
  while (st.state === 'in_progress') {
    const opt = st.item.options[n % st.item.options.length].id;
    const a = await api(tok, 'POST', `/api/v1/diagnostics/${st.id}/answers`, { item: st.item.id, answer: opt });
    assert.equal(a.status, 200);
    st = a.json;
    n++;
  }
  assert.equal(n, 40);
  const res = await api(tok, 'GET', `/api/v1/diagnostics/${st.id}/result`);
  assert.equal(res.status, 200);
  const score = res.json.overall.score;
  assert.ok(score >= 0 && score <= 1);
  // the LTI module sends grades from a background queue: wait for it
  let emuState;
  for (let i = 0; i < 100; i++) {
    emuState = await (await fetch(`${emu.url}/_state`)).json();
    if (emuState.outcomeRequests.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const sent = Object.values(emuState.outcomes);
  assert.ok(sent.some((v) => Math.abs(v - score) < 1e-3), `LMS got ${JSON.stringify(sent)}, result ${score}`);
  assert.deepEqual(emuState.outcomeRequests.map((o) => o.op), ['replaceResultRequest']);
});
