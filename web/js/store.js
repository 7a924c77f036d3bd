/* store.js - per-tab storage. sessionStorage works inside LMS iframes where
 * third-party cookies are blocked (it is partitioned, not blocked); when even that
 * is refused (some privacy modes throw on access) we fall back to memory, so the
 * app still works until the tab is reloaded. */

const memory = new Map();
let backend = null;
try {
  const k = '__dla_probe__';
  window.sessionStorage.setItem(k, '1');
  window.sessionStorage.removeItem(k);
  backend = window.sessionStorage;
} catch {
  backend = null;
}

export function get(key) {
  const raw = backend ? backend.getItem(`dla.${key}`) : memory.get(key);
  if (raw === null || raw === undefined) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

export function set(key, value) {
  const raw = JSON.stringify(value);
  if (backend) {
    try {
      backend.setItem(`dla.${key}`, raw);
      return;
    } catch {
      /* quota: keep it in memory at least */
    }
  }
  memory.set(key, raw);
}

export function del(key) {
  if (backend) backend.removeItem(`dla.${key}`);
  memory.delete(key);
}
