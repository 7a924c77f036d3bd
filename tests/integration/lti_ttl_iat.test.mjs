// LTI 1.3 and the TTL records' volatile_since: an id_token issued before the
// tool's TTL environment began (its creation at `dla init`, or its last wipe
// after a reboot) is refused as an expired launch, even with a valid login
// state and signature, because the nonces of that time may be lost. A token
// issued afterwards launches.
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { makeDla, get, postForm, errorCode } from '../lti/daemon.mjs';

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

const before = Math.floor(Date.now() / 1000); // volatile_since >= before
const dla = await makeDla();
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'iat-1';
const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
const jwks = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ keys: [jwk] }));
});
await new Promise((r) => jwks.listen(0, '127.0.0.1', r));
const iss = `http://127.0.0.1:${jwks.address().port}`;
await dla.cli('platform', 'add', '--tenant', 'demo', '--issuer', iss, '--client-id', 'iat-client',
  '--auth-url', `${iss}/auth`, '--token-url', `${iss}/token`, '--jwks-url', `${iss}/jwks`,
  '--deployment', 'iat-dep');
await dla.start();

test.after(async () => {
  jwks.close();
  await dla.stop();
});

// Runs the tool's login, then posts an id_token issued at `iat`.
async function launch(iat, sub) {
  const launchUrl = `${dla.url}/lti/launch`;
  const login = await get(`${dla.url}/lti/login?iss=${encodeURIComponent(iss)}&client_id=iat-client` +
    `&target_link_uri=${encodeURIComponent(launchUrl)}&login_hint=${sub}`);
  assert.equal(login.status, 302, login.body);
  const loc = new URL(login.location);
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss, aud: 'iat-client', sub, nonce: loc.searchParams.get('nonce'), iat,
    exp: now + 300, [CLAIM + 'message_type']: 'LtiResourceLinkRequest', [CLAIM + 'version']: '1.3.0',
    [CLAIM + 'deployment_id']: 'iat-dep', [CLAIM + 'target_link_uri']: launchUrl,
    [CLAIM + 'roles']: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
    [CLAIM + 'resource_link']: { id: 'iat-link' } };
  const data = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  const token = `${data}.${crypto.sign('sha256', Buffer.from(data), privateKey).toString('base64url')}`;
  return postForm(launchUrl, { id_token: token, state: loc.searchParams.get('state') });
}

test('an id_token issued before volatile_since is refused', async () => {
  const r = await launch(before - 30, 'early');
  assert.equal(r.status, 401, r.body.slice(0, 400));
  assert.equal(errorCode(r.body), 'expired_launch');
  assert.match(dla.log() + r.body, /issued before the reset of the nonce store/);
});

test('an id_token issued now launches', async () => {
  const r = await launch(Math.floor(Date.now() / 1000), 'now');
  assert.equal(r.status, 303, r.body.slice(0, 400));
  assert.match(r.location, /#token=/);
});
