// Self-test of the LTI platform emulator (tests/lti/platform.mjs): this file
// plays the tool, so the emulator's own checks are known to accept good
// requests and refuse bad ones before they judge dla.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import * as jose from 'jose';
import oauth from 'oauth-sign';
import { startPlatform, parseOAuthHeader, REGISTRATION_TOKEN } from '../lti/platform.mjs';

const AGS = 'https://purl.imsglobal.org/spec/lti-ags/';
const NRPS = 'https://purl.imsglobal.org/spec/lti-nrps/';

// A fake tool: its JWKS and keys.
async function fakeTool() {
  const { publicKey, privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'tool-1', alg: 'RS256', use: 'sig' };
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { privateKey, url: `http://127.0.0.1:${srv.address().port}`, close: () => srv.close() };
}

function outcomeRequest(p, sid, { secret, tamper, ts, nonce } = {}) {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"><imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>m1</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><replaceResultRequest><resultRecord><sourcedGUID><sourcedId>${sid}</sourcedId></sourcedGUID><result><resultScore><language>en</language><textString>0.75</textString></resultScore></result></resultRecord></replaceResultRequest></imsx_POXBody></imsx_POXEnvelopeRequest>`;
  const params = {
    tenant: 'a', oauth_consumer_key: p.cfg.lti11Key, oauth_nonce: nonce ?? crypto.randomUUID(),
    oauth_timestamp: String(ts ?? Math.floor(Date.now() / 1000)), oauth_signature_method: 'HMAC-SHA1',
    oauth_version: '1.0', oauth_body_hash: crypto.createHash('sha1').update(xml).digest('base64'),
  };
  params.oauth_signature = oauth.hmacsign('POST', `${p.url}/outcomes11`, params, secret ?? p.cfg.lti11Secret, '');
  const hdr = 'OAuth ' + Object.entries(params).filter(([k]) => k.startsWith('oauth_'))
    .map(([k, v]) => `${k}="${oauth.rfc3986(v)}"`).join(', ');
  return fetch(`${p.url}/outcomes11?tenant=a`, { method: 'POST',
    headers: { Authorization: hdr, 'Content-Type': 'application/xml' }, body: tamper ? xml.replace('0.75', '0.99') : xml });
}

test('emulator plays a consistent platform', async (t) => {
  const tool = await fakeTool();
  const p = await startPlatform({ toolBase: 'http://127.0.0.1:9', toolJwksUrl: tool.url,
    toolLaunchUrl: 'http://127.0.0.1:9/lti/launch' });
  t.after(async () => { await p.close(); tool.close(); });

  await t.test('1.1 launch is signed as oauth-sign computes it, outcomes checked', async () => {
    const r = await (await fetch(`${p.url}/start11?format=json`)).json();
    const f = { ...r.fields };
    const sig = f.oauth_signature;
    delete f.oauth_signature;
    assert.equal(oauth.hmacsign('POST', r.action, f, p.cfg.lti11Secret, ''), sig);
    assert.ok('custom_q' in f && 'custom_q1' in f && 'custom_q-2' in f);
    assert.equal(parseOAuthHeader('OAuth realm="", a="b%20c"').a, 'b c');
    let x = await outcomeRequest(p, r.sourcedid);
    assert.match(await x.text(), /<imsx_codeMajor>success</);
    for (const bad of [{ secret: 'wrong' }, { tamper: true }, { ts: Math.floor(Date.now() / 1000) - 900 }]) {
      x = await outcomeRequest(p, r.sourcedid, bad);
      assert.equal(x.status, 401, JSON.stringify(bad));
    }
    x = await outcomeRequest(p, r.sourcedid, { nonce: 'same' });
    assert.equal(x.status, 200);
    x = await outcomeRequest(p, r.sourcedid, { nonce: 'same' });
    assert.equal(x.status, 401);
  });

  await t.test('1.3 id_token verifies with the platform JWKS; broken variants do not', async () => {
    const jwks = jose.createRemoteJWKSet(new URL(`${p.url}/jwks`));
    const tokenFor = async (variant) => {
      const s = await fetch(`${p.url}/start13?variant=${variant}`, { redirect: 'manual' });
      const login = new URL(s.headers.get('location'));
      const q = login.searchParams;
      const a = new URLSearchParams({ scope: 'openid', response_type: 'id_token', response_mode: 'form_post',
        prompt: 'none', client_id: q.get('client_id'), redirect_uri: 'http://127.0.0.1:9/lti/launch',
        login_hint: q.get('login_hint'), lti_message_hint: q.get('lti_message_hint'), state: 's', nonce: 'n',
        format: 'json' });
      const r = await fetch(`${p.url}/auth?${a}`);
      assert.equal(r.status, 200);
      return (await r.json()).fields.id_token;
    };
    const good = await jose.jwtVerify(await tokenFor(''), jwks, { algorithms: ['RS256'], issuer: p.url,
      audience: p.cfg.clientId });
    assert.equal(good.payload.nonce, 'n');
    for (const v of ['alg_none', 'hs256_public', 'expired', 'tampered', 'unknown_kid']) {
      await assert.rejects(jose.jwtVerify(await tokenFor(v), jwks, { algorithms: ['RS256'] }), v);
    }
  });

  await t.test('token, AGS and NRPS enforce their rules', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = (over = {}) => new jose.SignJWT({ iss: p.cfg.clientId, sub: p.cfg.clientId,
      aud: `${p.url}/token`, iat: now, exp: now + 60, jti: crypto.randomUUID(), ...over })
      .setProtectedHeader({ alg: 'RS256', kid: 'tool-1' }).sign(tool.privateKey);
    const tokenReq = async (jwt, scope) => fetch(`${p.url}/token`, { method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt }) });
    const a1 = await assertion();
    const scope = `${AGS}scope/lineitem ${AGS}scope/score ${NRPS}scope/contextmembership.readonly`;
    const tok = await (await tokenReq(a1, scope)).json();
    assert.ok(tok.access_token);
    assert.equal((await tokenReq(a1, scope)).status, 401, 'jti replay');
    assert.equal((await tokenReq(await assertion({ aud: 'x' }), scope)).status, 401, 'audience');
    const auth = { Authorization: `Bearer ${tok.access_token}` };
    const li = await (await fetch(`${p.url}/ags/c9/lineitems`, { method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/vnd.ims.lis.v2.lineitem+json' },
      body: JSON.stringify({ scoreMaximum: 100, label: 'x' }) })).json();
    const score = (ts, ct = 'application/vnd.ims.lis.v1.score+json') => fetch(`${li.id}/scores`, { method: 'POST',
      headers: { ...auth, 'Content-Type': ct }, body: JSON.stringify({ userId: 'u', scoreGiven: 5,
        scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: ts }) });
    assert.equal((await score('2030-01-01T00:00:00.100Z')).status, 204);
    assert.equal((await score('2030-01-01T00:00:00.100Z')).status, 409, 'not increasing');
    assert.equal((await score('2030-01-01T00:00:01.000')).status, 400, 'no zone');
    assert.equal((await score('2030-01-01T00:00:02.000Z', 'application/json')).status, 415);
    const accept = { ...auth, Accept: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' };
    const p1 = await fetch(`${p.url}/nrps/c9/memberships`, { headers: accept });
    const next = /<([^>]+)>; rel="next"/.exec(p1.headers.get('link'))[1];
    const p2 = await (await fetch(next, { headers: accept })).json();
    assert.equal((await p1.json()).members.length + p2.members.length, 5);
  });

  await t.test('deep-linking return and dynamic registration', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new jose.SignJWT({ iss: p.cfg.clientId, aud: p.url, iat: now, exp: now + 60, nonce: 'x',
      'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingResponse',
      'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': p.cfg.deploymentId,
      'https://purl.imsglobal.org/spec/lti-dl/claim/content_items': [] })
      .setProtectedHeader({ alg: 'RS256', kid: 'tool-1' }).sign(tool.privateKey);
    const ok = await fetch(`${p.url}/dl/return`, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
    assert.equal(ok.status, 200);
    const forged = await new jose.SignJWT({ iss: p.cfg.clientId, aud: p.url })
      .setProtectedHeader({ alg: 'RS256', kid: 'tool-1' }).sign(p.stranger.privateKey);
    assert.equal((await fetch(`${p.url}/dl/return`, { method: 'POST', body: new URLSearchParams({ JWT: forged }) })).status, 400);
    const conf = await (await fetch(`${p.url}/.well-known/openid-configuration`)).json();
    const reg = { application_type: 'web', response_types: ['id_token'], grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt', initiate_login_uri: 'x', jwks_uri: 'y', redirect_uris: ['z'],
      'https://purl.imsglobal.org/spec/lti-tool-configuration': { domain: 'd', target_link_uri: 't' } };
    const noauth = await fetch(conf.registration_endpoint, { method: 'POST', body: JSON.stringify(reg) });
    assert.equal(noauth.status, 401);
    const r = await (await fetch(conf.registration_endpoint, { method: 'POST', body: JSON.stringify(reg),
      headers: { Authorization: `Bearer ${REGISTRATION_TOKEN}` } })).json();
    assert.match(r.client_id, /^dr-client-/);
  });
});
