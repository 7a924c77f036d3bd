/* diagnostic.js - the player: one item at a time as a radio group, progress with
 * the estimated number remaining, answers queued and retried (queue.js), resume
 * after reload or interruption (the server keeps the state; this tab keeps answers
 * not yet delivered). */

import { h, clear, mount } from '../dom.js';
import { t, tx, lang } from '../i18n.js';
import * as model from '../model.js';
import * as queue from '../queue.js';
import { currentDiagnostic, pageHeader, buttonLink } from './common.js';

let unsub = null;
let view = null; /* {diag, item, form, alertSlot, ...} of the item on screen */
let choice = null; /* {item, option}: chosen but not yet sent, kept across re-renders */

function rememberChoice() {
  const c = view && view.form.querySelector('input[name=answer]:checked');
  if (c) choice = { item: view.item.id, option: c.value };
}

export function leave() {
  rememberChoice();
  if (unsub) unsub();
  unsub = null;
  view = null;
}

export async function show(ctx, { stale }) {
  leave();
  unsub = queue.subscribe((ev) => onQueue(ctx, ev));
  const pend = queue.pending();
  if (pend.length) {
    /* answers from before a reload or an outage: deliver them first */
    const last = pend[pend.length - 1];
    renderItem(ctx, { id: last.diag, state: 'active', item: last.item, answered: last.answered,
      remaining: last.remaining }, last.option);
    setBusy(true);
    try {
      const st = await queue.flush();
      if (stale()) return;
      await after(ctx, st || await model.diagnostic(last.diag));
    } catch (e) {
      if (e.network) return; /* the queue shows the retry notice */
      throw e;
    }
    return;
  }
  const diag = await currentDiagnostic();
  if (stale()) return;
  if (!diag) {
    renderIntro(ctx);
    return;
  }
  await after(ctx, diag.item || diag.state === 'finished' ? diag : await model.diagnostic(diag.id));
}

async function after(ctx, st) {
  if (st.state === 'finished') {
    renderFinished(ctx, st);
  } else if (!st.item) {
    renderItem(ctx, await model.diagnostic(st.id));
  } else {
    renderItem(ctx, st);
  }
}

function renderIntro(ctx) {
  const start = h('button', { type: 'button', class: 'btn' }, t('diag.intro.start'));
  const err = h('div', { class: 'alert-slot' });
  start.addEventListener('click', async () => {
    start.disabled = true;
    clear(err);
    try {
      const st = await model.startDiagnostic(lang());
      await after(ctx, st);
      focusQuestion(ctx);
    } catch (e) {
      start.disabled = false;
      err.append(h('div', { class: 'notice notice-error', role: 'alert' },
        h('p', {}, e.network ? t('diag.err.startNetwork') : t('diag.err.start', { detail: e.message }))));
    }
  });
  mount(ctx.main,
    ...pageHeader(ctx, 'diag.intro.title', {}, t('diag.intro.lead')),
    h('ul', { class: 'bullets' },
      h('li', {}, t('diag.intro.p1')),
      h('li', {}, t('diag.intro.p2')),
      h('li', {}, t('diag.intro.p3')),
      h('li', {}, t('diag.intro.p4'))),
    err,
    h('div', { class: 'btn-row' }, start));
}

function renderFinished(ctx, st) {
  const again = h('button', { type: 'button', class: 'btn btn-secondary' }, t('diag.done.again'));
  const err = h('div', { class: 'alert-slot' });
  again.addEventListener('click', async () => {
    again.disabled = true;
    clear(err);
    try {
      await after(ctx, await model.startDiagnostic(lang()));
      focusQuestion(ctx);
    } catch (e) {
      again.disabled = false;
      err.append(h('div', { class: 'notice notice-error', role: 'alert' },
        h('p', {}, e.network ? t('diag.err.startNetwork') : t('diag.err.start', { detail: e.message }))));
    }
  });
  mount(ctx.main,
    ...pageHeader(ctx, 'diag.done.title', {}, st.answered ? t('diag.done.lead', { n: st.answered })
      : t('diag.done.leadPlain')),
    h('div', { class: 'btn-row' }, buttonLink('#/results', t('diag.done.results'))),
    h('h2', {}, t('diag.done.againTitle')),
    h('p', {}, t('diag.done.againBody')),
    err,
    h('div', { class: 'btn-row' }, again));
}

function progressBlock(st) {
  const total = st.answered + Math.max(0, st.remaining);
  const label = h('p', { id: 'progress-label', class: 'progress-label' },
    t('diag.progress.answered', { n: st.answered }), ' ',
    st.remaining > 0 ? t('diag.progress.remaining', { n: st.remaining }) : t('diag.progress.almost'));
  return h('div', { class: 'progress' }, label,
    h('progress', {
      max: Math.max(1, total), value: st.answered, 'aria-labelledby': 'progress-label',
    }));
}

function renderItem(ctx, st, preselect) {
  const item = st.item;
  if (preselect === undefined && choice && choice.item === item.id) preselect = choice.option;
  choice = null;
  const comp = ctx.fw.competences.find((c) => c.id === item.competence);
  const qn = item.position || st.answered + 1;
  const alertSlot = h('div', { class: 'alert-slot' });
  const fieldErr = h('p', { class: 'field-error', id: 'answer-err', hidden: true }, t('diag.err.choose'));
  const legendId = 'q-stem';
  const radios = item.options.map((o, i) => {
    const id = `opt-${i}`;
    return h('div', { class: 'radio' },
      h('input', { type: 'radio', name: 'answer', id, value: o.id, checked: o.id === preselect }),
      h('label', { for: id }, tx(o.text)));
  });
  const fieldset = h('fieldset', { class: 'question', 'aria-describedby': 'answer-err' },
    h('legend', { id: legendId },
      comp ? h('span', { class: 'q-comp' }, `${comp.id} ${tx(comp.title)}`) : null,
      h('span', { class: 'q-stem' }, tx(item.stem))),
    fieldErr, radios);
  const submit = h('button', { type: 'submit', class: 'btn' }, t('diag.answer'));
  const form = h('form', { class: 'item-form', novalidate: true, 'data-item': item.id }, fieldset,
    h('div', { class: 'btn-row' }, submit,
      h('a', { href: '#/', class: 'btn btn-secondary' }, t('diag.pause'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    onAnswer(ctx);
  });
  fieldset.addEventListener('change', () => {
    fieldErr.hidden = true;
    fieldset.removeAttribute('aria-invalid');
  });

  view = { st, item, form, fieldset, submit, alertSlot, fieldErr };
  mount(ctx.main,
    ...pageHeader(ctx, 'diag.title', {}),
    progressBlock(st),
    h('h2', { class: 'q-number', id: 'q-number', tabindex: '-1' }, t('diag.question', { n: qn })),
    alertSlot,
    form,
    h('p', { class: 'hint' }, t('diag.saved')));
}

function focusQuestion(ctx) {
  const el = ctx.main.querySelector('#q-number') || ctx.main.querySelector('h1');
  if (el) el.focus();
}

function setBusy(busy) {
  if (!view) return;
  view.fieldset.disabled = busy;
  view.submit.disabled = busy;
  view.submit.textContent = busy ? t('diag.sending') : t('diag.answer');
}

async function onAnswer(ctx) {
  const v = view;
  const checked = v.form.querySelector('input[name=answer]:checked');
  if (!checked) {
    v.fieldErr.hidden = false;
    v.fieldset.setAttribute('aria-invalid', 'true');
    v.form.querySelector('input[name=answer]').focus();
    return;
  }
  queue.add({ diag: v.st.id, item: v.item, option: checked.value, answered: v.st.answered,
    remaining: v.st.remaining, at: Date.now() });
  setBusy(true);
  let st;
  try {
    st = await queue.flush();
  } catch (e) {
    if (e.network) return; /* retry notice shown by onQueue */
    ctx.fail(e); /* e.g. the session has ended: say so (the answer stays queued) */
    return;
  }
  if (view !== v) return;
  try {
    await after(ctx, st || await model.diagnostic(v.st.id));
  } catch (e) {
    ctx.fail(e);
    return;
  }
  focusQuestion(ctx);
  if (ctx.main.querySelector('#q-number')) ctx.announce(t('diag.savedNext'));
}

function onQueue(ctx, ev) {
  const v = view;
  if (!v) return;
  if (ev.type === 'waiting') {
    const secs = Math.max(1, Math.round(ev.retryIn / 1000));
    const retry = h('button', { type: 'button', class: 'btn btn-secondary' }, t('diag.net.retry'));
    retry.addEventListener('click', async () => {
      retry.disabled = true;
      try {
        const st = await queue.retryNow();
        if (view !== v) return;
        await after(ctx, st || await model.diagnostic(v.st.id));
        focusQuestion(ctx);
      } catch (e) {
        if (!e.network) ctx.fail(e);
      }
    });
    v.submit.textContent = t('diag.waiting');
    const first = !v.alertSlot.firstChild;
    mount(v.alertSlot, h('div', { class: 'notice notice-error net-error', role: 'alert' },
      h('h2', {}, t('diag.net.title')),
      h('p', {}, t('diag.net.body')),
      h('p', {}, t('diag.net.next', { n: secs })),
      retry));
    if (first) retry.focus();
  } else if (ev.type === 'recovered') {
    /* the next item replaces this view; say why */
    ctx.announce(t('diag.net.recovered'));
    if (view === v) {
      clear(v.alertSlot);
      queueMicrotask(async () => {
        if (view !== v) return;
        try {
          await after(ctx, await model.diagnostic(v.st.id));
        } catch (e) {
          if (!e.network) ctx.fail(e);
          return;
        }
        focusQuestion(ctx);
        const slot = ctx.main.querySelector('.alert-slot');
        if (slot) slot.append(h('p', { class: 'notice notice-ok', role: 'status' }, t('diag.net.recovered')));
      });
    }
  }
}
