import { h, svg } from './dom.js';

// Charts drawn as SVG with DOM calls (no library, no markup, no inline
// style: the CSP allows none). Each is drawn for its container's width in
// CSS pixels, so its text stays legible from 1280 px down to a phone, and
// drawn again when that width changes. A chart is an image with a name;
// its figures are in a table beside it for screen readers and for
// exact values.

export interface Point {
  key: string; // what the point is (a step's start, a group's key)
  label: string; // how an axis or row names it
  value: number;
  raw: string; // the API's figure, kept on the element as data-value
}

export interface Row {
  label: string;
  expected?: number; // of the trend, when there is one
  low?: number;
  high?: number;
  runRate: number;
}

type Draw = (width: number) => SVGElement;

// responsive keeps a chart drawn at its container's width.
export function responsive(id: string, name: string, draw: Draw): { element: HTMLElement; stop: () => void } {
  const box = h('div', { class: 'chart', id });
  let drawn = -1;
  const redraw = () => {
    const w = Math.max(240, Math.floor(box.clientWidth));
    if (w === drawn) return;
    drawn = w;
    const el = draw(w);
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', name);
    box.replaceChildren(el);
  };
  const watch = new ResizeObserver(redraw);
  watch.observe(box);
  return { element: box, stop: () => watch.disconnect() };
}

// niceMax rounds the largest value up to 1, 2 or 5 times a power of ten.
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

const font = 12;

function yAxis(width: number, top: number, plotH: number, left: number, max: number, fmt: (v: number) => string): SVGElement[] {
  return [0, 0.5, 1].flatMap((f) => {
    const y = top + plotH * (1 - f);
    return [
      svg('line', { class: 'grid', x1: left, x2: width, y1: y, y2: y }),
      svg('text', { class: 'tick', x: left - 4, y: y + font / 3, 'text-anchor': 'end' }, fmt(max * f)),
    ];
  });
}

// columnChart: one column per point (a series over time), the value axis
// on the left, some of the points named below.
export function columnChart(points: Point[], fmt: (v: number) => string): Draw {
  return (width) => {
    const height = 220;
    const left = 64;
    const top = 8;
    const bottom = 24;
    const plotW = width - left;
    const plotH = height - top - bottom;
    const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
    const step = plotW / Math.max(1, points.length);
    const labelEvery = Math.max(1, Math.ceil(points.length / Math.max(1, Math.floor(plotW / 90))));
    const bars = points.map((p, i) => {
      const bh = plotH * (p.value / max);
      return svg('rect', {
        class: 'bar', x: left + i * step + step * 0.1, y: top + plotH - bh, width: Math.max(1, step * 0.8), height: bh,
        'data-key': p.key, 'data-value': p.raw,
      }, svg('title', {}, `${p.label}: ${fmt(p.value)}`));
    });
    const names = points.flatMap((p, i) => (i % labelEvery ? [] : [
      svg('text', { class: 'tick', x: left + i * step + step / 2, y: height - 6, 'text-anchor': 'middle' }, p.label)]));
    return svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'column-chart' },
      yAxis(width, top, plotH, left, max, fmt), bars, names,
      svg('line', { class: 'axis', x1: left, x2: width, y1: top + plotH, y2: top + plotH }));
  };
}

// barRows: one horizontal bar per point (groups, most costly first), its
// name above it and its value at its end.
export function barRows(points: Point[], fmt: (v: number) => string): Draw {
  return (width) => {
    const rowH = 40;
    const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
    const valueW = 96;
    const plotW = width - valueW;
    const rows = points.map((p, i) => {
      const y = i * rowH;
      const w = plotW * (p.value / max);
      return svg('g', { class: 'row', 'data-key': p.key, 'data-value': p.raw },
        svg('text', { class: 'row-label', x: 0, y: y + font + 2 }, p.label),
        svg('rect', { class: 'bar', x: 0, y: y + font + 8, width: Math.max(1, w), height: 14 },
          svg('title', {}, `${p.label}: ${fmt(p.value)}`)),
        svg('text', { class: 'tick', x: Math.max(1, w) + 6, y: y + font + 19 }, fmt(p.value)));
    });
    const height = Math.max(rowH, points.length * rowH);
    return svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'bar-rows' }, rows);
  };
}

// intervalChart: per period, the trend forecast's expected cost (a dot)
// inside its prediction interval (a line from low to high), and the run
// rate (a tick) on the same scale.
export function intervalChart(rows: Row[], fmt: (v: number) => string): Draw {
  return (width) => {
    const rowH = 48;
    const pad = 8;
    const max = niceMax(Math.max(0, ...rows.flatMap((r) => [r.expected ?? 0, r.high ?? 0, r.runRate])));
    const x = (v: number) => pad + (width - 2 * pad) * (v / max);
    const parts = rows.map((r, i) => {
      const y = i * rowH + font + 20;
      return svg('g', { class: 'interval', 'data-period': r.label },
        svg('text', { class: 'row-label', x: pad, y: i * rowH + font + 2 }, r.label),
        svg('line', { class: 'axis', x1: pad, x2: width - pad, y1: y, y2: y }),
        r.low !== undefined && r.high !== undefined
          ? svg('line', { class: 'range', x1: x(r.low), x2: x(r.high), y1: y, y2: y, 'data-low': r.low, 'data-high': r.high },
            svg('title', {}, `${r.label}, 90% interval: ${fmt(r.low)} to ${fmt(r.high)}`))
          : null,
        r.expected !== undefined
          ? svg('circle', { class: 'expected', cx: x(r.expected), cy: y, r: 5, 'data-value': r.expected },
            svg('title', {}, `${r.label}, trend: ${fmt(r.expected)}`))
          : null,
        svg('path', { class: 'run-rate', d: `M${x(r.runRate)} ${y - 9}v18`, 'data-value': r.runRate },
          svg('title', {}, `${r.label}, run rate: ${fmt(r.runRate)}`)));
    });
    const scaleY = rows.length * rowH + font;
    const scale = [0, 0.5, 1].map((f) => svg('text', { class: 'tick', x: x(max * f), y: scaleY,
      'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, fmt(max * f)));
    const height = scaleY + 6;
    return svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'interval-chart' }, parts, scale);
  };
}
