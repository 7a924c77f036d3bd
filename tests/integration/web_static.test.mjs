// web_static.test.mjs - checks on the UI's files that need no browser: both catalogs
// have the same keys, plural forms and placeholders; every string the code asks for
// exists; the pages keep to the CSP (no inline script/style, no external resources)
// and the code never builds markup from strings.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SRC } from './web_lib.mjs';

const WEB = path.join(SRC, 'web');
const cat = (l) => JSON.parse(fs.readFileSync(path.join(WEB, 'i18n', `${l}.json`), 'utf8'));
const files = (dir, ext) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
  const p = path.join(dir, e.name);
  if (e.isDirectory()) return e.name === 'vendor' ? [] : files(p, ext);
  return p.endsWith(ext) ? [p] : [];
});
const placeholders = (v) => [...new Set(JSON.stringify(v).match(/\{\w+\}/g) || [])].sort();

test('lt and en catalogs: same keys, plural forms, same placeholders, nothing empty', () => {
  const lt = cat('lt');
  const en = cat('en');
  assert.deepEqual(Object.keys(lt).sort(), Object.keys(en).sort());
  for (const k of Object.keys(lt)) {
    for (const [l, v] of [['lt', lt[k]], ['en', en[k]]]) {
      if (typeof v === 'object') {
        const need = l === 'lt' ? ['few', 'many', 'one', 'other'] : ['one', 'other'];
        assert.deepEqual(Object.keys(v).sort(), need, `${l}:${k} plural forms`);
        for (const f of need) assert.ok(v[f].trim(), `${l}:${k}.${f} is empty`);
      } else {
        assert.equal(typeof v, 'string', `${l}:${k}`);
        assert.ok(v.trim(), `${l}:${k} is empty`);
      }
    }
    assert.deepEqual(placeholders(lt[k]), placeholders(en[k]), `placeholders of ${k}`);
  }
  /* Lithuanian really is Lithuanian: most strings differ from English, diacritics used */
  const same = Object.keys(lt).filter((k) => JSON.stringify(lt[k]) === JSON.stringify(en[k]));
  assert.ok(same.length <= 2, `identical in both languages: ${same}`);
  assert.match(Object.values(lt).map((v) => JSON.stringify(v)).join(' '), /[ąčęėįšųūž]/);
});

test('every string key the code uses exists', () => {
  const lt = cat('lt');
  const used = new Set();
  for (const f of [...files(WEB, '.js'), path.join(WEB, 'index.html')]) {
    const src = fs.readFileSync(f, 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
    for (const m of src.matchAll(/data-i18n(?:-label)?="([^"]+)"/g)) used.add(m[1]);
    for (const m of src.matchAll(/\['\/[a-z-]*', '([a-z.]+)'\]/g)) used.add(m[1]);
  }
  /* keys built at run time */
  for (const r of ['learner', 'supervisor', 'hr', 'admin']) used.add(`role.${r}`);
  for (const e of ['session', 'network', 'generic']) {
    used.add(`error.${e}.title`);
    used.add(`error.${e}.body`);
  }
  assert.ok(used.size > 100, `only ${used.size} keys found`);
  const missing = [...used].filter((k) => !(k in lt));
  assert.deepEqual(missing, []);
});

test('index.html preloads every module (one round trip for the module graph)', () => {
  const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8');
  const pre = new Set([...html.matchAll(/rel="modulepreload" href="([^"]+)"/g)].map((m) => m[1]));
  const mods = files(path.join(WEB, 'js'), '.js').map((f) => path.relative(WEB, f)).filter((f) => f !== 'js/app.js');
  assert.deepEqual(mods.filter((m) => !pre.has(m)), []);
  assert.deepEqual([...pre].filter((m) => !fs.existsSync(path.join(WEB, m))), []);
});

test('pages keep to the CSP: no inline script or style, nothing external, no HTML from strings', () => {
  for (const f of files(WEB, '.html')) {
    const html = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${f}: inline script`);
    assert.doesNotMatch(html, /<style/i, `${f}: style element`);
    assert.doesNotMatch(html, /\sstyle=/i, `${f}: style attribute`);
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${f}: event handler attribute`);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, `${f}: external resource`);
  }
  for (const f of [...files(WEB, '.js'), ...files(WEB, '.css')]) {
    const src = fs.readFileSync(f, 'utf8');
    assert.doesNotMatch(src, /\.innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
      `${f}: builds markup or code from strings`);
    assert.doesNotMatch(src, /setAttribute\('style'|url\((['"])?https?:|@import/, `${f}: inline style or external`);
  }
});
