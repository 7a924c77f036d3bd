// web_ui.mjs - steps the browser tests share: keyboard-only answering, axe + screenshot
// per page, language switching.
import assert from 'node:assert/strict';
import * as L from './web_lib.mjs';

/* axe (wcag2a + wcag2aa) must find nothing; no script error, CSP refusal or missing
 * string so far; then a screenshot artifact. */
export async function check(page, name) {
  const lang = await page.getAttribute('html', 'lang');
  const v = await L.axe(page);
  assert.deepEqual(v, [], `axe violations on ${name} (${lang}):\n${JSON.stringify(v, null, 1)}`);
  assert.deepEqual(page.problems, [], `page problems on ${name} (${lang})`);
  await L.shot(page, `${name}-${lang}`);
}

/* Switches with the header buttons; waits until the page has been re-rendered (its
 * heading changes language; every page's h1 differs between lt and en). */
export async function switchLang(page, lang) {
  const before = await page.textContent('main h1');
  await page.click(`.lang-btn[data-lang="${lang}"]`);
  await page.waitForFunction(([l, h]) => document.documentElement.lang === l &&
    !document.querySelector('main[aria-busy]') &&
    document.querySelector('main h1') && document.querySelector('main h1').textContent !== h,
  [lang, before]);
}

/* Follows a link of the main navigation and waits until that page has rendered
 * (the app marks <main> aria-busy while loading, then data-view=<path>). */
export async function nav(page, path) {
  await page.click(`nav a[href="#${path}"]`);
  await page.waitForSelector(`main[data-view="${path}"]:not([aria-busy])`);
}

export async function activeInfo(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    const cs = a ? getComputedStyle(a) : null;
    return a ? { tag: a.tagName, id: a.id, type: a.type || '', name: a.name || '',
      text: (a.textContent || '').trim().slice(0, 60),
      focusVisible: cs.outlineStyle !== 'none' || cs.boxShadow !== 'none' } : null;
  });
}

/* Presses Tab (at most 40 times) until pred(active) holds. */
export async function tabTo(page, pred, what) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const a = await activeInfo(page);
    if (a && pred(a)) return a;
  }
  throw new Error(`Tab never reached ${what}`);
}

export async function position(page) {
  return page.evaluate(() => {
    const q = document.querySelector('#q-number');
    return q ? q.textContent.trim() : null;
  });
}

/* Answers the item on screen with the keyboard only: Tab into the radio group, Space,
 * arrow keys to the k-th answer (or the one choose(itemId, optionIds) returns), Tab to
 * the submit button, Enter; waits for the next state. */
export async function answerByKeyboard(page, k = 0) {
  const before = await position(page);
  assert.ok(before, 'an item is on screen');
  if (typeof k === 'function') {
    const item = await page.getAttribute('form.item-form', 'data-item');
    const ids = await page.$$eval('input[name=answer]', (els) => els.map((e) => e.value));
    k = Math.max(0, ids.indexOf(k(item, ids)));
  }
  const radio = await tabTo(page, (a) => a.type === 'radio' && a.name === 'answer', 'the answers');
  assert.ok(radio.focusVisible, 'the focused answer has a visible focus indicator');
  /* Tab lands on the checked answer if there is one, else on the first */
  const cur = await page.evaluate(() =>
    [...document.querySelectorAll('input[name=answer]')].indexOf(document.activeElement));
  await page.keyboard.press('Space');
  for (let i = cur; i < k; i++) await page.keyboard.press('ArrowDown');
  for (let i = cur; i > k; i--) await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() =>
    [...document.querySelectorAll('input[name=answer]')].findIndex((e) => e.checked)), k);
  const btn = await tabTo(page, (a) => a.tag === 'BUTTON' && a.type === 'submit', 'the answer button');
  assert.ok(btn.focusVisible, 'the focused button has a visible focus indicator');
  const chosen = await page.evaluate(() => document.querySelector('input[name=answer]:checked').value);
  await page.keyboard.press('Enter');
  await page.waitForFunction((b) => {
    const q = document.querySelector('#q-number');
    return (q && q.textContent.trim() !== b) || !document.querySelector('.item-form') ||
      document.querySelector('.net-error');
  }, before, { timeout: 15000 });
  return chosen;
}

export async function token(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('dla.token')));
}

export async function apiGet(base, tok, p) {
  const r = await fetch(`${base}/api/v1/${p}`, { headers: { Authorization: `Bearer ${tok}` } });
  assert.equal(r.status, 200, `GET ${p}: ${r.status}`);
  return r.json();
}
