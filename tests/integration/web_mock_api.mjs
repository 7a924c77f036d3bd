// web_mock_api.mjs - a small stand-in for the dla daemon's /app/ and /api/v1/, built
// from the contract the UI codes against (docs/ui.md, "API contract used by the UI").
// It lets the UI be developed and its browser tests run before the real API lands;
// the browser tests prefer the real daemon whenever its API answers.
//   node tests/integration/web_mock_api.mjs [port]     (manual use; prints a launch URL)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
  'frame-ancestors *';
const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml',
};

const OPTIONS = [
  { lt: 'Patikrinsiu siuntėjo adresą ir nuorodą, nieko nespausdamas(-a), ir pranešiu IT skyriui.',
    en: 'Check the sender address and the link without clicking, and report it to IT.' },
  { lt: 'Atversiu nuorodą, kad pamatyčiau, ar svetainė tikra.', en: 'Open the link to see if the site is real.' },
  { lt: 'Persiųsiu laišką kolegoms, kad jie patikrintų.', en: 'Forward the e-mail to colleagues to check.' },
  { lt: 'Atsakysiu siuntėjui ir paklausiu, ar laiškas tikras.', en: 'Reply to the sender and ask whether it is genuine.' },
];

export function createMock({ items = 6, webRoot = path.resolve(here, '../../web') } = {}) {
  const fw = JSON.parse(fs.readFileSync(path.join(here, 'web_mock_framework.json'), 'utf8'));
  const comps = fw.areas.flatMap((a) => a.competences.map((c) => ({ ...c, area: a.id })));
  const users = new Map(); // token -> user
  const profiles = new Map();
  const diags = new Map();
  let seq = 0;
  const log = [];

  function token(user = 'u1', roles = ['learner'], locale = 'lt', name = 'Rūta Petrauskienė') {
    const tok = `mock-${user}-${Math.random().toString(36).slice(2)}`;
    users.set(tok, { id: user, roles, locale, name });
    return tok;
  }

  function itemFor(d) {
    const n = d.answers.length;
    const c = comps[(n * 5) % comps.length];
    return {
      id: `it-${d.id}-${n + 1}`, competence: c.id, area: c.area, position: n + 1,
      stem: { lt: `(${c.id}) Gavote laišką, kuris atrodo kaip iš „Sodros“ ir prašo prisijungti per nuorodą. Ką darysite? [${n + 1}]`,
        en: `(${c.id}) You get an e-mail that looks like it is from Sodra and asks you to sign in through a link. What do you do? [${n + 1}]` },
      options: OPTIONS.map((o, i) => ({ id: 'abcd'[i], text: o })),
    };
  }

  function stateOf(d) {
    const done = d.answers.length >= items;
    return {
      id: d.id, state: done ? 'finished' : 'in_progress', framework: fw.id, language: d.language,
      created: d.created, updated: d.updated,
      item: done ? null : d.current,
      progress: { answered: d.answers.length, remaining: Math.max(0, items - d.answers.length), max_items: items },
      ...(done ? { result: `/api/v1/diagnostics/${d.id}/result` } : {}),
    };
  }

  function result(d) {
    const score = d.answers.filter((a) => a.option === 'a').length / Math.max(1, d.answers.length);
    const lvl = (k) => Math.max(1, Math.min(8, Math.round(1 + score * 6 + ((k * 7) % 3) - 1)));
    const text = (l) => ({ lt: `Lygis ${l}: ${fw.levels[l - 1].summary.lt}`, en: `Level ${l}: ${fw.levels[l - 1].summary.en}` });
    const competences = comps.map((c, k) => {
      const l = lvl(k);
      const prof = profiles.get(d.user);
      const target = prof && prof.role_id ? 5 : undefined;
      const hi = Math.min(8, l + 1);
      return { id: c.id, area: c.area, title: c.title, level: l, interval: [Math.max(1, l - 1), hi], text: text(l),
        answered: 2, ...(target ? { target, gap: Math.max(0, target - hi) } : {}) };
    });
    const areas = fw.areas.map((a, k) => {
      const l = lvl(k + 1);
      return { id: a.id, level: l, interval: [l, Math.min(8, l + 1)], text: text(l) };
    });
    return { id: d.id, framework: fw.id, finished: Math.floor(Date.now() / 1000), answered: d.answers.length,
      overall: { theta: 0.3, se: 0.2, level: lvl(2), interval: [lvl(2), Math.min(8, lvl(2) + 1)], score: 0.5 },
      areas, competences,
      review: d.answers.map((a, k) => ({ item: a.item, competence: comps[(k * 5) % comps.length].id, correct: a.option === 'a',
        feedback: { lt: 'Sukčiavimo laiškuose nuorodos veda į apgaulingas svetaines; tikrinkite adresą.', en: 'Phishing links lead to fake sites; check the address.' } })),
      notice: { lt: 'Klausimų parametrai dar nekalibruoti pagal tikrus atsakymus.', en: 'Item parameters are not yet calibrated from real responses.' } };
  }

  function send(res, status, obj, headers = {}) {
    const body = obj === undefined ? '' : JSON.stringify(obj);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  }
  const err = (res, status, code, message) => send(res, status, { error: { code, message } });
  const strict = (body, keys) => Object.keys(body || {}).find((k) => !keys.includes(k));

  async function api(req, res, p) {
    const auth = req.headers.authorization || '';
    const user = users.get(auth.replace(/^Bearer /, ''));
    if (!user) return err(res, 401, 'unauthorized', 'missing or unknown session token');
    let body = null;
    if (req.method === 'POST' || req.method === 'PUT') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        return err(res, 400, 'bad_json', 'body is not JSON');
      }
    }
    log.push({ method: req.method, path: p, body });
    let m;
    if (p === 'session' && req.method === 'DELETE') {
      users.delete(auth.replace(/^Bearer /, ''));
      res.writeHead(204, { 'Cache-Control': 'no-store' });
      return res.end();
    }
    if (p === 'me' && req.method === 'GET') {
      const mine = [...diags.values()].filter((d) => d.user === user.id);
      const active = mine.find((d) => d.answers.length < items);
      const fin = mine.filter((d) => d.answers.length >= items).pop();
      return send(res, 200, { user: { id: user.id, name: user.name }, tenant: { id: 'demo', name: 'Demonstracinė įstaiga' },
        roles: user.roles, locale: user.locale, profile: { complete: profiles.has(user.id) },
        diagnostic: { active: active ? active.id : null, last_finished: fin ? fin.id : null } });
    }
    if (p === 'profile' && req.method === 'GET')
      return send(res, 200, profiles.get(user.id) || { role_id: null, role_text: null, objectives: [], updated: null });
    if (p === 'profile' && req.method === 'PUT') {
      const bad = strict(body, ['role_id', 'role_text', 'objectives']);
      if (bad) return err(res, 400, 'invalid', `unknown key "${bad}"`);
      if (!Array.isArray(body.objectives)) return err(res, 400, 'invalid', 'objectives must be an array');
      if (body.role_id && body.role_text) return err(res, 400, 'invalid', 'role_id and role_text are exclusive');
      if (body.role_text !== null && body.role_text !== undefined && !(body.role_text.length >= 1 && body.role_text.length <= 200))
        return err(res, 400, 'invalid', 'role_text: 1-200 characters');
      for (const [i, o] of body.objectives.entries()) {
        const b2 = strict(o, ['competence', 'reason']);
        if (b2) return err(res, 400, 'invalid', `objectives[${i}]: unknown key "${b2}"`);
        if (!comps.some((c) => c.id === o.competence)) return err(res, 400, 'invalid', `objectives[${i}].competence: unknown`);
      }
      const prof = { role_id: body.role_id || null, role_text: body.role_text ?? null,
        objectives: body.objectives, updated: new Date().toISOString() };
      profiles.set(user.id, prof);
      return send(res, 200, prof);
    }
    if (p === 'roles' && req.method === 'GET')
      return send(res, 200, { roles: [
        { id: 'policy', title: { lt: 'Politikos formavimo specialistas', en: 'Policy specialist' },
          description: { lt: 'Rengia teisės aktų projektus, analizuoja duomenis.', en: 'Drafts legislation and analyses data.' },
          targets: Object.fromEntries(comps.map((c, k) => [c.id, 3 + (k % 3)])) },
        { id: 'service', title: { lt: 'Klientų aptarnavimo specialistas', en: 'Customer service specialist' },
          description: { lt: 'Aptarnauja gyventojus el. kanalais ir gyvai.', en: 'Serves citizens online and in person.' },
          targets: Object.fromEntries(comps.map((c, k) => [c.id, 2 + (k % 4)])) },
      ] });
    if ((m = p.match(/^frameworks\/([\w.-]+)$/)) && req.method === 'GET')
      return m[1] === fw.id ? send(res, 200, fw) : err(res, 404, 'not_found', 'no such framework');
    if (p === 'diagnostics' && req.method === 'GET')
      return send(res, 200, { diagnostics: [...diags.values()].filter((d) => d.user === user.id).reverse().map((d) => {
        const st = stateOf(d);
        return { id: d.id, framework: fw.id, state: st.state, created: d.created, finished: st.state === 'finished' ? d.updated : null };
      }) });
    if (p === 'diagnostics' && req.method === 'POST') {
      const bad = strict(body, ['framework', 'language']);
      if (bad) return err(res, 400, 'invalid', `unknown key "${bad}"`);
      const open = [...diags.values()].find((d) => d.user === user.id && d.answers.length < items);
      if (open) return send(res, 200, stateOf(open));
      seq += 1;
      const now = Math.floor(Date.now() / 1000);
      const d = { id: `d${seq}`, user: user.id, answers: [], language: body.language || user.locale, created: now, updated: now };
      d.current = itemFor(d);
      diags.set(d.id, d);
      return send(res, 201, stateOf(d));
    }
    if ((m = p.match(/^diagnostics\/(\w+)(\/answers|\/result)?$/))) {
      const d = diags.get(m[1]);
      if (!d || d.user !== user.id) return err(res, 404, 'not_found', 'no such diagnostic');
      if (!m[2] && req.method === 'GET') return send(res, 200, stateOf(d));
      if (m[2] === '/answers' && req.method === 'POST') {
        const bad = strict(body, ['item', 'answer']);
        if (bad) return err(res, 400, 'invalid', `unknown key "${bad}"`);
        const prev = d.answers.find((a) => a.item === body.item);
        if (prev) return send(res, 200, { ...stateOf(d), duplicate: true }); // idempotent per item
        if (d.answers.length >= items) return err(res, 409, 'finished', 'diagnostic finished');
        if (!d.current || body.item !== d.current.id) return err(res, 409, 'not_current', 'not the current item');
        if (!d.current.options.some((o) => o.id === body.answer)) return err(res, 400, 'invalid', 'unknown option');
        d.answers.push({ item: body.item, option: body.answer });
        d.updated = Math.floor(Date.now() / 1000);
        d.current = d.answers.length < items ? itemFor(d) : null;
        return send(res, 200, stateOf(d));
      }
      if (m[2] === '/result' && req.method === 'GET') {
        if (d.answers.length < items) return err(res, 409, 'not_finished', 'diagnostic not finished');
        return send(res, 200, result(d));
      }
    }
    return err(res, 404, 'not_found', 'no such endpoint');
  }

  function handler(req, res) {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/api/v1/')) {
      api(req, res, url.pathname.slice(8)).catch((e) => err(res, 500, 'internal', e.message));
      return;
    }
    if (url.pathname === '/' || url.pathname === '/app') {
      res.writeHead(302, { Location: '/app/' });
      res.end();
      return;
    }
    if (!url.pathname.startsWith('/app/')) return err(res, 404, 'not_found', 'no such file');
    let rel = decodeURIComponent(url.pathname.slice(5)) || 'index.html';
    if (rel.split('/').some((s) => s.startsWith('.'))) return err(res, 404, 'not_found', 'no such file');
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(webRoot, rel);
    fs.readFile(file, (e, data) => {
      if (e) return err(res, 404, 'not_found', 'no such file');
      const ext = path.extname(file);
      const h = { 'Content-Type': MIME[ext] || 'application/octet-stream', 'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff' };
      if (ext === '.html') h['Content-Security-Policy'] = CSP;
      res.writeHead(200, h);
      res.end(data);
    });
  }

  let server = null;
  const sockets = new Set();
  return {
    token, log, diags,
    async start(port = 0) {
      server = http.createServer(handler);
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise((ok, ko) => server.once('error', ko).listen(port, '127.0.0.1', ok));
      return `http://127.0.0.1:${server.address().port}`;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(ok));
      server = null;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mock = createMock({ items: Number(process.env.ITEMS || 8) });
  const base = await mock.start(Number(process.argv[2] || 0));
  console.log(`mock dla on ${base}\n  learner: ${base}/app/#token=${mock.token('u1')}&lang=lt`);
}
