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

/* The learner's current diagnostic: {id, state} or null, without starting one.
 * Uses GET /diagnostics when the API has it, else the id remembered in this tab. */
export async function currentDiagnostic(ctx) {
  const list = await model.listDiagnostics();
  if (list) {
    const active = list.find((d) => d.state === 'active');
    const pick = active || list.find((d) => d.state === 'finished') || null;
    if (!pick) return null;
    store.set('diag', pick.id);
    /* the list has no progress: read the state of an unfinished one */
    return active ? model.diagnostic(active.id) : pick;
  }
  const id = store.get('diag');
  if (!id) return null;
  try {
    return await model.diagnostic(id);
  } catch (e) {
    if (e.status === 404 || e.status === 403) {
      store.del('diag');
      return null;
    }
    throw e;
  }
}

export function pageHeader(ctx, titleKey, vars, lead) {
  const title = t(titleKey, vars);
  ctx.setTitle(title);
  return [h('h1', {}, title), lead ? h('p', { class: 'lead' }, lead) : null];
}

export function buttonLink(href, text, primary = true) {
  return h('a', { href, class: primary ? 'btn' : 'btn btn-secondary' }, text);
}
