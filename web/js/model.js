/* model.js - the API calls the views need, with the answers normalised to one shape
 * (so a field renamed in docs/api.md changes this file only). */

import * as api from './api.js';
import * as store from './store.js';

export const FRAMEWORK = 'digcomp-2.1';

const arr = (x) => (Array.isArray(x) ? x : []);
const num = (x, d = 0) => (Number.isFinite(Number(x)) ? Number(x) : d);

export async function me() {
  const m = await api.get('me');
  const user = m.user || {};
  const tenant = m.tenant || {};
  return {
    userId: user.id || m.user_id || '',
    name: user.name || m.name || '',
    email: user.email || '',
    tenantId: tenant.id || m.tenant_id || '',
    tenantName: tenant.name || m.tenant_name || tenant.id || '',
    roles: arr(m.roles).length ? arr(m.roles) : ['learner'],
    locale: m.locale || user.locale || '',
    profileComplete: Boolean(m.profile && m.profile.complete),
    activeDiagnostic: (m.diagnostic && m.diagnostic.active) || null,
    lastFinished: (m.diagnostic && m.diagnostic.last_finished) || null,
  };
}

export async function roles() {
  const r = await api.get('roles');
  return arr(r.roles || r).map((p) => ({
    id: p.id,
    title: p.title || p.name || p.id,
    description: p.description || null,
    /* target level per competence id for this role */
    targets: p.targets && typeof p.targets === 'object' ? p.targets : {},
  }));
}

export function normProfile(p) {
  p = p || {};
  const role = p.role || {};
  return {
    roleId: p.role_id ?? role.id ?? null,
    roleText: p.role_text ?? role.text ?? '',
    objectives: arr(p.objectives).map((o) => ({
      competence: o.competence || o.id,
      why: o.reason || o.why || '',
    })),
    updated: p.updated || null,
  };
}

export async function profile() {
  try {
    return normProfile(await api.get('profile'));
  } catch (e) {
    if (e.status === 404) return normProfile(null);
    throw e;
  }
}

export async function saveProfile(p) {
  const body = {
    role_id: p.roleId || null,
    role_text: p.roleId ? null : p.roleText || null,
    objectives: p.objectives.map((o) => ({ competence: o.competence, reason: o.why })),
  };
  return normProfile(await api.put('profile', body));
}

let fwCache = null;
export async function framework() {
  if (!fwCache) fwCache = await api.get(`frameworks/${encodeURIComponent(FRAMEWORK)}`);
  const fw = fwCache;
  const areas = arr(fw.areas).map((a) => ({
    id: a.id,
    title: a.title,
    descriptor: a.descriptor,
    competences: arr(a.competences).map((c) => ({
      id: c.id, title: c.title, descriptor: c.descriptor, area: a.id,
    })),
  }));
  return {
    id: fw.id,
    title: fw.title,
    attribution: fw.source && fw.source.attribution,
    translationNote: fw.translation && fw.translation.lt && fw.translation.lt.note,
    levels: arr(fw.levels).map((l) => ({
      level: num(l.level), broad: num(l.broad), broadTitle: l.broad_title,
      summary: l.summary,
    })),
    areas,
    competences: areas.flatMap((a) => a.competences),
  };
}

export function normState(d) {
  d = d || {};
  const item = d.item || d.current_item || null;
  const prog = d.progress || {};
  const state = d.state || d.status || (item ? 'active' : 'finished');
  return {
    id: String(d.id ?? d.diagnostic_id ?? ''),
    state: /finish|done|complete/.test(state) ? 'finished' : 'active',
    item: item && {
      id: String(item.id),
      competence: item.competence || item.comp_id || null,
      stem: item.stem ?? item.text ?? '',
      position: num(item.position, 0),
      options: arr(item.options).map((o) => ({ id: String(o.id), text: o.text ?? o.label })),
    },
    answered: num(prog.answered ?? d.answered),
    remaining: num(prog.remaining ?? prog.estimated_remaining ?? d.remaining),
  };
}

/* Starts a diagnostic, or returns the learner's unfinished one. */
export async function startDiagnostic(lang) {
  const d = normState(await api.post('diagnostics', { framework: FRAMEWORK, language: lang }));
  store.set('diag', d.id);
  return d;
}

export async function diagnostic(id) {
  return normState(await api.get(`diagnostics/${encodeURIComponent(id)}`));
}

/* The learner's diagnostics, newest first, when the API lists them (else null). */
export async function listDiagnostics() {
  try {
    const r = await api.get('diagnostics');
    return arr(r.diagnostics || r).map(normState);
  } catch (e) {
    if (e.status === 404 || e.status === 405) return null;
    throw e;
  }
}

export async function answer(diagId, itemId, optionId) {
  return normState(await api.post(`diagnostics/${encodeURIComponent(diagId)}/answers`,
    { item: itemId, answer: optionId }));
}

const normLevel = (x) => {
  const iv = x.interval || [x.level_lo ?? x.lo, x.level_hi ?? x.hi];
  return {
    id: String(x.id ?? x.competence ?? x.area),
    area: x.area ? String(x.area) : null,
    level: num(x.level),
    lo: num(Array.isArray(iv) ? iv[0] : iv.lo, num(x.level)),
    hi: num(Array.isArray(iv) ? iv[1] : iv.hi, num(x.level)),
    text: x.text || x.explanation || null,
    answered: num(x.answered, 0),
    target: Number.isFinite(Number(x.target)) && x.target !== null ? Number(x.target) : null,
    gap: num(x.gap, 0),
  };
};

export async function result(diagId) {
  const r = await api.get(`diagnostics/${encodeURIComponent(diagId)}/result`);
  return {
    id: diagId,
    finished: r.finished || r.finished_at || null,
    areas: arr(r.areas).map(normLevel),
    competences: arr(r.competences).map(normLevel),
    answered: num(r.answered ?? (r.progress && r.progress.answered)),
    overall: r.overall ? normLevel({ id: 'overall', ...r.overall }) : null,
    review: arr(r.review).map((x) => ({
      item: x.item, competence: x.competence, correct: Boolean(x.correct), feedback: x.feedback,
    })),
    notice: r.notice || null,
  };
}
