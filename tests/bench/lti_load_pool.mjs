// lti_load_pool.mjs - pre-signs a pool of real LTI launches for the launch
// benchmark (bench_lti.sh): one urlencoded form body per line, replayed by wrk
// (lti_wrk.lua) without any signing on the hot path.
//
//   node lti_load_pool.mjs 11 <dla-url> <count> <out> <consumer-key> <secret>
//   node lti_load_pool.mjs 13 <dla-url> <count> <out>
//
// Mode 11 signs basic-lti-launch-request bodies with oauth-sign (unique nonces).
// Mode 13 plays the platform: serves its JWKS, registers itself with
// `dla platform add` ($DLA_BIN, the daemon's environment), runs the tool's
// /lti/login for every launch to get a real state + nonce, and signs one RS256
// id_token per launch (worker threads). A final warm-up launch primes the
// tool's JWKS cache. Users rotate over 2,000 learners, and every one of them has
// launched once (a warm-up, not in the pool) before the pool is written: the pool
// measures returning users, whose launch writes only TTL records (a first launch
// also writes the identity durably; bench_lti.sh reports those separately).
import fs from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import oauth from 'oauth-sign';

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
const USERS = Number(process.env.DLA_BENCH_USERS || 2000);
// DLA_BENCH_WARM=0 skips the warm-up: with DLA_BENCH_USERS at least the pool size,
// every launch is then a first launch (durable identity write).
const WARM = process.env.DLA_BENCH_WARM !== '0';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

function signToken(privPem, kid, claims) {
  const data = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${data}.${crypto.sign('sha256', Buffer.from(data), privPem).toString('base64url')}`;
}

if (!isMainThread) {
  const { privPem, kid, jobs } = workerData;
  parentPort.postMessage(jobs.map(([claims, state]) =>
    `id_token=${signToken(privPem, kid, claims)}&state=${encodeURIComponent(state)}`));
} else {
  const [mode, base, countArg, out, key, secret] = process.argv.slice(2);
  const count = Number(countArg);
  const launchUrl = `${base}/lti/launch`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const get = (url) => new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve(res)); }).on('error', reject);
  });
  // Posts the launches in `bodies` (16 at a time); throws unless each answers 303.
  const launchAll = async (bodies, what) => {
    for (let i = 0; i < bodies.length; i += 16) {
      for (const res of await Promise.all(bodies.slice(i, i + 16).map((b) => post(launchUrl, b)))) {
        if (res.statusCode !== 303) throw new Error(`${what} launch answered ${res.statusCode}`);
      }
    }
  };
  const post = (url, body) => new Promise((resolve, reject) => {
    const r = http.request(url, { method: 'POST', agent, headers: {
      'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', () => resolve(res)); });
    r.on('error', reject);
    r.end(body);
  });

  if (mode === '11') {
    const lines = [];
    const ts = String(Math.floor(Date.now() / 1000));
    for (let i = 0; i < count + (WARM ? USERS : 1); i++) {
      const p = { lti_message_type: 'basic-lti-launch-request', lti_version: 'LTI-1p0',
        resource_link_id: 'bench-link', context_id: 'bench-course', user_id: `bench-${i % USERS}`,
        roles: 'Learner', lis_person_name_full: 'Bench Learner', launch_presentation_locale: 'lt',
        lis_outcome_service_url: 'http://127.0.0.1:9/outcomes', lis_result_sourcedid: `sid-${i}`,
        oauth_consumer_key: key, oauth_nonce: crypto.randomBytes(12).toString('hex'), oauth_timestamp: ts,
        oauth_signature_method: 'HMAC-SHA1', oauth_version: '1.0' };
      p.oauth_signature = oauth.hmacsign('POST', launchUrl, p, secret, '');
      lines.push(new URLSearchParams(p).toString());
    }
    await launchAll(lines.splice(0, WARM ? USERS : 1), 'warm-up 1.1');
    fs.writeFileSync(out, lines.join('\n') + '\n');
  } else {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = 'bench-1';
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
    const srv = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const iss = `http://127.0.0.1:${srv.address().port}`;
    execFileSync(process.env.DLA_BIN, ['platform', 'add', '--tenant', 'demo', '--issuer', iss,
      '--client-id', 'bench-client', '--auth-url', `${iss}/auth`, '--token-url', `${iss}/token`,
      '--jwks-url', `${iss}/jwks`, '--deployment', 'bench-dep', '--json'], { stdio: 'ignore' });
    const login = `${base}/lti/login?iss=${encodeURIComponent(iss)}&client_id=bench-client` +
      `&target_link_uri=${encodeURIComponent(launchUrl)}&login_hint=`;
    const states = [];
    const total = count + (WARM ? USERS : 1);
    for (let i = 0; i < total; i += 64) {
      const batch = [];
      for (let j = i; j < Math.min(total, i + 64); j++) batch.push(get(login + j));
      for (const res of await Promise.all(batch)) {
        const loc = new URL(res.headers.location);
        states.push([loc.searchParams.get('state'), loc.searchParams.get('nonce')]);
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const jobs = states.map(([state, nonce], i) => [{
      iss, aud: 'bench-client', sub: `bench-${i % USERS}`, nonce, iat: now, exp: now + 3600,
      name: 'Bench Learner', [CLAIM + 'message_type']: 'LtiResourceLinkRequest',
      [CLAIM + 'version']: '1.3.0', [CLAIM + 'deployment_id']: 'bench-dep',
      [CLAIM + 'target_link_uri']: launchUrl, [CLAIM + 'roles']: [
        'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
      [CLAIM + 'resource_link']: { id: 'bench-link' }, [CLAIM + 'context']: { id: 'bench-course' },
      [CLAIM + 'launch_presentation']: { locale: 'lt' },
      'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': {
        scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'], lineitem: `${iss}/li/1` },
    }, state]);
    const privPem = privateKey.export({ format: 'pem', type: 'pkcs8' });
    const nw = Math.max(1, Math.min(4, os.availableParallelism?.() ?? 2));
    const per = Math.ceil(jobs.length / nw);
    const parts = await Promise.all(Array.from({ length: nw }, (_, w) => new Promise((resolve, reject) => {
      const wk = new Worker(new URL(import.meta.url), { workerData: { privPem, kid,
        jobs: jobs.slice(w * per, (w + 1) * per) } });
      wk.once('message', resolve);
      wk.once('error', reject);
    })));
    const lines = parts.flat();
    /* also primes the JWKS cache */
    await launchAll(lines.splice(0, WARM ? USERS : 1), 'warm-up 1.3');
    srv.close();
    fs.writeFileSync(out, lines.join('\n') + '\n');
  }
  agent.destroy();
}
