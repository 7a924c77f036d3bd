/* i18n.js - UI strings from i18n/<lang>.json (flat keys). A value is a string with
 * {name} placeholders, or an object of plural forms keyed by Intl.PluralRules
 * categories ("one", "few", "many", "other"), chosen by the `n` variable. */

export const LANGS = ['lt', 'en'];
const catalogs = {};
let current = 'lt';
let rules = new Intl.PluralRules('lt');

export function lang() {
  return current;
}

export function pickLang(want) {
  const l = String(want || '').toLowerCase().slice(0, 2);
  return LANGS.includes(l) ? l : 'lt';
}

export async function loadLang(l) {
  l = pickLang(l);
  if (!catalogs[l]) {
    const res = await fetch(`i18n/${l}.json`, { cache: 'no-cache' });
    if (!res.ok) throw new Error(`i18n/${l}.json: HTTP ${res.status}`);
    catalogs[l] = await res.json();
  }
  current = l;
  rules = new Intl.PluralRules(l);
  document.documentElement.lang = l;
  return l;
}

export function t(key, vars = {}) {
  let v = catalogs[current] && catalogs[current][key];
  if (v === undefined) {
    console.warn(`i18n: missing ${current}:${key}`);
    return key;
  }
  if (typeof v === 'object') {
    const n = Number(vars.n ?? 0);
    v = v[rules.select(n)] ?? v.other;
  }
  return v.replace(/\{(\w+)\}/g, (m, name) =>
    vars[name] === undefined ? m : String(vars[name]));
}

/* Text of a bilingual API value {lt, en} (or a plain string) in the current language. */
export function tx(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return value[current] ?? value.lt ?? value.en ?? '';
}

/* Fills every [data-i18n] element of the static shell. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]'))
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}
