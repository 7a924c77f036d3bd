/* api.js - the /api/v1 JSON API with the session token as a Bearer credential.
 * The token arrives once in the URL fragment (#token=...&lang=..) after an LTI
 * launch; it is kept in per-tab storage (no cookies: dla runs in LMS iframes) and
 * removed from the address bar at once. */

import * as store from './store.js';

const BASE = new URL('../api/v1/', document.baseURI).pathname;
const TIMEOUT_MS = 15000;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status; /* 0 when the server could not be reached */
    this.code = code;
  }

  get network() {
    return this.status === 0 || this.status === 502 || this.status === 503 ||
      this.status === 504;
  }
}

/* Reads #token=..&lang=.. once; returns {lang} from the launch (or null). */
export function takeLaunchFragment() {
  const hash = window.location.hash.replace(/^#/, '');
  if (!/(^|&)token=/.test(hash)) return null;
  const p = new URLSearchParams(hash);
  const token = p.get('token');
  const lang = p.get('lang');
  if (token) {
    /* a new launch may be another person or context: forget the previous one's
     * diagnostic. Answers still queued stay: they name their diagnostic, so the server
     * takes them only from its owner (an expired session relaunched loses nothing) */
    for (const k of ['diag', 'me']) store.del(k);
    store.set('token', token);
  }
  if (lang) {
    store.del('lang'); /* the new launch's locale wins over an earlier choice */
    store.set('launchLang', lang);
  }
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/`);
  return { lang };
}

export function hasToken() {
  return Boolean(store.get('token'));
}

export async function request(method, path, body) {
  const token = store.get('token');
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      signal: ctl.signal,
    });
  } catch (e) {
    throw new ApiError(0, 'network', e && e.message);
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || `http_${res.status}`, err.message || '');
  }
  return data;
}

export const get = (p) => request('GET', p);
export const post = (p, b) => request('POST', p, b ?? {});
export const put = (p, b) => request('PUT', p, b);
