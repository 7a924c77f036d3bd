// daemon.mjs - start the real dla daemon for LTI tests, run its CLI, and act
// like a browser (manual redirects, auto-POST forms).
import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseForm } from './platform.mjs';

export const BIN = process.env.DLA_BIN ?? path.resolve('build/asan/dla');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Creates a data dir and config, runs `dla init`. Returns {env, cli, start, stop, url}.
export async function makeDla(config = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dla-lti-'));
  const port = await freePort();
  const cfg = { store: { sync: false }, ...config };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  const env = { ...process.env, DLA_CONFIG: path.join(dir, 'config.json'),
    DLA_DATA_DIR: path.join(dir, 'var'), DLA_LISTEN: `127.0.0.1:${port}`, DLA_LOG_LEVEL: 'warn' };
  const url = `http://127.0.0.1:${port}`;
  // Asynchronous, so an in-process emulator keeps answering while the CLI runs.
  const cli = (...args) => new Promise((resolve, reject) => {
    execFile(BIN, [...args, '--json'], { env, encoding: 'utf8' }, (e, out, errout) => {
      const last = (out ?? '').trim().split('\n').pop();
      let obj;
      try { obj = JSON.parse(last); } catch { return reject(e ?? new Error(`no JSON from dla ${args[0]}: ${errout}`)); }
      if (e) obj.exitError = errout;
      resolve(obj);
    });
  });
  execFileSync(BIN, ['init', '--json'], { env, stdio: 'ignore' });
  let child = null;
  let log = '';
  const start = async () => {
    child = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => { log += d; });
    for (let i = 0; i < 200; i++) {
      try {
        const r = await fetch(`${url}/healthz`);
        if (r.ok) return;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`dla did not start:\n${log}`);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = null;
    const done = new Promise((r) => c.once('exit', (code, sig) => r({ code, sig })));
    c.kill('SIGTERM');
    const { code, sig } = await done;
    fs.rmSync(dir, { recursive: true, force: true });
    // a non-zero exit is a sanitizer finding (leak, UB) or a crash: fail the test
    if (code !== 0) throw new Error(`dla serve exited with ${code ?? sig}:\n${log.slice(-4000)}`);
  };
  return { dir, env, url, cli, start, stop, log: () => log };
}

// Minimal browser: GET/POST without following redirects.
export async function get(url) {
  const r = await fetch(url, { redirect: 'manual' });
  return { status: r.status, location: r.headers.get('location'), body: await r.text(), headers: r.headers };
}
export async function postForm(url, fields) {
  const body = new URLSearchParams();
  for (const [k, v] of Array.isArray(fields) ? fields : Object.entries(fields)) body.append(k, v);
  const r = await fetch(url, { method: 'POST', redirect: 'manual', body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  return { status: r.status, location: r.headers.get('location'), body: await r.text(), headers: r.headers };
}
// Submits an auto-POST page (platform or tool made).
export async function submit(page) {
  const { action, fields } = parseForm(page);
  if (!action) throw new Error(`no form in page: ${page.slice(0, 300)}`);
  return postForm(action, fields);
}
export function errorCode(page) {
  return /data-error="([^"]*)"/.exec(page)?.[1];
}
export function sessionToken(location) {
  return /#token=([^&]+)/.exec(location ?? '')?.[1];
}
