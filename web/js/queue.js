/* queue.js - answers waiting to reach the server. An answer is written to per-tab
 * storage before it is sent and removed only when the server has it, so neither a
 * network failure nor a reload loses it. Failed sends are retried with exponential
 * backoff (2 s doubling to 30 s, with jitter), at once when the browser comes back
 * online, or when the learner asks. Answers are idempotent per item on the server,
 * so sending one twice is harmless. */

import * as model from './model.js';
import * as store from './store.js';

const listeners = new Set();
let timer = null;
let attempt = 0;
let flushing = null;

export function pending() {
  return store.get('pending') || [];
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(ev) {
  for (const fn of listeners) fn(ev);
}

/* entry: {diag, item (the item object as shown), option, at} */
export function add(entry) {
  const q = pending().filter((x) => !(x.diag === entry.diag && x.item.id === entry.item.id));
  q.push(entry);
  store.set('pending', q);
}

export function delay(n) {
  const base = Math.min(30000, 2000 * 2 ** Math.max(0, n - 1));
  return Math.round(base * (0.85 + Math.random() * 0.3));
}

function schedule(err) {
  attempt += 1;
  const ms = delay(attempt);
  clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    flush().catch(() => {});
  }, ms);
  emit({ type: 'waiting', retryIn: ms, attempt, error: err });
}

/* Sends every pending answer in order. Resolves with the diagnostic state after the
 * last one (or null when nothing was pending); rejects on a network failure (a retry
 * is then scheduled) or when the session has ended. */
export function flush() {
  if (flushing) return flushing;
  flushing = (async () => {
    let last = null;
    let sent = 0;
    try {
      for (;;) {
        const q = pending();
        if (!q.length) break;
        const e = q[0];
        emit({ type: 'sending', attempt });
        try {
          last = await model.answer(e.diag, e.item.id, e.option);
          sent += 1;
        } catch (err) {
          if (err.network) {
            schedule(err);
            throw err;
          }
          if (err.status === 401) throw err;
          /* refused (e.g. that item is no longer the current one): the server's
           * state is the truth; the view re-reads it */
          emit({ type: 'refused', entry: e, error: err });
          last = null;
        }
        store.set('pending', pending().slice(1));
      }
      clearTimeout(timer);
      timer = null;
      if (sent && attempt) emit({ type: 'recovered', sent });
      attempt = 0;
      return last;
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

export function retryNow() {
  clearTimeout(timer);
  timer = null;
  return flush();
}

export function waiting() {
  return timer !== null || attempt > 0;
}

window.addEventListener('online', () => {
  if (pending().length) retryNow().catch(() => {});
});
