// web_flow.test.mjs - the learner's whole path in a real browser (Debian's Chromium,
// headless): launch (through the demo LMS when it exists, else a minted token), landing,
// profile, a diagnostic answered by keyboard only with a reload in the middle, results,
// both languages, axe-core (wcag2a + wcag2aa) on every page, 360 px, inside an iframe.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as L from './web_lib.mjs';
import { check, switchLang, nav, answerByKeyboard, position, tabTo, token, apiGet } from './web_ui.mjs';

/* A simulated learner answering from the shipped item bank: right whenever the item's
 * level is within their level for its area, otherwise a wrong answer. It gives the
 * results (and the screenshots in docs/) a realistic, uneven profile. */
const ABILITY = { 1: 5, 2: 4, 3: 2, 4: 5, 5: 3 };
const bank = new Map();
const itemsDir = path.join(L.SRC, 'config/items/digcomp-2.1');
if (fs.existsSync(itemsDir)) {
  for (const f of fs.readdirSync(itemsDir).filter((x) => x.endsWith('.json'))) {
    const doc = JSON.parse(fs.readFileSync(path.join(itemsDir, f), 'utf8'));
    for (const it of doc.items || []) bank.set(it.id, { level: it.level, key: it.key, area: String(doc.competence).split('.')[0] });
  }
}
function learner(itemId, optionIds) {
  const it = bank.get(itemId);
  if (!it) return optionIds[0];
  if (it.level <= ABILITY[it.area]) return it.key;
  return optionIds.find((o) => o !== it.key);
}

const skip = L.haveChromium() ? false : `${L.CHROMIUM} is absent: browser tests skipped`;

let srv;
let b;
test.before(async () => {
  if (skip) return;
  srv = await L.server({ diagnostic: (m) => console.log(`# ${m}`) });
  b = await L.browser();
});
test.after(async () => {
  if (b) await b.close();
  if (srv) {
    try {
      await srv.stop();
    } finally {
      srv.cleanup();
    }
  }
});

async function launch(page, user, lang) {
  if (srv.kind === 'daemon' && await L.hasDemo(srv.base) && user === 'demo-learner') {
    await page.goto(`${srv.base}/demo?lang=${lang}`);
    await page.click('a[href*="persona=learner"][href*="v=13"]');
    console.log('# launched through the demo LMS (LTI 1.3)');
  } else {
    await page.goto(`${srv.base}/app/#token=${srv.token(user)}&lang=${lang}`);
  }
  await page.waitForURL(/\/app\/#\/$/);
  await page.waitForSelector('main[data-view="/"]:not([aria-busy])');
}

test('learner: launch, profile, keyboard diagnostic with reload, results, lt and en', { skip, timeout: 150000 }, async () => {
  const page = await L.newPage(b);
  await launch(page, 'demo-learner', 'lt');

  /* landing: the token left the address bar for sessionStorage */
  assert.doesNotMatch(page.url(), /token=/);
  const tok = await token(page);
  assert.ok(tok && tok.length > 10);
  assert.equal(await page.getAttribute('html', 'lang'), 'lt');
  assert.match(await page.textContent('main h1'), /Sveiki/);
  assert.match(await page.textContent('.who'), /Įstaiga/);
  await check(page, 'landing');
  await L.docShot(page, 'landing-lt');
  /* what the first page cost: requests, bytes, time until the landing had rendered */
  const perf = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation').pop();
    const res = performance.getEntriesByType('resource');
    const app = res.filter((r) => r.name.includes('/app/'));
    const api = res.filter((r) => r.name.includes('/api/v1/'));
    const bytes = [nav, ...app].reduce((n, r) => n + (r.encodedBodySize || 0), 0);
    const shown = performance.getEntriesByName('dla:view:/')[0];
    return { ms: Math.round(shown.startTime - nav.startTime), files: app.length + 1,
      api: api.length, kb: Math.round(bytes / 1024) };
  });
  console.log(`# perf: landing rendered ${perf.ms} ms after navigation; ${perf.files} files, ` +
    `${perf.kb} KiB; ${perf.api} API calls`);

  /* profile: first a validation error, then a saved profile */
  await nav(page, '/profile');
  const roles = await page.$$eval('#role-select option', (os) => os.map((o) => o.value));
  if (roles.length) {
    await page.selectOption('#role-select', '__other');
    await page.click('form.profile-form button[type=submit]');
    await page.waitForSelector('.error-summary:not([hidden])');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'error-summary');
    await check(page, 'profile-error');
    await page.fill('#role-text', 'Vyriausioji specialistė, Viešųjų pirkimų skyrius');
  } else {
    await page.fill('#role-text', 'Vyriausioji specialistė, Viešųjų pirkimų skyrius');
  }
  await page.check('#obj-4-2');
  await page.fill('#obj-4-2-why', 'Kasdien tvarkau gyventojų asmens duomenis.');
  await page.check('#obj-1-3');
  await page.click('form.profile-form button[type=submit]');
  await page.waitForSelector('.notice-ok');
  const prof = await apiGet(srv.base, tok, 'profile');
  assert.equal(prof.role_text, 'Vyriausioji specialistė, Viešųjų pirkimų skyrius');
  assert.deepEqual(prof.objectives.map((o) => o.competence).sort(), ['1.3', '4.2']);
  assert.equal(prof.objectives.find((o) => o.competence === '4.2').reason,
    'Kasdien tvarkau gyventojų asmens duomenis.');
  /* editable: a role profile instead of free text, saved and shown after a reload */
  if (roles.length > 2) {
    await page.selectOption('#role-select', roles[1]);
    await page.click('form.profile-form button[type=submit]');
    await page.waitForSelector('.notice-ok');
    assert.equal((await apiGet(srv.base, tok, 'profile')).role_id, roles[1]);
  }
  await page.reload();
  await page.waitForSelector('main[data-view="/profile"]:not([aria-busy]) form.profile-form');
  assert.equal(await page.isChecked('#obj-4-2'), true);
  assert.equal(await page.inputValue('#obj-4-2-why'), 'Kasdien tvarkau gyventojų asmens duomenis.');
  if (roles.length > 2) assert.equal(await page.inputValue('#role-select'), roles[1]);
  await check(page, 'profile');
  await L.docShot(page, 'profile-lt');

  /* diagnostic, keyboard only from here */
  await nav(page, '/diagnostic');
  await check(page, 'diagnostic-intro');
  await tabTo(page, (a) => a.tag === 'BUTTON' && /Pradėti/.test(a.text), 'the start button');
  await page.keyboard.press('Enter');
  await page.waitForSelector('input[name=answer]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q-number');
  await check(page, 'diagnostic-item');
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await answerByKeyboard(page, learner));
  const progress = await page.textContent('#progress-label');
  assert.match(progress, /Atsakėte į 3 klausimus/);

  /* reload mid-diagnostic: the same item comes back, nothing answered is lost */
  const pos = await position(page);
  await page.reload();
  await page.waitForSelector('input[name=answer]');
  assert.equal(await position(page), pos);
  assert.match(await page.textContent('#progress-label'), /Atsakėte į 3 klausimus/);

  /* choose (not yet send) an answer, then switch to English mid-item: the item and the
   * choice stay, the texts change language */
  await tabTo(page, (a) => a.type === 'radio' && a.name === 'answer', 'the answers');
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  const picked = await page.evaluate(() => document.querySelector('input[name=answer]:checked').value);
  const stemLt = await page.textContent('.q-stem');
  await switchLang(page, 'en');
  assert.equal(await position(page), pos.replace('Klausimas Nr.', 'Question'));
  assert.equal(await page.evaluate(() => document.querySelector('input[name=answer]:checked').value), picked);
  assert.notEqual(await page.textContent('.q-stem'), stemLt);
  assert.match(await page.textContent('#progress-label'), /answered 3 questions/);
  await check(page, 'diagnostic-item');
  await L.docShot(page, 'diagnostic-item-en');

  /* finish by keyboard */
  for (let i = 0; i < 80 && await page.$('input[name=answer]'); i++) answers.push(await answerByKeyboard(page, learner));
  await page.waitForSelector('a[href="#/results"].btn');
  await check(page, 'diagnostic-done');
  const list = await apiGet(srv.base, tok, 'diagnostics');
  const d = list.diagnostics[0];
  assert.equal(d.state, 'finished');
  const st = await apiGet(srv.base, tok, `diagnostics/${d.id}`);
  assert.equal(st.progress.answered, answers.length, 'every answer given reached the server once');

  /* results in English, then Lithuanian */
  await tabTo(page, (a) => a.tag === 'A' && /See your results/.test(a.text), 'the results link');
  await page.keyboard.press('Enter');
  await page.waitForSelector('svg.chart');
  assert.equal(await page.$$eval('.results-table tbody tr', (r) => r.length), 26, '5 areas + 21 competences');
  assert.equal(await page.getAttribute('svg.chart', 'role'), 'img');
  assert.match(await page.textContent('main'), /What the levels mean/);
  await check(page, 'results');
  await switchLang(page, 'lt');
  await page.waitForSelector('svg.chart');
  assert.match(await page.textContent('main h1'), /Jūsų rezultatai/);
  await check(page, 'results');
  await L.docShot(page, 'results-lt');
  await L.docShot(page, 'results-chart-lt', '#chart-h');
  await L.docShot(page, 'results-table-lt', '#results-table-h');

  /* 360 px: nothing wider than the screen */
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `page is ${overflow} px wide at 360 px`);
  await L.shot(page, 'results-360-lt');
  await L.docShot(page, 'results-360-lt', '#chart-h');
  await page.setViewportSize({ width: 1024, height: 800 });

  /* the remaining pages in English */
  await switchLang(page, 'en');
  await nav(page, '/');
  assert.match(await page.textContent('main'), /results are ready/);
  await check(page, 'landing-done');
  await nav(page, '/profile');
  await check(page, 'profile');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(100);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'profile fits 360 px');

  /* later, a new diagnostic: the previous results stay visible until it is finished */
  await page.setViewportSize({ width: 1024, height: 800 });
  await nav(page, '/diagnostic');
  await page.click('main button.btn-secondary');
  await page.waitForSelector('input[name=answer]');
  await answerByKeyboard(page, 0);
  const after = await apiGet(srv.base, tok, 'diagnostics');
  assert.equal(after.diagnostics.length, 2);
  assert.equal(after.diagnostics[0].state, 'in_progress');
  await nav(page, '/results');
  assert.match(await page.textContent('main .notice-info'), /started a new diagnostic \(answered 1 question\)/);
  assert.equal(await page.$$eval('.results-table tbody tr', (r) => r.length), 26);
  await check(page, 'results-while-new');
  await nav(page, '/');
  assert.ok(await page.$('main a[href="#/results"]'), 'the landing links the previous results');
  await page.close();
});

test('supervisor: sees their own diagnostic, no team dashboard; intro in both languages', { skip, timeout: 60000 }, async () => {
  const page = await L.newPage(b, { viewport: { width: 360, height: 740 } });
  if (srv.kind === 'daemon' && await L.hasDemo(srv.base)) {
    /* the demo LMS's supervisor persona, this time through an LTI 1.1 launch */
    await page.goto(`${srv.base}/demo?lang=en`);
    await page.click('a[href*="persona=supervisor"][href*="v=11"]');
    await page.waitForURL(/\/app\/#\/$/);
  } else {
    await page.goto(`${srv.base}/app/#token=${srv.token('sup-1', 'supervisor')}&lang=en`);
  }
  await page.waitForSelector('main[data-view="/"]:not([aria-busy])');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.textContent('main'), /supervisor/);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360));
  await check(page, 'landing-supervisor');
  await nav(page, '/diagnostic');
  await check(page, 'diagnostic-intro');
  await switchLang(page, 'lt');
  await check(page, 'diagnostic-intro-supervisor');
  /* signing out ends the session on the server and in this tab */
  const tok = await page.evaluate(() => sessionStorage.getItem('dla.token'));
  assert.ok(tok, 'the tab holds a session token');
  await page.click('#signout');
  await page.waitForSelector('main[data-view="nosession"] h1');
  assert.match(await page.textContent('main [role="status"]'), /Atsijungėte/);
  assert.equal(await page.isHidden('#site-nav'), true);
  await check(page, 'signed-out');
  const me = await fetch(`${srv.base}/api/v1/me`, { headers: { Authorization: `Bearer ${JSON.parse(tok)}` } });
  assert.equal(me.status, 401, 'the session ended on the server');
  await page.reload();
  await page.waitForSelector('main[data-view="nosession"] h1');
  await page.close();
});

test('no session: a clear page in both languages', { skip, timeout: 30000 }, async () => {
  /* the shell is served with the strict CSP the UI is written for */
  const r = await fetch(`${srv.base}/app/`);
  assert.match(r.headers.get('content-security-policy') || '', /default-src 'self'.*script-src 'self'/);
  assert.doesNotMatch(r.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval/);
  const page = await L.newPage(b);
  await page.goto(`${srv.base}/app/`);
  await page.waitForSelector('main[data-view="nosession"] h1');
  await check(page, 'no-session');
  await switchLang(page, 'en');
  assert.match(await page.textContent('main h1'), /learning environment/);
  await check(page, 'no-session');
  await page.close();
});

test('inside an LMS iframe (another site) it launches and keeps its session', { skip, timeout: 30000 }, async () => {
  /* the "LMS" is another site: http://localhost:<other port>, framing dla at 127.0.0.1 */
  const url = `${srv.base}/app/#token=${srv.token('frame-1')}&lang=en`;
  const lms = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>LMS</title><h1>Course</h1>
      <iframe title="dla" src="${url}" width="900" height="700"></iframe>
      <script>window.msgs = []; addEventListener('message', (e) => window.msgs.push(e.data));</script></html>`);
  });
  await new Promise((ok) => lms.listen(0, '127.0.0.1', ok));
  const page = await L.newPage(b);
  try {
    await page.goto(`http://localhost:${lms.address().port}/`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    await frame.waitForSelector('main[data-view="/"]:not([aria-busy])');
    assert.match(await frame.textContent('main h1'), /Welcome/);
    assert.doesNotMatch(frame.url(), /token=/);
    await frame.click('nav a[href="#/profile"]');
    await frame.waitForSelector('main[data-view="/profile"]:not([aria-busy]) form.profile-form');
    assert.ok(await frame.evaluate(() => document.documentElement.classList.contains('in-frame')));
    /* the platform is asked to fit the iframe to the page and to scroll to its top */
    await page.waitForFunction(() => window.msgs.some((m) => m && m.subject === 'lti.frameResize' && m.height > 700));
    assert.ok(await page.evaluate(() => window.msgs.some((m) => m && m.subject === 'lti.scrollToTop')));
    assert.deepEqual(page.problems, []);
    await L.docShot(page, 'iframe-en');
  } finally {
    await page.close();
    lms.close();
  }
});
