// The built-in demo LMS (/demo): every persona launches through the real LTI 1.3
// and 1.1 flows; grades come back to the demo gradebook (AGS and Basic Outcomes)
// and a supervisor gets the demo course roster (NRPS, two pages).
import test from 'node:test';
import assert from 'node:assert/strict';
import { makeDla, get, submit, errorCode, sessionToken } from '../lti/daemon.mjs';

const dla = await makeDla({ demo: { enabled: true } });
await dla.start();
test.after(() => dla.stop());

async function demoLaunch(persona, v, lang = 'lt') {
  const start = await get(`${dla.url}/demo/start?persona=${persona}&v=${v}&lang=${lang}`);
  if (v === '11') {
    assert.equal(start.status, 200);
    return submit(start.body);
  }
  assert.equal(start.status, 302);
  const login = await get(start.location);
  assert.equal(login.status, 302, login.body);
  const auth = await get(login.location);
  assert.equal(auth.status, 200, auth.body);
  return submit(auth.body);
}

test('demo pages in Lithuanian and English', async () => {
  const lt = await get(`${dla.url}/demo`);
  assert.equal(lt.status, 200);
  assert.match(lt.body, /<html lang="lt"/);
  assert.match(lt.body, /Besimokantysis/);
  assert.match(lt.body, /Personalo vadovas/);
  const en = await get(`${dla.url}/demo?lang=en`);
  assert.match(en.body, /HR manager/);
  assert.match(en.body, /Launch with LTI 1\.3/);
});

test('every persona launches with LTI 1.3 and 1.1', async () => {
  for (const persona of ['learner', 'supervisor', 'hr']) {
    for (const v of ['13', '11']) {
      const r = await demoLaunch(persona, v, 'en');
      assert.equal(r.status, 303, `${persona} ${v}: ${errorCode(r.body)} ${r.body.slice(0, 300)}`);
      assert.match(r.location, /\/app\/#token=[A-Za-z0-9_-]{43}&lang=en$/);
    }
  }
});

test('grades reach the demo gradebook; supervisors get the roster', async () => {
  const t13 = sessionToken((await demoLaunch('learner', '13')).location);
  assert.equal((await dla.cli('grade', '--token', t13, '--score', '0.75')).sent, 'replace');
  const t11 = sessionToken((await demoLaunch('learner', '11')).location);
  assert.equal((await dla.cli('grade', '--token', t11, '--score', '0.5')).sent, 'replace');
  const book = await get(`${dla.url}/demo/gradebook?lang=en`);
  assert.match(book.body, /Rūta Petraitienė<\/td><td>LTI 1\.3 AGS<\/td><td>75 %/);
  assert.match(book.body, /LTI 1\.1<\/td><td>50 %/);
  const sup = sessionToken((await demoLaunch('supervisor', '13')).location);
  const roster = await fetch(`${dla.url}/api/v1/roster`, { headers: { Authorization: `Bearer ${sup}` } });
  assert.equal(roster.status, 200);
  assert.equal((await roster.json()).members.length, 7);
  const learner = await fetch(`${dla.url}/api/v1/roster`, { headers: { Authorization: `Bearer ${t13}` } });
  assert.equal(learner.status, 403);
});

test('a diagnostic finished in the demo lands in the demo gradebook', async () => {
  // the HR persona: nobody graded her before, so the row can only come from this run
  const tok = sessionToken((await demoLaunch('hr', '13', 'en')).location);
  const auth = { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' };
  let st = await (await fetch(`${dla.url}/api/v1/diagnostics`, { method: 'POST', headers: auth, body: '{}' })).json();
  for (let i = 0; i < 100 && st.state !== 'finished'; i++) {
    st = await (await fetch(`${dla.url}/api/v1/diagnostics/${st.id}/answers`, { method: 'POST', headers: auth,
      body: JSON.stringify({ item: st.item.id, answer: st.item.options.at(-1).id }) })).json();
  }
  assert.equal(st.state, 'finished');
  for (let t = 0; t < 80; t++) {
    const book = await get(`${dla.url}/demo/gradebook`);
    if (/Asta Jonaitienė<\/td><td>LTI 1\.3 AGS/.test(book.body)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('no grade in the demo gradebook');
});
