// web_network.test.mjs - the server goes away mid-diagnostic: the answer is kept, the
// learner is told and offered a retry, the answer lands automatically once the server
// is back (same port, same data dir) - and also after a reload made during the outage.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as L from './web_lib.mjs';
import { check, nav, answerByKeyboard, token, apiGet } from './web_ui.mjs';

const skip = L.haveChromium() ? false : `${L.CHROMIUM} is absent: browser tests skipped`;

test('server cut mid-diagnostic: retry message, answer lands, nothing lost', { skip, timeout: 120000 }, async () => {
  const srv = await L.server({ diagnostic: (m) => console.log(`# ${m}`) });
  const b = await L.browser();
  try {
    /* a phone-sized window: the item and the alert must fit 360 px too */
    const page = await L.newPage(b, { viewport: { width: 360, height: 740 } });
    await page.goto(`${srv.base}/app/#token=${srv.token('net-1')}&lang=lt`);
    await page.waitForSelector('main[data-view="/"]:not([aria-busy])');
    const tok = await token(page);
    await nav(page, '/diagnostic');
    await page.click('main button.btn');
    await page.waitForSelector('input[name=answer]');
    await answerByKeyboard(page, 1);
    assert.match(await page.textContent('#progress-label'), /^Atsakėte į 1 klausimą\. Liko maždaug \d+ klausim/);
    await answerByKeyboard(page, 2);
    const diagId = (await apiGet(srv.base, tok, 'diagnostics')).diagnostics[0].id;
    const itemBefore = (await apiGet(srv.base, tok, `diagnostics/${diagId}`)).item.id;

    /* 1. the server dies; the learner answers */
    await srv.kill();
    const chosen = await answerByKeyboard(page, 1);
    await page.waitForSelector('.net-error');
    assert.match(await page.textContent('.net-error'), /išsaugotas šiame naršyklės lange/);
    const pend = await page.evaluate(() => JSON.parse(sessionStorage.getItem('dla.pending')));
    assert.equal(pend.length, 1);
    assert.equal(pend[0].item.id, itemBefore);
    assert.equal(pend[0].option, chosen);
    /* focus went to the retry button; the chosen answer is still shown */
    assert.match(await page.evaluate(() => document.activeElement.textContent), /Bandyti dabar/);
    assert.equal(await page.evaluate(() => document.querySelector('input[name=answer]:checked').value), chosen);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'fits 360 px');
    await check(page, 'diagnostic-offline');
    await L.docShot(page, 'diagnostic-offline-360-lt', '.net-error');
    /* a manual retry while still down fails again and says so */
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement && /Bandyti dabar/.test(document.activeElement.textContent) &&
      !document.activeElement.disabled || document.querySelector('.net-error button:not([disabled])'));

    /* 2. the server comes back on the same port and data dir: the answer lands by itself */
    await srv.start();
    await page.waitForSelector('.notice-ok', { timeout: 45000 });
    assert.match(await page.textContent('.notice-ok'), /Ryšys atkurtas/);
    assert.equal(await page.evaluate(() => JSON.parse(sessionStorage.getItem('dla.pending')).length), 0);
    let st = await apiGet(srv.base, tok, `diagnostics/${diagId}`);
    assert.equal(st.progress.answered, 3, 'the answer given while the server was down was recorded once');
    assert.notEqual(st.item && st.item.id, itemBefore);

    /* 3. down again, answer, reload during the outage, server back, open the app again */
    const item4 = st.item.id;
    await srv.kill();
    await answerByKeyboard(page, 0);
    await page.waitForSelector('.net-error');
    /* the server is down: reloading ends on the browser's error page */
    await page.goto(`${srv.base}/app/#/diagnostic`, { waitUntil: 'commit' }).catch(() => {});
    await page.waitForLoadState('load').catch(() => {});
    await srv.start();
    await page.goto(`${srv.base}/app/#/diagnostic`);
    await page.waitForFunction((id) => {
      const q = JSON.parse(sessionStorage.getItem('dla.pending') || '[]');
      return q.length === 0 && document.querySelector('input[name=answer]') &&
        !document.querySelector('fieldset:disabled');
    }, item4, { timeout: 30000 });
    st = await apiGet(srv.base, tok, `diagnostics/${diagId}`);
    assert.equal(st.progress.answered, 4, 'the answer queued before the reload was delivered');
    assert.notEqual(st.item && st.item.id, item4);
    assert.deepEqual(page.problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load/.test(p)), []);
    await page.close();
  } finally {
    await b.close();
    try {
      await srv.stop();
    } finally {
      srv.cleanup();
    }
  }
});
