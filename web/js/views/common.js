/* common.js - pieces shared by the views. */

import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as model from '../model.js';
import * as store from '../store.js';

export const ROLE_KEYS = ['learner', 'supervisor', 'hr', 'admin'];

export function roleName(r) {
  const k = String(r).toLowerCase();
  return ROLE_KEYS.includes(k) ? t(`role.${k}`) : r;
}

/* The learner's diagnostics without starting one: {active, finished} (the unfinished
 * one with its progress, and the newest finished one; either may be null). Uses
 * GET /diagnostics when the API has it, else the id remembered in this tab. */
export async function diagnostics() {
  const list = await model.listDiagnostics();
  if (list) {
    const active = list.find((d) => d.state === 'active') || null;
    const finished = list.find((d) => d.state === 'finished') || null;
    if (active || finished) store.set('diag', (active || finished).id);
    /* the list has no progress: read the state of an unfinished one */
    return { active: active && await model.diagnostic(active.id), finished };
  }
  const id = store.get('diag');
  if (!id) return { active: null, finished: null };
  try {
    const d = await model.diagnostic(id);
    return d.state === 'finished' ? { active: null, finished: d } : { active: d, finished: null };
  } catch (e) {
    if (e.status === 404 || e.status === 403) {
      store.del('diag');
      return { active: null, finished: null };
    }
    throw e;
  }
}

/* The diagnostic to continue, else the newest finished one, else null. */
export async function currentDiagnostic() {
  const d = await diagnostics();
  return d.active || d.finished;
}

export function pageHeader(ctx, titleKey, vars, lead) {
  const title = t(titleKey, vars);
  ctx.setTitle(title);
  return [h('h1', {}, title), lead ? h('p', { class: 'lead' }, lead) : null];
}

export function buttonLink(href, text, primary = true) {
  return h('a', { href, class: primary ? 'btn' : 'btn btn-secondary' }, text);
}
