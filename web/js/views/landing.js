/* landing.js - after the launch: who I am, my institution, what dla will do, and the
 * one next step that fits where the learner is. */

import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import * as model from '../model.js';
import { diagnostics, pageHeader, roleName, buttonLink } from './common.js';

export async function show(ctx, { stale }) {
  const me = ctx.me;
  const [prof, diags] = await Promise.all([model.profile(), diagnostics()]);
  const diag = diags.active || diags.finished;
  if (stale()) return;
  const hasProfile = Boolean(prof.roleId || prof.roleText || prof.objectives.length);
  const others = me.roles.filter((r) => String(r).toLowerCase() !== 'learner');

  let next;
  if (diag && diag.state === 'finished') {
    next = [h('p', {}, t('landing.next.finished')),
      buttonLink('#/results', t('landing.action.results'))];
  } else if (diag) {
    next = [h('p', {}, t('landing.next.resume', { n: diag.answered })),
      h('div', { class: 'btn-row' }, buttonLink('#/diagnostic', t('landing.action.resume')),
        diags.finished ? buttonLink('#/results', t('landing.action.previous'), false) : null)];
  } else if (!hasProfile) {
    next = [h('p', {}, t('landing.next.profile')),
      h('div', { class: 'btn-row' },
        buttonLink('#/profile', t('landing.action.profile')),
        buttonLink('#/diagnostic', t('landing.action.skipToDiag'), false))];
  } else {
    next = [h('p', {}, t('landing.next.start')),
      buttonLink('#/diagnostic', t('landing.action.start'))];
  }

  mount(ctx.main,
    ...pageHeader(ctx, me.name ? 'landing.titleNamed' : 'landing.title', { name: me.name }),
    h('section', { class: 'card who', 'aria-labelledby': 'who-h' },
      h('h2', { id: 'who-h' }, t('landing.who.title')),
      h('dl', { class: 'facts' },
        h('div', {}, h('dt', {}, t('landing.who.name')), h('dd', {}, me.name || t('landing.who.unknown'))),
        h('div', {}, h('dt', {}, t('landing.who.institution')),
          h('dd', {}, me.tenantName || t('landing.who.unknown'))),
        h('div', {}, h('dt', {}, t('landing.who.roles')),
          h('dd', {}, me.roles.map(roleName).join(', '))))),
    h('section', { 'aria-labelledby': 'next-h' },
      h('h2', { id: 'next-h' }, t('landing.next.title')), ...next),
    h('section', { 'aria-labelledby': 'what-h' },
      h('h2', { id: 'what-h' }, t('landing.what.title')),
      h('p', {}, t('landing.what.intro')),
      h('ol', { class: 'steps' },
        h('li', {}, h('strong', {}, t('landing.what.step1.title')), ' ', t('landing.what.step1.body')),
        h('li', {}, h('strong', {}, t('landing.what.step2.title')), ' ', t('landing.what.step2.body')),
        h('li', {}, h('strong', {}, t('landing.what.step3.title')), ' ', t('landing.what.step3.body'))),
      h('p', {}, t('landing.what.privacy'))),
    others.length ? h('section', { 'aria-labelledby': 'roles-h' },
      h('h2', { id: 'roles-h' }, t('landing.roles.title')),
      h('p', {}, t('landing.roles.body', { roles: others.map(roleName).join(', ') }))) : null,
  );
}
