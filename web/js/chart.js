/* chart.js - the results chart, drawn as SVG at the container's real width so its
 * text stays readable from 360 px up. Per area: the area's level and, under it, each
 * competence's level (dot) with its likely range (bar). It is one image for
 * assistive technology; the table beside it carries the same data. */

import { s, uid } from './dom.js';
import { t, tx } from './i18n.js';

const ROW = 30;
const AREA_GAP = 40;
const LABEL_W = 64;
const PAD_R = 16;
const AXIS_NUM_H = 34; /* the row of level numbers */
const BAND_LINE_H = 15;

/* Greedy word wrap for SVG text (no automatic wrapping there); ~8.6 px per character
 * of 15 px bold text is a safe upper estimate for Latin and Lithuanian letters. */
function wrap(text, px) {
  const max = Math.max(12, Math.floor(px / 8.6));
  const lines = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur && (cur.length + 1 + w.length) > max) {
      lines.push(cur);
      cur = w;
    } else {
      cur = cur ? `${cur} ${w}` : w;
    }
  }
  if (cur) lines.push(cur);
  return lines;
}

const LINE_H = 19;

export function drawChart(width, fw, res) {
  const W = Math.max(300, Math.floor(width));
  const x0 = LABEL_W;
  const x1 = W - PAD_R;
  const colW = (x1 - x0) / 8;
  const xOf = (lvl) => x0 + (lvl - 0.5) * colW;
  const byId = new Map(res.competences.map((c) => [c.id, c]));
  const areaById = new Map(res.areas.map((a) => [a.id, a]));

  /* broad-level names over their two columns, where there is room for them */
  const bands = [1, 3, 5, 7].map((l) => {
    const info = fw.levels.find((x) => x.level === l);
    return info ? tx(info.broadTitle) : '';
  });
  const bandLines = colW >= 55 ? bands.map((b) => wrap(b, 2 * colW * 1.25 - 8)) : null;
  const bandH = bandLines ? Math.max(...bandLines.map((x) => x.length)) * BAND_LINE_H + 6 : 0;
  const AXIS_H = AXIS_NUM_H + bandH;

  /* height first */
  const titles = fw.areas.map((a) => wrap(`${a.id}. ${tx(a.title)}`, W - 8));
  let H = AXIS_H + 8;
  fw.areas.forEach((a, i) => {
    H += AREA_GAP + (titles[i].length - 1) * LINE_H + ROW * (1 + a.competences.length);
  });
  H += 8;

  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const svg = s('svg', {
    class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-labelledby': `${titleId} ${descId}`, focusable: 'false',
  },
  s('title', { id: titleId }, t('results.chart.title')),
  s('desc', { id: descId }, t('results.chart.desc')));

  const g = s('g', { 'aria-hidden': 'true' });
  svg.append(g);
  /* broad-level bands and the axis */
  for (let b = 0; b < 4; b++) {
    g.append(s('rect', {
      x: x0 + b * 2 * colW, y: AXIS_H, width: 2 * colW, height: H - AXIS_H - 4,
      class: b % 2 ? 'band band-b' : 'band band-a',
    }));
  }
  if (bandLines) {
    bandLines.forEach((lines, b) => {
      const cx = x0 + (b * 2 + 1) * colW;
      g.append(s('text', { x: cx, y: 14, class: 'band-label', 'text-anchor': 'middle' },
        lines.map((line, k) => s('tspan', { x: cx, y: 14 + k * BAND_LINE_H }, line))));
    });
  }
  const numY = bandH + 22;
  for (let l = 1; l <= 8; l++) {
    g.append(s('text', { x: xOf(l), y: numY, class: 'axis-label', 'text-anchor': 'middle' }, String(l)));
    g.append(s('line', { x1: x0 + l * colW, x2: x0 + l * colW, y1: AXIS_H, y2: H - 4, class: 'grid' }));
  }
  g.append(s('text', { x: 4, y: numY, class: 'axis-title' }, t('results.chart.level')));

  let y = AXIS_H + 8;
  fw.areas.forEach((a, i) => {
    y += AREA_GAP + (titles[i].length - 1) * LINE_H;
    const first = y - 12 - (titles[i].length - 1) * LINE_H;
    g.append(s('text', { x: 4, y: first, class: 'area-title' },
      titles[i].map((line, k) => s('tspan', { x: 4, y: first + k * LINE_H }, line))));
    const ar = areaById.get(a.id);
    row(g, y, t('results.chart.area'), ar, true);
    y += ROW;
    for (const c of a.competences) {
      row(g, y, c.id, byId.get(c.id), false);
      y += ROW;
    }
  });

  function row(parent, top, label, r, isArea) {
    const cy = top + ROW / 2;
    parent.append(s('text', {
      x: 4, y: cy + 5, class: isArea ? 'row-label row-label-area' : 'row-label',
    }, label));
    if (!r || !r.level) {
      parent.append(s('text', { x: x0 + 6, y: cy + 5, class: 'row-none' }, t('results.notMeasured')));
      return;
    }
    const lo = Math.max(1, Math.min(r.lo, r.level));
    const hi = Math.min(8, Math.max(r.hi, r.level));
    const bx = x0 + (lo - 1) * colW + 4;
    const bw = (hi - lo + 1) * colW - 8;
    parent.append(s('rect', {
      x: bx, y: cy - (isArea ? 7 : 5), width: Math.max(4, bw), height: isArea ? 14 : 10,
      rx: isArea ? 7 : 5, class: isArea ? 'range range-area' : 'range',
    }));
    parent.append(s('circle', {
      cx: xOf(r.level), cy, r: isArea ? 9 : 7, class: isArea ? 'dot dot-area' : 'dot',
    }));
  }
  return svg;
}
