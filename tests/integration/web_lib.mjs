// web_lib.mjs - helpers for the browser tests (web_*.test.mjs): the real daemon on a
// free 127.0.0.1 port with a temp data dir (or, until the app API is on main, the
// contract mock), Chromium through playwright-core, axe-core, screenshots.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createMock } from './web_mock_api.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SRC = process.env.DLA_SOURCE_DIR || path.resolve(here, '../..');
const BIN = process.env.DLA_BIN || path.join(SRC, 'build/asan/dla');
const nodeModules = process.env.NODE_PATH || path.join(SRC, 'tests/node_modules');
const require = createRequire(path.join(nodeModules, 'noop.js'));
/* Debian's Chromium; DLA_CHROMIUM only to try the skip path (point it at nothing) */
export const CHROMIUM = process.env.DLA_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.DLA_ARTIFACTS ?
  path.join(process.env.DLA_ARTIFACTS, 'web') : path.join(SRC, 'tests/artifacts/web');

export function haveChromium() {
  return fs.existsSync(CHROMIUM);
}

export async function freePort() {
  return new Promise((ok, ko) => {
    const s = net.createServer();
    s.once('error', ko);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitHealthy(base, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`dla did not become healthy on ${base}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/* The real daemon. start() may be called again after stop()/kill() on the same port
 * and data dir (the network-failure test restarts it). */
export function daemon() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dla-web-'));
  const env = { ...process.env, DLA_DATA_DIR: dataDir, DLA_LOG_LEVEL: 'warn',
    DLA_CONFIG: path.join(SRC, 'config/dla.demo.json') };
  let proc = null;
  let port = 0;
  const logPath = path.join(dataDir, 'serve.log');
  const run = (args) => JSON.parse(execFileSync(BIN, [...args, '--json'],
    { env: { ...env, DLA_LISTEN: `127.0.0.1:${port}` }, encoding: 'utf8' }));
  return {
    kind: 'daemon', dataDir,
    get base() { return `http://127.0.0.1:${port}`; },
    async start() {
      if (!port) {
        port = await freePort();
        run(['init']);
      }
      const log = fs.openSync(logPath, 'a');
      proc = spawn(BIN, ['serve'], { env: { ...env, DLA_LISTEN: `127.0.0.1:${port}` },
        stdio: ['ignore', log, log] });
      fs.closeSync(log);
      await waitHealthy(this.base);
      return this.base;
    },
    token(user, role = 'learner') {
      return run(['token', '--tenant', 'demo', '--user', user, '--role', role]).token;
    },
    /* SIGKILL: a crash, not a polite shutdown */
    async kill() {
      const p = proc;
      proc = null;
      await new Promise((ok) => {
        p.once('exit', ok);
        p.kill('SIGKILL');
      });
    },
    /* SIGTERM; a non-zero exit (an ASan/UBSan finding, a crash) fails the test */
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      const code = await new Promise((ok) => {
        const t = setTimeout(() => p.kill('SIGKILL'), 10000);
        p.once('exit', (c, sig) => {
          clearTimeout(t);
          ok(sig ? sig : c);
        });
        p.kill('SIGTERM');
      });
      if (code !== 0) throw new Error(`dla serve exited with ${code}:\n${this.log().slice(-3000)}`);
    },
    cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    log() {
      return fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8') : '';
    },
  };
}

export function mockServer(opts) {
  const m = createMock(opts);
  let port = 0;
  return {
    kind: 'mock',
    get base() { return `http://127.0.0.1:${port}`; },
    async start() {
      const base = await m.start(port);
      port = Number(new URL(base).port);
      return base;
    },
    token: (user, role = 'learner') => m.token(user, [role], 'lt', 'Rūta Petraitienė'),
    kill: () => m.stop(),
    stop: () => m.stop(),
    cleanup() {},
    log: () => JSON.stringify(m.log.slice(-20), null, 1),
  };
}

/* The real daemon, its app API checked. The tests never fall back to the contract
 * mock (web_mock_api.mjs) on their own, so a broken API fails them; DLA_WEB_MOCK=1
 * asks for the mock explicitly (UI work without a C build). */
export async function server(t) {
  if (process.env.DLA_WEB_MOCK) {
    /* explicit opt-in only, for UI work without a C build */
    const m = mockServer({ items: 8 });
    await m.start();
    t.diagnostic('DLA_WEB_MOCK is set: running against the contract mock, not the daemon');
    return m;
  }
  const d = daemon();
  await d.start();
  const tok = d.token('probe');
  const r = await fetch(`${d.base}/api/v1/me`, { headers: { Authorization: `Bearer ${tok}` } });
  if (r.status !== 200) {
    const body = await r.text();
    await d.stop().catch(() => {});
    d.cleanup();
    throw new Error(`GET /api/v1/me answered ${r.status} ${body}: the app API is missing or broken`);
  }
  return d;
}

export async function hasDemo(base) {
  try {
    const r = await fetch(`${base}/demo`);
    return r.ok && /persona=learner/.test(await r.text());
  } catch {
    return false;
  }
}

export async function browser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/* A page that fails the test on any script error, CSP violation or i18n miss. */
export async function newPage(b, opts = {}) {
  const ctx = await b.newContext({ viewport: { width: 1024, height: 800 }, ...opts });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const txt = m.text();
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(txt)) page.problems.push(txt);
    if (/i18n: missing/.test(txt)) page.problems.push(txt);
  });
  return page;
}

let axeSource = null;
/* axe-core violations (wcag2a, wcag2aa, wcag21a, wcag21aa) of the page as it is now. The app's CSP
 * (script-src 'self') rightly refuses page.addScriptTag's inline script, so axe is
 * evaluated through the DevTools protocol instead, which CSP does not govern. */
export async function axe(page) {
  if (!axeSource) axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    /* WCAG 2.0 A/AA plus the rules axe files under 2.1 A/AA (the EU target is 2.1 AA) */
    const r = await window.axe.run(document,
      { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

/* A full-page screenshot artifact in $DLA_ARTIFACTS/web/. */
export async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/* A screen-sized screenshot for docs/ui.md and the README: an artifact always, and
 * copied into docs/screenshots/ when DLA_UPDATE_SCREENSHOTS=1. */
export async function docShot(page, name, scrollTo) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  if (scrollTo) await page.evaluate((sel) => document.querySelector(sel).scrollIntoView({ block: 'start' }), scrollTo);
  else await page.evaluate(() => window.scrollTo(0, 0));
  const file = path.join(ARTIFACTS, `doc-${name}.png`);
  await page.screenshot({ path: file });
  if (process.env.DLA_UPDATE_SCREENSHOTS) {
    const dir = path.join(SRC, 'docs/screenshots');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(file, path.join(dir, `${name}.png`));
  }
  return file;
}
