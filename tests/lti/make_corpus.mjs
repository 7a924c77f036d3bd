// make_corpus.mjs - writes the seed corpora of the LTI fuzz targets
// (tests/fuzz/corpus/lti_{form,oauth_header,jwt,pox}/) from real messages made
// with the emulator's helpers, oauth-sign and jose. Run from the repo root.
import fs from 'node:fs';
import crypto from 'node:crypto';
import * as jose from 'jose';
import { signLaunch11 } from './platform.mjs';
import oauth from 'oauth-sign';

const dir = (n) => { const d = `tests/fuzz/corpus/${n}`; fs.mkdirSync(d, { recursive: true }); return d; };
const put = (n, i, data) => fs.writeFileSync(`${dir(n)}/seed-${String(i).padStart(2, '0')}`, data);

const url = 'https://dla.example.lt/lti/launch';
const forms = [];
const base = { lti_message_type: 'basic-lti-launch-request', lti_version: 'LTI-1p0', resource_link_id: 'rl' };
forms.push(signLaunch11(url, { ...base, user_id: 'u', roles: 'Learner' }, 'k', 'secret'));
forms.push(signLaunch11(url, { ...base, custom_q: '1', custom_q1: '2', 'custom_q-2': '3' }, 'k', 'secret'));
forms.push(signLaunch11(url, { ...base, roles: 'Instructor,urn:lti:instrole:ims/lis/Administrator', lis_person_name_full: 'Ūla Ąžuolaitė' }, 'k', 'secret'));
forms.push(signLaunch11(url, { lti_message_type: 'ContentItemSelectionRequest', lti_version: 'LTI-1p0', content_item_return_url: 'https://lms/x?y=1', data: '{"a":1}' }, 'k', 'secret'));
forms.push(signLaunch11(url, { ...base, multi: ['b', 'a', 'a'], empty: '' }, 'k', 'other'));
let i = 0;
for (const f of forms) {
  const b = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) for (const x of [].concat(v)) b.append(k, x);
  put('lti_form', i++, b.toString());
}
for (const s of ['a=b', 'a', '=', '&&&', 'a=%41%zz', 'a+b=c+d&a=1', 'x=%00', 'oauth_signature=a&oauth_signature=b',
  'oauth_signature_method=HMAC-SHA1&oauth_signature=abc%3D', 'roles=urn%3Alti%3Asysrole%3Aims%2Flis%2FSysAdmin']) {
  put('lti_form', i++, s);
}
i = 0;
for (const f of forms.slice(0, 3)) {
  const hdr = 'OAuth realm="", ' + Object.entries(f).filter(([k]) => k.startsWith('oauth_'))
    .map(([k, v]) => `${k}="${oauth.rfc3986(v)}"`).join(', ');
  put('lti_oauth_header', i++, hdr);
}
for (const s of ['OAuth ', 'OAuth realm=""', 'oauth a="b"', 'OAuth a="b",b="c" , c="%20"', 'OAuth a="', 'OAuth a=b',
  'Basic xyz', 'OAuth oauth_body_hash="2jmj7l5rSw0yVb%2FvlWAYkK%2FYBwk%3D"', 'OAuth a="%zz"', 'OAuth a="b" c="d"']) {
  put('lti_oauth_header', i++, s);
}
// JWTs
const { privateKey } = await jose.generateKeyPair('RS256');
const now = 1700000000;
const claims = { iss: 'https://lms.example', aud: 'client', sub: 'u', iat: now, exp: now + 300, nonce: 'n',
  'https://purl.imsglobal.org/spec/lti/claim/roles': ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] };
i = 0;
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
for (const [c, kid] of [[claims, 'fz'], [{ ...claims, aud: ['client', 'x'], azp: 'client' }, 'k2'], [{ ...claims, exp: 1 }, undefined]]) {
  const h = { alg: 'RS256' };
  if (kid) h.kid = kid;
  put('lti_jwt', i++, await new jose.SignJWT(c).setProtectedHeader(h).sign(privateKey));
}
put('lti_jwt', i++, `${b64({ alg: 'none' })}.${b64(claims)}.`);
put('lti_jwt', i++, await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'fz' }).sign(new TextEncoder().encode('k')));
put('lti_jwt', i++, `${b64({ alg: 'RS256', kid: 'fz' })}.${b64({ keys: [{ kty: 'RSA', kid: 'fz', n: 'AQAB', e: 'AQAB' }] })}.AAAA`);
for (const s of ['', '.', '..', 'a.b.c', 'a.b.c.d', '@@.@@.@@', 'e30.e30.', 'eyJhbGciOiJSUzI1NiJ9.W10.x']) put('lti_jwt', i++, s);
// POX
const ns = 'http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0';
const resp = (major, op, inner = '') => `<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeResponse xmlns="${ns}"><imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>1</imsx_messageIdentifier><imsx_statusInfo><imsx_codeMajor>${major}</imsx_codeMajor><imsx_severity>status</imsx_severity><imsx_description>d</imsx_description><imsx_operationRefIdentifier>${op}</imsx_operationRefIdentifier></imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader><imsx_POXBody><${op}>${inner}</${op}></imsx_POXBody></imsx_POXEnvelopeResponse>`;
const req = (op, inner) => `<?xml version="1.0" encoding="UTF-8"?><imsx_POXEnvelopeRequest xmlns="${ns}"><imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version><imsx_messageIdentifier>m</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader><imsx_POXBody><${op}><resultRecord><sourcedGUID><sourcedId>s1</sourcedId></sourcedGUID>${inner}</resultRecord></${op}></imsx_POXBody></imsx_POXEnvelopeRequest>`;
i = 0;
for (const x of [resp('success', 'replaceResultResponse'), resp('failure', 'readResultResponse'),
  resp('success', 'readResultResponse', '<result><resultScore><language>en</language><textString>0.91</textString></resultScore></result>'),
  resp('unsupported', 'fooResponse'), resp('success', 'readResultResponse', '<result><resultScore><textString>1e400</textString></resultScore></result>'),
  req('replaceResultRequest', '<result><resultScore><language>lt</language><textString>0.5</textString></resultScore></result>'),
  req('readResultRequest', ''), req('deleteResultRequest', ''),
  '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><imsx_POXEnvelopeResponse>&b;</imsx_POXEnvelopeResponse>',
  '<imsx_POXEnvelopeResponse><imsx_codeMajor>success</imsx_codeMajor></imsx_POXEnvelopeResponse>',
  '<a><b>', '<imsx_POXEnvelopeResponse xmlns:x="y"><x:imsx_codeMajor>success</x:imsx_codeMajor></imsx_POXEnvelopeResponse>',
  '<?xml version="1.0" encoding="ISO-8859-13"?><imsx_POXEnvelopeResponse><imsx_codeMajor>\xe0</imsx_codeMajor></imsx_POXEnvelopeResponse>']) {
  put('lti_pox', i++, x);
}
const { publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
console.log(JSON.stringify(await jose.exportJWK(publicKey)));
