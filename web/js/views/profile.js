/* profile.js - job role (a role profile of the institution, or own words) and own
 * learning objectives (which competences matter and why). Saved with PUT /profile. */

import { h, clear, mount } from '../dom.js';
import { t, tx } from '../i18n.js';
import * as model from '../model.js';
import { pageHeader } from './common.js';

const OTHER = '__other';
const MAX_ROLE = 200;
const MAX_WHY = 500;

let rolesCache = null;

export async function show(ctx, { stale }) {
  const [prof, roles] = await Promise.all([
    model.profile(),
    rolesCache ? Promise.resolve(rolesCache) : model.roles().catch((e) => {
      if (e.status === 404) return [];
      throw e;
    }),
  ]);
  rolesCache = roles;
  if (stale()) return;
  render(ctx, prof, roles);
}

function render(ctx, prof, roles, saved) {
  const fw = ctx.fw;
  const chosen = new Map(prof.objectives.map((o) => [o.competence, o.why]));
  const roleById = new Map(roles.map((r) => [r.id, r]));
  const initialSel = prof.roleId && roleById.has(prof.roleId) ? prof.roleId
    : prof.roleText ? OTHER : '';

  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const status = h('div', { class: 'status-slot', role: 'status' });
  if (saved) status.append(h('p', { class: 'notice notice-ok' }, t('profile.saved')));

  /* --- role --- */
  const roleHint = h('p', { class: 'hint', id: 'role-hint' }, t('profile.role.hint'));
  const roleDesc = h('p', { class: 'hint role-desc', id: 'role-desc' });
  const select = h('select', { id: 'role-select', name: 'role', 'aria-describedby': 'role-hint role-desc' },
    h('option', { value: '' }, t('profile.role.choose')),
    roles.map((r) => h('option', { value: r.id, selected: r.id === initialSel }, tx(r.title))),
    h('option', { value: OTHER, selected: initialSel === OTHER }, t('profile.role.other')));
  const textErr = h('p', { class: 'field-error', id: 'role-text-err', hidden: true });
  const roleText = h('input', {
    id: 'role-text', name: 'role_text', type: 'text', maxlength: MAX_ROLE, autocomplete: 'organization-title',
    value: prof.roleText || '', 'aria-describedby': 'role-text-hint',
  });
  const textGroup = h('div', { class: 'field' },
    h('label', { for: 'role-text' }, t('profile.role.text')),
    h('p', { class: 'hint', id: 'role-text-hint' }, t('profile.role.textHint')),
    textErr, roleText);

  const targets = () => {
    const r = roleById.get(select.value);
    return r ? r.targets : {};
  };
  const updateRole = () => {
    const r = roleById.get(select.value);
    roleDesc.textContent = r && r.description ? tx(r.description) : '';
    roleDesc.hidden = !roleDesc.textContent;
    textGroup.hidden = roles.length > 0 && select.value !== OTHER;
    const tg = targets();
    for (const tag of ctx.main.querySelectorAll('.tag-target')) {
      const n = tg[tag.dataset.comp];
      tag.hidden = !n;
      tag.textContent = n ? t('profile.obj.target', { n }) : '';
    }
  };
  select.addEventListener('change', updateRole);

  /* --- objectives --- */
  const areaSets = fw.areas.map((a) => h('fieldset', { class: 'area-set' },
    h('legend', {}, `${a.id}. ${tx(a.title)}`),
    a.competences.map((c) => {
      const cid = `obj-${c.id.replace('.', '-')}`;
      const why = h('textarea', {
        id: `${cid}-why`, name: `why-${c.id}`, rows: 2, maxlength: MAX_WHY,
      });
      why.value = chosen.get(c.id) || '';
      const whyBox = h('div', { class: 'why', hidden: !chosen.has(c.id) },
        h('label', { for: `${cid}-why` }, t('profile.obj.why', { competence: tx(c.title) })),
        why);
      const box = h('input', {
        type: 'checkbox', id: cid, name: 'objective', value: c.id, checked: chosen.has(c.id),
        'aria-describedby': `${cid}-sug`,
      });
      box.addEventListener('change', () => {
        whyBox.hidden = !box.checked;
      });
      return h('div', { class: 'check' },
        box,
        h('label', { for: cid }, h('span', { class: 'comp-id' }, c.id), ' ', tx(c.title),
          ' ', h('span', { class: 'tag tag-target', id: `${cid}-sug`, 'data-comp': c.id, hidden: true })),
        whyBox);
    })));

  const saveBtn = h('button', { type: 'submit', class: 'btn' }, t('profile.save'));
  const form = h('form', { class: 'profile-form', novalidate: true },
    h('fieldset', { class: 'group' },
      h('legend', {}, h('h2', {}, t('profile.role.title'))),
      roles.length ? h('div', { class: 'field' },
        h('label', { for: 'role-select' }, t('profile.role.select')), roleHint, select, roleDesc) : null,
      textGroup),
    h('fieldset', { class: 'group' },
      h('legend', {}, h('h2', {}, t('profile.obj.title'))),
      h('p', { class: 'hint' }, t('profile.obj.hint')),
      areaSets),
    h('div', { class: 'btn-row' }, saveBtn,
      h('a', { href: '#/diagnostic', class: 'btn btn-secondary' }, t('profile.toDiagnostic'))));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const errors = [];
    const other = roles.length === 0 || select.value === OTHER;
    const text = roleText.value.trim();
    textErr.hidden = true;
    roleText.removeAttribute('aria-invalid');
    if (roles.length && select.value === OTHER && !text) {
      errors.push({ field: 'role-text', msg: t('profile.err.roleText') });
      textErr.textContent = t('profile.err.roleText');
      textErr.hidden = false;
      roleText.setAttribute('aria-invalid', 'true');
      roleText.setAttribute('aria-describedby', 'role-text-err role-text-hint');
    }
    if (errors.length) {
      mount(summary,
        h('h2', {}, t('profile.err.title')),
        h('ul', {}, errors.map((e) => h('li', {}, h('a', {
          href: `#${e.field}`,
          onclick: (ce) => {
            ce.preventDefault();
            document.getElementById(e.field).focus();
          },
        }, e.msg)))));
      summary.hidden = false;
      summary.focus();
      return;
    }
    summary.hidden = true;
    const objectives = [...form.querySelectorAll('input[name=objective]:checked')].map((b) => ({
      competence: b.value,
      why: form.querySelector(`#${b.id}-why`).value.trim(),
    }));
    const body = {
      roleId: other ? null : select.value || null,
      roleText: other ? text : '',
      objectives,
    };
    saveBtn.disabled = true;
    mount(status, h('p', { class: 'muted' }, t('profile.saving')));
    try {
      const savedProf = await model.saveProfile(body);
      render(ctx, savedProf, roles, true);
      ctx.main.querySelector('.notice-ok').focus();
    } catch (e) {
      saveBtn.disabled = false;
      clear(status);
      mount(summary, h('h2', {}, t('profile.err.saveTitle')),
        h('p', {}, e.network ? t('profile.err.network') : t('profile.err.save', { detail: e.message })));
      summary.hidden = false;
      summary.focus();
    }
  });

  mount(ctx.main,
    ...pageHeader(ctx, 'profile.title', {}, t('profile.lead')),
    summary, status, form);
  const ok = ctx.main.querySelector('.notice-ok');
  if (ok) ok.setAttribute('tabindex', '-1');
  updateRole();
}
