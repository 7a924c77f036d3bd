/* results.js - levels per area and competence with their likely range: a chart, the
 * same data as a table, what each level means, and what comes next. */

import { h, mount } from '../dom.js';
import { t, tx } from '../i18n.js';
import * as model from '../model.js';
import { drawChart } from '../chart.js';
import { diagnostics, pageHeader, buttonLink } from './common.js';

let observer = null;

export function leave() {
  if (observer) observer.disconnect();
  observer = null;
}

const rangeText = (r) => (r.lo === r.hi ? String(r.level)
  : t('results.range', { lo: r.lo, hi: r.hi }));

export async function show(ctx, { stale }) {
  leave();
  const { active, finished } = await diagnostics();
  if (stale()) return;
  const diag = finished;
  if (!diag) {
    mount(ctx.main,
      ...pageHeader(ctx, 'results.none.title', {},
        active ? t('results.none.active', { n: active.answered }) : t('results.none.body')),
      h('div', { class: 'btn-row' }, buttonLink('#/diagnostic',
        active ? t('landing.action.resume') : t('landing.action.start'))));
    return;
  }
  const [res, prof] = await Promise.all([model.result(diag.id), model.profile()]);
  if (stale()) return;
  render(ctx, res, prof, active);
}

function levelInfo(fw, n) {
  return fw.levels.find((l) => l.level === n) || null;
}

function explain(fw, r) {
  if (r.text) return tx(r.text);
  const li = levelInfo(fw, r.level);
  return li ? tx(li.summary) : '';
}

function render(ctx, res, prof, active) {
  const fw = ctx.fw;
  const compById = new Map(res.competences.map((c) => [c.id, c]));
  const areaById = new Map(res.areas.map((a) => [a.id, a]));
  const broad = (n) => {
    const li = levelInfo(fw, n);
    return li ? tx(li.broadTitle) : '';
  };

  /* chart, redrawn at the container's width */
  const chartBox = h('div', { class: 'chart-box' });
  const draw = () => {
    const w = chartBox.clientWidth || ctx.main.clientWidth || 600;
    if (chartBox.dataset.w === String(w)) return;
    chartBox.dataset.w = String(w);
    mount(chartBox, drawChart(w, fw, res));
  };
  observer = new ResizeObserver(() => draw());
  observer.observe(chartBox);

  /* table; a "needed for your job" column when the profile names a role profile */
  const hasTargets = res.competences.some((c) => c.target);
  const table = h('table', { class: 'results-table' },
    h('caption', {}, t('results.table.caption')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('results.table.competence')),
      h('th', { scope: 'col' }, t('results.table.level')),
      h('th', { scope: 'col' }, t('results.table.range')),
      hasTargets ? h('th', { scope: 'col' }, t('results.table.target')) : null,
      h('th', { scope: 'col' }, t('results.table.meaning')))),
    fw.areas.map((a) => {
      const ar = areaById.get(a.id);
      return h('tbody', {},
        h('tr', { class: 'area-row' },
          h('th', { scope: 'row' }, `${a.id}. ${tx(a.title)}`,
            h('span', { class: 'sub' }, t('results.table.areaTotal'))),
          cells(ar)),
        a.competences.map((c) => h('tr', {},
          h('th', { scope: 'row' }, `${c.id} ${tx(c.title)}`),
          cells(compById.get(c.id)))));
    }));
  function cells(r) {
    if (!r || !r.level) return [h('td', { colspan: hasTargets ? 4 : 3 }, t('results.notMeasured'))];
    return [
      h('td', { class: 'num' }, String(r.level), h('span', { class: 'sub' }, broad(r.level))),
      h('td', { class: 'num' }, rangeText(r)),
      hasTargets ? h('td', { class: 'num' }, r.target ? String(r.target) : '–',
        r.gap > 0 ? h('span', { class: 'sub gap' }, t('results.table.gap', { n: r.gap })) : null) : null,
      h('td', {}, explain(fw, r)),
    ];
  }

  /* what comes next: own objectives first, then the lowest levels */
  const measured = res.competences.filter((c) => c.level);
  const wanted = new Set(prof.objectives.map((o) => o.competence));
  const focus = [...measured].sort((x, y) => (wanted.has(y.id) - wanted.has(x.id)) ||
    (y.gap - x.gap) || (x.level - y.level) || x.id.localeCompare(y.id, 'en', { numeric: true })).slice(0, 3);
  const compTitle = (id) => {
    const c = fw.competences.find((k) => k.id === id);
    return c ? `${c.id} ${tx(c.title)}` : id;
  };
  const sortedAreas = [...res.areas].filter((a) => a.level).sort((x, y) => y.level - x.level);
  const areaTitle = (id) => {
    const a = fw.areas.find((k) => k.id === id);
    return a ? tx(a.title) : id;
  };

  mount(ctx.main,
    ...pageHeader(ctx, 'results.title', {}, t('results.lead', { n: res.answered })),
    active ? h('div', { class: 'notice notice-info' },
      h('p', {}, t('results.newer', { n: active.answered }), ' ',
        h('a', { href: '#/diagnostic' }, t('landing.action.resume')))) : null,
    res.overall && res.overall.level ? h('div', { class: 'card overall' },
      h('p', { class: 'overall-level' }, t('results.overall', {
        level: res.overall.level, broad: broad(res.overall.level),
      })),
      res.overall.lo !== res.overall.hi ? h('p', {}, t('results.overallRange', {
        lo: res.overall.lo, hi: res.overall.hi,
      })) : null) : null,
    res.notice ? h('p', { class: 'notice notice-info' }, tx(res.notice)) : null,
    sortedAreas.length > 1 && sortedAreas[0].level > sortedAreas[sortedAreas.length - 1].level
      ? h('p', {}, t('results.summary', {
      strong: areaTitle(sortedAreas[0].id),
      grow: areaTitle(sortedAreas[sortedAreas.length - 1].id),
    })) : null,
    h('section', { 'aria-labelledby': 'chart-h' },
      h('h2', { id: 'chart-h' }, t('results.chart.heading')),
      h('p', { class: 'hint' }, t('results.chart.how')),
      h('ul', { class: 'legend', 'aria-hidden': 'true' },
        h('li', {}, h('span', { class: 'key key-dot' }), t('results.legend.level')),
        h('li', {}, h('span', { class: 'key key-range' }), t('results.legend.range'))),
      chartBox,
      h('p', {}, h('a', { href: '#results-table-h', onclick: (ev) => {
        ev.preventDefault();
        document.getElementById('results-table-h').focus();
      } }, t('results.toTable')))),
    h('section', {},
      h('h2', { id: 'results-table-h', tabindex: '-1' }, t('results.table.heading')),
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'results-table-h' },
        table)),
    h('section', { 'aria-labelledby': 'levels-h' },
      h('h2', { id: 'levels-h' }, t('results.levels.heading')),
      h('p', {}, t('results.levels.intro')),
      h('dl', { class: 'levels' }, fw.levels.map((l) => h('div', {},
        h('dt', {}, t('results.levels.item', { n: l.level, broad: tx(l.broadTitle) })),
        h('dd', {}, tx(l.summary)))))),
    h('section', { 'aria-labelledby': 'next-h', class: 'next' },
      h('h2', { id: 'next-h' }, t('results.next.heading')),
      focus.length ? [
        h('p', {}, wanted.size ? t('results.next.focusObjectives') : t('results.next.focus')),
        h('ul', { class: 'bullets' }, focus.map((c) => h('li', {},
          t('results.next.focusItem', { competence: compTitle(c.id), level: c.level })))),
      ] : null,
      h('ul', { class: 'bullets' },
        h('li', {}, t('results.next.talk')),
        h('li', {}, t('results.next.profile')),
        h('li', {}, t('results.next.repeat'))),
      h('div', { class: 'btn-row' }, buttonLink('#/profile', t('results.next.toProfile'), false),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => window.print() },
          t('results.next.print')),
        active ? null : buttonLink('#/diagnostic', t('results.next.again'), false))),
    res.review.length ? h('section', { 'aria-labelledby': 'review-h' },
      h('h2', { id: 'review-h' }, t('results.review.heading')),
      h('p', {}, t('results.review.intro')),
      h('details', { class: 'review' },
        h('summary', {}, t('results.review.show', { n: res.review.length })),
        h('ol', { class: 'review-list' }, res.review.map((x) => h('li', {},
          h('p', { class: 'review-head' }, compTitle(x.competence), ' – ',
            h('strong', {}, x.correct ? t('results.review.correct') : t('results.review.wrong'))),
          x.feedback ? h('p', {}, tx(x.feedback)) : null))))) : null);
  draw();
}

