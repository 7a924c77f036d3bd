/* app.js - boot, the shell (language switch, navigation, page titles, focus) and the
 * hash router: #/ landing, #/profile, #/diagnostic, #/results. Views re-render in
 * place; nothing reloads the page. */

import * as api from './api.js';
import * as model from './model.js';
import * as store from './store.js';
import * as frame from './frame.js';
import { h, clear, mount } from './dom.js';
import { t, tx, lang, loadLang, pickLang, applyStatic } from './i18n.js';
import * as landing from './views/landing.js';
import * as profile from './views/profile.js';
import * as diagnostic from './views/diagnostic.js';
import * as results from './views/results.js';

const routes = {
  '/': landing,
  '/profile': profile,
  '/diagnostic': diagnostic,
  '/results': results,
};
const navOrder = [
  ['/', 'nav.home'],
  ['/profile', 'nav.profile'],
  ['/diagnostic', 'nav.diagnostic'],
  ['/results', 'nav.results'],
];

const main = document.getElementById('main');
const ctx = {
  main,
  me: null,
  fw: null,
  view: null,
  path: '/',
  navigate,
  announce,
  setTitle,
  refreshNav,
  render: () => render(true),
  rerender: () => {},
  fail: (e) => showError(e),
  lang,
};

function currentPath() {
  const m = window.location.hash.match(/^#(\/[a-z-]*)/);
  return m && routes[m[1]] ? m[1] : null;
}

export function navigate(path) {
  if (window.location.hash !== `#${path}`) window.location.hash = `#${path}`;
  else render(false);
}

function announce(msg) {
  const el = document.getElementById('announcer');
  el.textContent = '';
  window.setTimeout(() => {
    el.textContent = msg;
  }, 50);
}

function setTitle(pageTitle) {
  document.title = `${pageTitle} – ${t('shell.title')}`;
}

function refreshNav() {
  const nav = document.getElementById('site-nav');
  const list = clear(document.getElementById('nav-list'));
  for (const [path, key] of navOrder) {
    const cur = path === ctx.path;
    list.append(h('li', {},
      h('a', { href: `#${path}`, 'aria-current': cur ? 'page' : null }, t(key))));
  }
  if (ctx.me) {
    list.append(h('li', { class: 'nav-signout' },
      h('button', { type: 'button', class: 'link-btn', id: 'signout', onclick: signOut },
        t('nav.signout'))));
  }
  nav.hidden = !ctx.me;
  for (const b of document.querySelectorAll('.lang-btn'))
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
  const at = document.getElementById('fw-attrib');
  /* the framework's attribution (it names an unofficial translation); else the note */
  const note = lang() === 'lt' && ctx.fw && ctx.fw.translationNote ? tx(ctx.fw.translationNote) : '';
  at.textContent = ctx.fw && ctx.fw.attribution ? tx(ctx.fw.attribution) : note;
}

let renderSeq = 0;
/* Renders the view for the current hash. `keepFocus` re-renders in place (language
 * switch); otherwise focus moves to the new page's heading, as after a page load. */
async function render(keepFocus) {
  const seq = ++renderSeq;
  ctx.rerender = () => render(true);
  ctx.path = currentPath() || '/';
  if (ctx.view && ctx.view.leave) ctx.view.leave(ctx);
  ctx.view = routes[ctx.path];
  refreshNav();
  main.setAttribute('aria-busy', 'true');
  try {
    await ctx.view.show(ctx, { stale: () => seq !== renderSeq });
  } catch (e) {
    if (seq !== renderSeq) return;
    showError(e);
  }
  if (seq !== renderSeq) return;
  main.removeAttribute('aria-busy');
  main.dataset.view = ctx.path;
  performance.mark(`dla:view:${ctx.path}`);
  if (!keepFocus) {
    frame.scrollToTop();
    const h1 = main.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: false });
    }
  }
}

function showError(e) {
  console.error(e);
  ctx.rerender = () => showError(e);
  main.removeAttribute('aria-busy');
  main.dataset.view = 'error';
  const expired = e instanceof api.ApiError && e.status === 401;
  const network = e instanceof api.ApiError && e.network;
  const key = expired ? 'error.session' : network ? 'error.network' : 'error.generic';
  setTitle(t(`${key}.title`));
  mount(main,
    h('h1', {}, t(`${key}.title`)),
    h('div', { class: 'notice notice-error', role: 'alert' },
      h('p', {}, t(`${key}.body`)),
      !expired && e.message ? h('p', { class: 'muted' }, t('error.detail', { detail: e.message })) : null),
    expired ? null : h('p', {}, h('button', {
      type: 'button', class: 'btn', onclick: () => render(false),
    }, t('action.retry'))));
}

/* Ends the session on the server (a shared office computer must not keep it),
 * forgets the token in this tab and shows the signed-out page. The token is
 * forgotten even when the server cannot be reached. */
async function signOut() {
  try {
    await api.request('DELETE', 'session');
  } catch (e) {
    /* 401: already ended; anything else: the token is dropped below all the same */
  }
  store.del('token');
  ctx.me = null;
  ctx.signedOut = true;
  refreshNav();
  await showNoSession();
  announce(t('signout.done'));
}

let demoAvailable = null;
async function showNoSession() {
  ctx.rerender = showNoSession;
  main.dataset.view = 'nosession';
  if (demoAvailable === null) {
    /* offer the demo LMS only where it is switched on */
    const demo = new URL('../demo', document.baseURI).pathname;
    demoAvailable = await fetch(demo, { method: 'GET', credentials: 'omit' })
      .then((r) => (r.ok ? demo : false)).catch(() => false);
  }
  setTitle(t('nosession.title'));
  mount(main,
    ctx.signedOut ? h('p', { class: 'notice notice-ok', role: 'status' }, t('signout.done')) : null,
    h('h1', {}, t('nosession.title')),
    h('p', { class: 'lead' }, t('nosession.body')),
    demoAvailable ? h('p', {}, t('nosession.demo'), ' ',
      h('a', { href: demoAvailable }, t('nosession.demoLink'))) : null);
}

async function switchLang(l) {
  if (l === lang()) return;
  await loadLang(l);
  store.set('lang', l);
  applyStatic();
  refreshNav();
  ctx.rerender();
  announce(t('shell.langChanged'));
}

async function boot() {
  const launch = api.takeLaunchFragment();
  /* Lithuanian unless this tab's choice or the launch says otherwise (the account's
   * locale is applied below, once /me has answered) */
  const want = store.get('lang') || (launch && launch.lang) || store.get('launchLang') || 'lt';
  await loadLang(pickLang(want));
  applyStatic();
  document.getElementById('lang-switch').addEventListener('click', (ev) => {
    const b = ev.target.closest('.lang-btn');
    if (b) switchLang(b.dataset.lang);
  });
  document.getElementById('skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
  });
  if (frame.inFrame) {
    document.documentElement.classList.add('in-frame');
    frame.watchHeight();
  }
  if (!api.hasToken()) {
    showNoSession();
    return;
  }
  try {
    [ctx.me, ctx.fw] = await Promise.all([model.me(), model.framework()]);
  } catch (e) {
    showError(e);
    return;
  }
  /* the learner's choice here, else the launch locale, else the account's locale */
  if (!store.get('lang') && !store.get('launchLang') && ctx.me.locale) {
    await loadLang(pickLang(ctx.me.locale));
    applyStatic();
  }
  window.addEventListener('hashchange', () => {
    if (currentPath()) render(false);
  });
  await render(true);
}

boot().catch((e) => {
  console.error(e);
  const msg = document.getElementById('boot-msg');
  if (msg) msg.textContent = 'dla: klaida / error – ' + e.message;
});
