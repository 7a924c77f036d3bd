// platform.mjs - the project's LTI platform emulator (test tooling).
//
// A small LMS on 127.0.0.1 built only on the npm packages `jose` (JWT/JWKS) and
// `oauth-sign` (the OAuth 1.0a reference signer). It plays every platform role
// dla's LTI tool needs in tests: LTI 1.1 launches and Basic Outcomes, LTI 1.3
// third-party login + id_token, Deep Linking return, AGS (token, line items,
// scores), NRPS with paging, Dynamic Registration, and deliberately broken
// tokens for negative tests.
//
// Use as a module (startPlatform(opts) -> {url, state, close, ...}) or run it:
//   PORT=9001 TOOL_BASE=http://127.0.0.1:8080 node tests/lti/platform.mjs
// Environment: PORT, TOOL_BASE, CLIENT_ID, DEPLOYMENT_ID, LTI11_KEY, LTI11_SECRET,
// TOOL_LOGIN_URL, TOOL_LAUNCH_URL, TOOL_JWKS_URL, TOOL_LTI11_URL.
import http from 'node:http';
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as jose from 'jose';
import oauth from 'oauth-sign';

const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';
const AGS = 'https://purl.imsglobal.org/spec/lti-ags/';
const NRPS = 'https://purl.imsglobal.org/spec/lti-nrps/';
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const ROLES = {
  learner: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'],
  teacher: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
  hr: ['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'],
};
const SCORE_ACTIVITY = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const SCORE_GRADING = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];
export const REGISTRATION_TOKEN = 'reg-token-7c1f';

const b64url = (b) => Buffer.from(b).toString('base64url');

function html(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(body);
}
function json(res, status, obj, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(obj));
}
function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
export function autoPostForm(action, fields) {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return `<!doctype html><form id="f" method="post" action="${esc(action)}">${inputs}</form>` +
    `<script>document.getElementById('f').submit()</script>`;
}
// Parses the fields and action of an auto-POST form page (tool or platform made).
export function parseForm(page) {
  const action = /<form[^>]*action="([^"]*)"/.exec(page)?.[1];
  const fields = {};
  const unesc = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(+n))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  for (const m of page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unesc(m[1])] = unesc(m[2]);
  }
  return { action: action && unesc(action), fields };
}
async function readBody(req, limit = 1 << 20) {
  const chunks = [];
  let n = 0;
  for await (const c of req) {
    n += c.length;
    if (n > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
// Form body -> {name: value | [values]} (oauth-sign's parameter shape).
function formParams(text) {
  const out = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in out) out[k] = [].concat(out[k], v);
    else out[k] = v;
  }
  return out;
}
export function parseOAuthHeader(h) {
  if (!h || !/^OAuth\s/i.test(h)) return null;
  const out = {};
  for (const m of h.slice(6).matchAll(/([A-Za-z0-9_.~%-]+)="([^"]*)"/g)) {
    out[decodeURIComponent(m[1])] = decodeURIComponent(m[2]);
  }
  return out;
}
// Signs LTI 1.1 form parameters with oauth-sign (HMAC-SHA1).
export function signLaunch11(url, params, key, secret, { timestamp, nonce } = {}) {
  const p = {
    ...params,
    oauth_consumer_key: key,
    oauth_nonce: nonce ?? crypto.randomBytes(12).toString('hex'),
    oauth_timestamp: String(timestamp ?? Math.floor(Date.now() / 1000)),
    oauth_signature_method: 'HMAC-SHA1',
    oauth_version: '1.0',
  };
  p.oauth_signature = oauth.hmacsign('POST', url, p, secret, '');
  return p;
}

export async function startPlatform(opts = {}) {
  const env = process.env;
  const cfg = {
    port: Number(opts.port ?? env.PORT ?? 0),
    toolBase: opts.toolBase ?? env.TOOL_BASE ?? 'http://127.0.0.1:8080',
    clientId: opts.clientId ?? env.CLIENT_ID ?? 'emu-client',
    deploymentId: opts.deploymentId ?? env.DEPLOYMENT_ID ?? 'emu-deployment',
    lti11Key: opts.lti11Key ?? env.LTI11_KEY ?? 'emu-key',
    lti11Secret: opts.lti11Secret ?? env.LTI11_SECRET ?? 'emu-secret-0123',
    membersPerPage: opts.membersPerPage ?? 3,
  };
  cfg.toolLogin = opts.toolLoginUrl ?? env.TOOL_LOGIN_URL ?? `${cfg.toolBase}/lti/login`;
  cfg.toolLaunch = opts.toolLaunchUrl ?? env.TOOL_LAUNCH_URL ?? `${cfg.toolBase}/lti/launch`;
  cfg.toolJwks = opts.toolJwksUrl ?? env.TOOL_JWKS_URL ?? `${cfg.toolBase}/lti/jwks`;
  cfg.toolLti11 = opts.toolLti11Url ?? env.TOOL_LTI11_URL ?? `${cfg.toolBase}/lti/launch`;

  const mkKey = async (kid) => {
    const { publicKey, privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    return { kid, publicKey, privateKey, jwk, spki: await jose.exportSPKI(publicKey) };
  };
  const key = await mkKey('emu-key-1');
  const stranger = await mkKey('emu-unpublished');
  const state = {
    jwksFetches: 0,
    published: [key],
    clients: new Map([[cfg.clientId, { deployments: [cfg.deploymentId] }]]),
    logins: [], tokens: new Map(), jtis: new Set(), tokenRequests: 0,
    lineitems: new Map(), scores: [], lastScoreTs: new Map(),
    outcomes: new Map(), outcomeRequests: [], outcomeNonces: new Set(),
    dlReturns: [], ci11Returns: [], registrations: [], rejections: [],
  };
  const members = [
    { user_id: 'u-learner', name: 'Rūta Petraitienė', roles: ROLES.learner },
    { user_id: 'u-teacher', name: 'Tomas Kazlauskas', roles: ROLES.teacher },
    { user_id: 'u-3', name: 'Ona Jankauskienė', roles: ROLES.learner },
    { user_id: 'u-4', name: 'Jonas Vaitkus', roles: ROLES.learner },
    { user_id: 'u-5', name: 'Asta Jonaitienė', roles: ROLES.hr },
  ].map((m) => ({ ...m, status: 'Active', email: `${m.user_id}@example.lt` }));

  let base = '';
  const reject = (res, status, why, extra = {}) => {
    state.rejections.push(why);
    return json(res, status, { error: why, ...extra });
  };
  async function toolKeySet() {
    const r = await fetch(cfg.toolJwks);
    if (!r.ok) throw new Error(`tool jwks HTTP ${r.status}`);
    return jose.createLocalJWKSet(await r.json());
  }
  function bearer(req, scope) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const t = m && state.tokens.get(m[1]);
    if (!t || t.exp < Date.now()) return null;
    return scope && !t.scopes.includes(scope) ? null : t;
  }

  // Builds the id_token for one authentication request; `variant` breaks it on purpose.
  async function idToken(login, nonce) {
    const now = Math.floor(Date.now() / 1000);
    const ctx = login.ctx ?? 'ctx-1';
    const claims = {
      iss: base, aud: login.clientId, sub: login.user === 'anonymous' ? undefined : `u-${login.user}`,
      nonce, iat: now, exp: now + 300,
      name: login.user === 'teacher' ? 'Tomas Kazlauskas' : 'Rūta Petraitienė',
      [CLAIM + 'message_type']: login.msg,
      [CLAIM + 'version']: '1.3.0',
      [CLAIM + 'deployment_id']: login.deploymentId,
      [CLAIM + 'target_link_uri']: login.targetLinkUri,
      [CLAIM + 'roles']: ROLES[login.user] ?? ROLES.learner,
      [CLAIM + 'context']: { id: ctx, title: 'Skaitmeninės kompetencijos' },
      [CLAIM + 'launch_presentation']: { locale: login.locale ?? 'lt', document_target: 'iframe' },
      [CLAIM + 'tool_platform']: { guid: 'emu', name: 'LTI emulator' },
    };
    if (login.msg === 'LtiDeepLinkingRequest') {
      claims[DL + 'deep_linking_settings'] = {
        deep_link_return_url: `${base}/dl/return`, accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'], accept_multiple: true,
        accept_lineitem: true, data: login.dlData ?? 'dl-data-42',
      };
    } else {
      claims[CLAIM + 'resource_link'] = { id: login.rlid ?? 'rl-1', title: 'DigComp' };
      claims[AGS + 'claim/endpoint'] = {
        scope: [AGS + 'scope/lineitem', AGS + 'scope/score', AGS + 'scope/result.readonly'],
        lineitems: `${base}/ags/${ctx}/lineitems`,
      };
      claims[NRPS + 'claim/namesroleservice'] = {
        context_memberships_url: `${base}/nrps/${ctx}/memberships`, service_versions: ['2.0'],
      };
    }
    const v = login.variant ?? '';
    if (v === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
    if (v === 'future_iat') claims.iat = now + 3600;
    if (v === 'wrong_aud') claims.aud = 'somebody-else';
    if (v === 'aud_array_no_azp') claims.aud = [login.clientId, 'other'];
    if (v === 'aud_array_azp') { claims.aud = [login.clientId, 'other']; claims.azp = login.clientId; }
    if (v === 'wrong_iss') claims.iss = 'https://evil.example';
    if (v === 'unknown_deployment') claims[CLAIM + 'deployment_id'] = 'no-such-deployment';
    if (v === 'bad_nonce') claims.nonce = 'not-the-nonce';
    if (v === 'bad_version') claims[CLAIM + 'version'] = '1.2.0';
    if (v === 'migrate' || v === 'migrate_bad') {
      // LTI 1.1 migration claim: this user is 1.1 user u11-learner of our consumer
      const secret = v === 'migrate' ? cfg.lti11Secret : 'not-the-secret';
      const msg = [cfg.lti11Key, claims[CLAIM + 'deployment_id'], claims.iss, claims.aud, claims.exp, nonce].join('&');
      claims[CLAIM + 'lti1p1'] = { user_id: 'u11-learner', oauth_consumer_key: cfg.lti11Key,
        oauth_consumer_key_sign: crypto.createHmac('sha256', secret).update(msg).digest('base64') };
    }
    if (v === 'alg_none') {
      const h = b64url(JSON.stringify({ alg: 'none', typ: 'JWT', kid: key.kid }));
      return `${h}.${b64url(JSON.stringify(claims))}.`;
    }
    if (v === 'hs256_public') {
      return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .sign(new TextEncoder().encode(key.spki));
    }
    let signer = key;
    if (v === 'unknown_kid') signer = stranger;
    if (v === 'rotated_kid') {
      if (!state.published.includes(stranger)) state.published.push(stranger);
      signer = stranger;
    }
    let jwt = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signer.kid }).sign(signer.privateKey);
    if (v === 'tampered') {
      const [h, p, s] = jwt.split('.');
      const body = JSON.parse(Buffer.from(p, 'base64url'));
      body.sub = 'u-admin';
      jwt = `${h}.${b64url(JSON.stringify(body))}.${s}`;
    }
    return jwt;
  }

  const routes = {
    'GET /jwks': (req, res) => {
      state.jwksFetches++;
      json(res, 200, { keys: state.published.map((k) => k.jwk) });
    },
    'GET /.well-known/openid-configuration': (req, res) => json(res, 200, {
      issuer: base,
      authorization_endpoint: `${base}/auth`,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      registration_endpoint: `${base}/register`,
      scopes_supported: ['openid', AGS + 'scope/score', AGS + 'scope/lineitem',
        NRPS + 'scope/contextmembership.readonly'],
      response_types_supported: ['id_token'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      'https://purl.imsglobal.org/spec/lti-platform-configuration': {
        product_family_code: 'emulator', version: '1.0',
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }],
      },
    }),
    'POST /register': async (req, res, url, body) => {
      if (req.headers.authorization !== `Bearer ${REGISTRATION_TOKEN}`) {
        return reject(res, 401, 'registration token');
      }
      let r;
      try { r = JSON.parse(body.toString()); } catch { return reject(res, 400, 'registration json'); }
      const tc = r['https://purl.imsglobal.org/spec/lti-tool-configuration'];
      const problems = [];
      if (r.application_type !== 'web') problems.push('application_type');
      if (!r.response_types?.includes('id_token')) problems.push('response_types');
      if (!r.grant_types?.includes('client_credentials')) problems.push('grant_types');
      if (r.token_endpoint_auth_method !== 'private_key_jwt') problems.push('auth method');
      if (!r.initiate_login_uri || !r.jwks_uri || !r.redirect_uris?.length) problems.push('uris');
      if (!tc?.domain || !tc?.target_link_uri) problems.push('tool configuration');
      if (problems.length) return reject(res, 400, 'registration: ' + problems.join(', '));
      const clientId = `dr-client-${state.registrations.length + 1}`;
      const deploymentId = `dr-deployment-${state.registrations.length + 1}`;
      state.clients.set(clientId, { deployments: [deploymentId] });
      state.registrations.push({ clientId, deploymentId, request: r });
      json(res, 200, { ...r, client_id: clientId,
        'https://purl.imsglobal.org/spec/lti-tool-configuration': { ...tc, deployment_id: deploymentId } });
    },
    // Third-party initiated login: redirect the browser to the tool's login URL.
    'GET /start13': (req, res, url) => {
      const q = url.searchParams;
      const clientId = q.get('client_id') ?? cfg.clientId;
      const login = {
        user: q.get('user') ?? 'learner', msg: q.get('msg') ?? 'LtiResourceLinkRequest',
        variant: q.get('variant') ?? '', clientId, locale: q.get('locale') ?? 'lt',
        deploymentId: q.get('deployment_id') ?? state.clients.get(clientId)?.deployments[0]
          ?? cfg.deploymentId,
        targetLinkUri: q.get('target_link_uri') ?? cfg.toolLaunch, ctx: q.get('ctx') ?? 'ctx-1',
      };
      const hint = crypto.randomBytes(8).toString('hex');
      state.logins.push({ hint, ...login });
      const p = new URLSearchParams({
        iss: base, login_hint: `hint-${hint}`, target_link_uri: login.targetLinkUri,
        lti_message_hint: hint, client_id: clientId, lti_deployment_id: login.deploymentId,
      });
      if (q.get('storage')) p.set('lti_storage_target', q.get('storage'));
      const method = q.get('method') ?? 'GET';
      if (method === 'POST') return html(res, 200, autoPostForm(cfg.toolLogin, Object.fromEntries(p)));
      res.writeHead(302, { Location: `${cfg.toolLogin}?${p}` });
      res.end();
    },
    // OIDC authentication request from the tool.
    'GET /auth': async (req, res, url) => {
      const q = url.searchParams;
      const problems = [];
      if (q.get('scope') !== 'openid') problems.push('scope');
      if (q.get('response_type') !== 'id_token') problems.push('response_type');
      if (q.get('response_mode') !== 'form_post') problems.push('response_mode');
      if (q.get('prompt') !== 'none') problems.push('prompt');
      if (!state.clients.has(q.get('client_id'))) problems.push('client_id');
      if (q.get('redirect_uri') !== cfg.toolLaunch) problems.push('redirect_uri');
      if (!q.get('state') || !q.get('nonce')) problems.push('state/nonce');
      const login = state.logins.find((l) => l.hint === q.get('lti_message_hint'));
      if (!login || q.get('login_hint') !== `hint-${login.hint}`) problems.push('login_hint');
      if (login && login.clientId !== q.get('client_id')) problems.push('client_id mismatch');
      if (problems.length) return reject(res, 400, 'auth: ' + problems.join(', '));
      const token = await idToken(login, q.get('nonce'));
      const fields = { id_token: token, state: q.get('state') };
      if (q.get('format') === 'json') return json(res, 200, { action: q.get('redirect_uri'), fields });
      html(res, 200, autoPostForm(q.get('redirect_uri'), fields));
    },
    'POST /token': async (req, res, url, body) => {
      state.tokenRequests++;
      const p = new URLSearchParams(body.toString());
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
        return reject(res, 400, 'token content-type');
      }
      if (p.get('grant_type') !== 'client_credentials' || p.get('client_assertion_type') !==
          'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return reject(res, 400, 'token grant', { error: 'unsupported_grant_type' });
      }
      let claims;
      try {
        ({ payload: claims } = await jose.jwtVerify(p.get('client_assertion'), await toolKeySet(),
          { algorithms: ['RS256'], audience: `${base}/token` }));
      } catch (e) {
        return reject(res, 401, 'client assertion: ' + e.message, { error: 'invalid_client' });
      }
      if (claims.iss !== claims.sub || !state.clients.has(claims.iss) || !claims.jti) {
        return reject(res, 401, 'client assertion claims', { error: 'invalid_client' });
      }
      if (state.jtis.has(claims.jti)) return reject(res, 401, 'jti replay', { error: 'invalid_client' });
      state.jtis.add(claims.jti);
      const scopes = (p.get('scope') ?? '').split(' ').filter(Boolean);
      const access = crypto.randomBytes(16).toString('hex');
      state.tokens.set(access, { scopes, clientId: claims.iss, exp: Date.now() + 3600e3 });
      json(res, 200, { access_token: access, token_type: 'Bearer', expires_in: 3600, scope: scopes.join(' ') });
    },
    'GET /dl/return': (req, res) => reject(res, 405, 'dl return must be POST'),
    'POST /dl/return': async (req, res, url, body) => {
      const jwt = new URLSearchParams(body.toString()).get('JWT');
      try {
        const { payload, protectedHeader } = await jose.jwtVerify(jwt, await toolKeySet(),
          { algorithms: ['RS256'], audience: base });
        const ok = payload[CLAIM + 'message_type'] === 'LtiDeepLinkingResponse' &&
          payload[CLAIM + 'version'] === '1.3.0' && state.clients.has(payload.iss) &&
          payload[CLAIM + 'deployment_id'] && Array.isArray(payload[DL + 'content_items']);
        if (!ok) return reject(res, 400, 'dl response claims');
        state.dlReturns.push({ payload, kid: protectedHeader.kid, data: payload[DL + 'data'] });
        html(res, 200, '<p>deep link received</p>');
      } catch (e) {
        return reject(res, 400, 'dl jwt: ' + e.message);
      }
    },
    // LTI 1.1 launch, signed with oauth-sign.
    'GET /start11': (req, res, url) => {
      const q = url.searchParams;
      const user = q.get('user') ?? 'learner';
      const variant = q.get('variant') ?? '';
      const msg = q.get('msg') ?? 'basic-lti-launch-request';
      const sourcedid = `sid-${user}-${crypto.randomBytes(4).toString('hex')}`;
      const params = {
        lti_message_type: msg, lti_version: 'LTI-1p0', resource_link_id: 'rl-11',
        user_id: `u11-${user}`, roles: user === 'teacher' ? 'Instructor,urn:lti:role:ims/lis/Mentor' : 'Learner',
        lis_person_name_full: 'Rūta Petraitienė', context_id: 'ctx-11',
        launch_presentation_locale: q.get('locale') ?? 'lt',
        launch_presentation_return_url: `${base}/return11`,
        lis_outcome_service_url: `${base}/outcomes11?tenant=a`,
        lis_result_sourcedid: sourcedid, tool_consumer_instance_guid: 'emu.example',
        custom_q: 'a b', custom_q1: 'ä+&=', 'custom_q-2': 'x', ext_note: 'dla~test*',
      };
      if (msg === 'ContentItemSelectionRequest') {
        delete params.resource_link_id;
        Object.assign(params, { content_item_return_url: `${base}/ci11/return?x=1`,
          accept_media_types: 'application/vnd.ims.lti.v1.ltilink',
          accept_presentation_document_targets: 'iframe,window', data: 'ci-data-7' });
      }
      const ts = variant === 'stale' ? Math.floor(Date.now() / 1000) - 3600 : undefined;
      const secret = variant === 'wrong_secret' ? 'not-the-secret' : cfg.lti11Secret;
      const key = variant === 'unknown_key' ? 'nobody' : cfg.lti11Key;
      const signed = signLaunch11(cfg.toolLti11, params, key, secret, { timestamp: ts });
      if (variant === 'tampered') signed.roles = 'Administrator';
      state.outcomes.set(sourcedid, null);
      if (q.get('format') === 'json') return json(res, 200, { action: cfg.toolLti11, fields: signed, sourcedid });
      html(res, 200, autoPostForm(cfg.toolLti11, signed));
    },
    'POST /outcomes11': async (req, res, url, body) => {
      const reply = (major, desc, ref, extra = '', op = 'replaceResultResponse') => {
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">` +
          `<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>${crypto.randomUUID()}</imsx_messageIdentifier>` +
          `<imsx_statusInfo><imsx_codeMajor>${major}</imsx_codeMajor><imsx_severity>status</imsx_severity><imsx_description>${esc(desc)}</imsx_description>` +
          `<imsx_messageRefIdentifier>${esc(ref ?? '')}</imsx_messageRefIdentifier></imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader>` +
          `<imsx_POXBody><${op}>${extra}</${op}></imsx_POXBody></imsx_POXEnvelopeResponse>`);
      };
      const o = parseOAuthHeader(req.headers.authorization);
      if (!o) return reject(res, 401, 'outcomes: no OAuth header');
      if (!/^application\/xml/.test(req.headers['content-type'] ?? '')) return reject(res, 415, 'outcomes content-type');
      const hash = crypto.createHash('sha1').update(body).digest('base64');
      if (o.oauth_body_hash !== hash) return reject(res, 401, 'outcomes: body hash');
      const ts = Number(o.oauth_timestamp);
      if (!(Math.abs(Date.now() / 1000 - ts) <= 300)) return reject(res, 401, 'outcomes: timestamp');
      if (state.outcomeNonces.has(o.oauth_nonce)) return reject(res, 401, 'outcomes: nonce replay');
      if (o.oauth_consumer_key !== cfg.lti11Key) return reject(res, 401, 'outcomes: key');
      const params = { ...formParams(url.search.slice(1)) };
      for (const [k, v] of Object.entries(o)) if (k !== 'oauth_signature' && k !== 'realm') params[k] = v;
      const expect = oauth.hmacsign('POST', `${base}/outcomes11`, params, cfg.lti11Secret, '');
      if (expect !== o.oauth_signature) return reject(res, 401, 'outcomes: signature');
      state.outcomeNonces.add(o.oauth_nonce);
      const xml = body.toString('utf8');
      if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return reject(res, 400, 'outcomes: dtd');
      const ref = /<imsx_messageIdentifier>([^<]*)</.exec(xml)?.[1];
      const sid = /<sourcedId>([^<]*)</.exec(xml)?.[1];
      const op = /<imsx_POXBody>\s*<(\w+)/.exec(xml)?.[1];
      state.outcomeRequests.push({ op, sid, xml });
      if (!state.outcomes.has(sid)) return reply('failure', 'unknown sourcedid', ref);
      if (op === 'replaceResultRequest') {
        const v = Number(/<textString>([^<]*)</.exec(xml)?.[1]);
        const lang = /<language>([^<]*)</.exec(xml)?.[1];
        if (!(v >= 0 && v <= 1) || !lang) return reply('failure', 'bad score', ref);
        state.outcomes.set(sid, v);
        return reply('success', 'score replaced', ref);
      }
      if (op === 'readResultRequest') {
        const v = state.outcomes.get(sid);
        return reply('success', 'read', ref, `<result><resultScore><language>en</language><textString>${v ?? ''}</textString></resultScore></result>`, 'readResultResponse');
      }
      if (op === 'deleteResultRequest') {
        state.outcomes.set(sid, null);
        return reply('success', 'deleted', ref, '', 'deleteResultResponse');
      }
      return reply('unsupported', 'unsupported operation', ref);
    },
    'POST /ci11/return': async (req, res, url, body) => {
      const params = { ...formParams(url.search.slice(1)), ...formParams(body.toString()) };
      const sig = params.oauth_signature;
      delete params.oauth_signature;
      const expect = oauth.hmacsign('POST', `${base}/ci11/return`, params, cfg.lti11Secret, '');
      if (sig !== expect) return reject(res, 401, 'ci11: signature');
      if (params.lti_message_type !== 'ContentItemSelection') return reject(res, 400, 'ci11: type');
      let items;
      try { items = JSON.parse(params.content_items); } catch { return reject(res, 400, 'ci11: json'); }
      state.ci11Returns.push({ items, data: params.data });
      html(res, 200, '<p>content items received</p>');
    },
  };

  async function agsRoute(req, res, url, body) {
    const m = /^\/ags\/([^/]+)\/lineitems(?:\/([^/]+)(?:\/(scores|results))?)?$/.exec(url.pathname);
    if (!m) return false;
    const [, ctx, id, sub] = m;
    const items = state.lineitems.get(ctx) ?? [];
    state.lineitems.set(ctx, items);
    const itemUrl = (n) => `${base}/ags/${ctx}/lineitems/${n}`;
    if (!id && req.method === 'GET') {
      if (!bearer(req, AGS + 'scope/lineitem') && !bearer(req, AGS + 'scope/lineitem.readonly')) return reject(res, 401, 'ags: token');
      return json(res, 200, items, { 'Content-Type': 'application/vnd.ims.lis.v2.lineitemcontainer+json' });
    }
    if (!id && req.method === 'POST') {
      if (!bearer(req, AGS + 'scope/lineitem')) return reject(res, 401, 'ags: token lineitem');
      if (req.headers['content-type'] !== 'application/vnd.ims.lis.v2.lineitem+json') return reject(res, 415, 'ags: lineitem content-type');
      const li = JSON.parse(body);
      if (!(li.scoreMaximum > 0) || !li.label) return reject(res, 400, 'ags: lineitem fields');
      const item = { ...li, id: itemUrl(items.length + 1) };
      items.push(item);
      return json(res, 201, item, { 'Content-Type': 'application/vnd.ims.lis.v2.lineitem+json' });
    }
    const item = items.find((i) => i.id === itemUrl(id));
    if (!item) return reject(res, 404, 'ags: no such line item');
    if (sub === 'scores' && req.method === 'POST') {
      if (!bearer(req, AGS + 'scope/score')) return reject(res, 401, 'ags: token score');
      if (req.headers['content-type'] !== 'application/vnd.ims.lis.v1.score+json') return reject(res, 415, 'ags: score content-type');
      let s;
      try { s = JSON.parse(body); } catch { return reject(res, 400, 'ags: score json'); }
      const problems = [];
      if (!s.userId) problems.push('userId');
      if (!SCORE_ACTIVITY.includes(s.activityProgress)) problems.push('activityProgress');
      if (!SCORE_GRADING.includes(s.gradingProgress)) problems.push('gradingProgress');
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d)$/.test(s.timestamp ?? '')) problems.push('timestamp');
      if (s.scoreGiven !== undefined && !(s.scoreMaximum > 0 && s.scoreGiven >= 0)) problems.push('score');
      if (problems.length) return reject(res, 400, 'ags: score ' + problems.join(', '));
      const k = `${item.id}|${s.userId}`;
      const t = Date.parse(s.timestamp);
      if (state.lastScoreTs.has(k) && t <= state.lastScoreTs.get(k)) return reject(res, 409, 'ags: timestamp not increasing');
      state.lastScoreTs.set(k, t);
      state.scores.push({ lineitem: item.id, ...s });
      res.writeHead(204);
      return res.end();
    }
    if (sub === 'results' && req.method === 'GET') {
      if (!bearer(req, AGS + 'scope/result.readonly')) return reject(res, 401, 'ags: token results');
      const rs = state.scores.filter((x) => x.lineitem === item.id)
        .map((x) => ({ userId: x.userId, resultScore: x.scoreGiven, resultMaximum: x.scoreMaximum }));
      return json(res, 200, rs, { 'Content-Type': 'application/vnd.ims.lis.v2.resultcontainer+json' });
    }
    if (!sub && req.method === 'GET') return json(res, 200, item);
    return reject(res, 405, 'ags: method');
  }

  function nrpsRoute(req, res, url) {
    const m = /^\/nrps\/([^/]+)\/memberships$/.exec(url.pathname);
    if (!m || req.method !== 'GET') return false;
    if (!bearer(req, NRPS + 'scope/contextmembership.readonly')) return reject(res, 401, 'nrps: token');
    if (req.headers.accept !== 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json') return reject(res, 406, 'nrps: accept');
    const limit = Number(url.searchParams.get('limit') ?? cfg.membersPerPage);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const page = members.slice(offset, offset + limit);
    const headers = { 'Content-Type': 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' };
    if (offset + limit < members.length) {
      headers.Link = `<${base}/nrps/${m[1]}/memberships?limit=${limit}&offset=${offset + limit}>; rel="next"`;
    }
    state.nrpsPages = (state.nrpsPages ?? 0) + 1;
    json(res, 200, { id: url.href, context: { id: m[1], title: 'Skaitmeninės kompetencijos' }, members: page }, headers);
    return true;
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, base);
      const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : Buffer.alloc(0);
      if (url.pathname === '/_state') {
        return json(res, 200, {
          jwksFetches: state.jwksFetches, tokenRequests: state.tokenRequests, scores: state.scores,
          lineitems: Object.fromEntries(state.lineitems), outcomes: Object.fromEntries(state.outcomes),
          outcomeRequests: state.outcomeRequests.map(({ op, sid }) => ({ op, sid })),
          dlReturns: state.dlReturns, ci11Returns: state.ci11Returns, nrpsPages: state.nrpsPages ?? 0,
          registrations: state.registrations.map(({ clientId, deploymentId }) => ({ clientId, deploymentId })),
          rejections: state.rejections,
        });
      }
      const h = routes[`${req.method} ${url.pathname}`];
      if (h) return await h(req, res, url, body);
      if (url.pathname.startsWith('/ags/')) {
        if ((await agsRoute(req, res, url, body)) !== false) return;
      }
      if (url.pathname.startsWith('/nrps/') && nrpsRoute(req, res, url) !== false) return;
      json(res, 404, { error: 'not found' });
    } catch (e) {
      json(res, 500, { error: String(e && e.stack || e) });
    }
  });
  await new Promise((resolve) => server.listen(cfg.port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: base, issuer: base, cfg, state, key, stranger,
    addClient(clientId, deployments) { state.clients.set(clientId, { deployments }); },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const p = await startPlatform();
  console.log(JSON.stringify({ url: p.url, client_id: p.cfg.clientId, deployment_id: p.cfg.deploymentId,
    lti11_key: p.cfg.lti11Key }));
}
