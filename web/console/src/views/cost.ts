import { ApiError, CostRange, OrganizationUsage, UsageGroup, call } from '../api.js';
import { Point, Row, barRows, columnChart, intervalChart, responsive } from '../chart.js';
import { errorBox, h, replace } from '../dom.js';
import { View } from '../router.js';

// The windows offered, each with the step of its series (at most 1,000
// steps: docs/usage.md).
const windows: [string, string, string][] = [
  ['1h', '5m', 'Last hour'],
  ['24h', '1h', 'Last 24 hours'],
  ['7d', '1d', 'Last 7 days'],
  ['30d', '1d', 'Last 30 days'],
  ['90d', '1d', 'Last 90 days'],
];

// Cost: what the organization's environments requested and cost over a
// window (a series by step, and by environment, service, creator or
// label), the forecast with its interval, and the savings; all one call of
// GET /v1/organization/usage.
export const costView: View = {
  route: '/cost',
  nav: 'Cost',
  title: () => 'Cost',
  render(root) {
    const windowSel = h('select', { id: 'cost-window' }, windows.map(([w, , label]) => h('option', { value: w }, label)));
    windowSel.value = '7d';
    const by = h('select', { id: 'cost-by' },
      h('option', { value: 'environment' }, 'Environment'), h('option', { value: 'service' }, 'Service'),
      h('option', { value: 'creator' }, 'Creator'), h('option', { value: 'label' }, 'Label'));
    const labelKey = h('input', { id: 'cost-label', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'team', value: 'team' });
    const labelBox = h('span', { class: 'inline-form', hidden: true }, h('label', { for: 'cost-label' }, 'Label key'), labelKey);
    const refresh = h('button', { type: 'submit' }, 'Show');
    const status = h('div', { class: 'status', id: 'cost-status', 'aria-live': 'polite' });
    const body = h('div', { id: 'cost' });
    let charts: (() => void)[] = [];
    const stopCharts = () => {
      for (const s of charts) s();
      charts = [];
    };

    const load = async () => {
      const [w, step] = windows.find(([v]) => v === windowSel.value) || windows[2];
      const aggregate = by.value === 'label' ? `label:${labelKey.value.trim()}` : by.value;
      const q = new URLSearchParams({ window: w, step, aggregate });
      replace(status, 'Loading…');
      try {
        const { data } = await call<OrganizationUsage>('GET', `/v1/organization/usage?${q}`);
        stopCharts();
        replace(body, ...show(data, (s) => charts.push(s)));
        replace(status, `${new Date(data.start).toLocaleString()} to ${new Date(data.end).toLocaleString()}, by ${data.aggregate}`);
      } catch (e) {
        replace(status, errorBox(`The usage could not be read: ${(e as ApiError).message}`));
      }
    };
    by.addEventListener('change', () => {
      labelBox.hidden = by.value !== 'label';
      if (by.value !== 'label') void load();
    });
    windowSel.addEventListener('change', () => void load());
    const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Usage' },
      h('label', { for: 'cost-window' }, 'Window'), windowSel,
      h('label', { for: 'cost-by' }, 'Group by'), by, labelBox, refresh);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void load();
    });
    replace(root, h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Cost')),
      h('p', { class: 'help' }, 'Requests × hours run × the organization\'s prices; stopped time costs nothing.'),
      form, status, body);
    void load();
    return stopCharts;
  },
};

function show(u: OrganizationUsage, keep: (stop: () => void) => void): HTMLElement[] {
  const cur = u.pricing.currency || 'USD';
  const money = moneyFormat(cur);
  const chart = (id: string, name: string, draw: (w: number) => SVGElement) => {
    const c = responsive(id, name, draw);
    keep(c.stop);
    return c.element;
  };
  const series: Point[] = (u.series || []).map((p) => ({ key: p.start, label: stepLabel(p.start, u), value: Number(p.cost), raw: p.cost }));
  const groups: Point[] = (u.groups || []).map((g) => ({ key: g.key || '', label: g.key || '(none)', value: Number(g.cost), raw: g.cost }));
  const what = u.aggregate.startsWith('label:') ? `label ${u.aggregate.slice(6)}` : u.aggregate;
  const f = u.forecast;
  const rows: Row[] = [['Rest of the month', 'restOfMonth'], ['Next 30 days', 'next30Days']].map(([label, k]) => {
    const t = f.trend?.[k as 'restOfMonth'];
    return { label, expected: num(t?.expected), low: num(t?.low), high: num(t?.high),
      runRate: Number(f.runRate[k as 'restOfMonth'].expected) };
  });
  const range = (r: CostRange | undefined) => !r ? '—' : r.low !== undefined && r.high !== undefined
    ? `${money(Number(r.expected))} (90% interval ${money(Number(r.low))} to ${money(Number(r.high))})` : money(Number(r.expected));
  return [
    h('dl', { class: 'meta', id: 'cost-total' },
      h('dt', {}, 'Cost'), h('dd', { 'data-value': u.total.cost }, money(Number(u.total.cost))),
      h('dt', {}, 'CPU'), h('dd', {}, `${Number(u.total.usage.cpuCoreHours)} core-hours`),
      h('dt', {}, 'Memory'), h('dd', {}, `${Number(u.total.usage.memoryGiBHours)} GiB-hours`),
      h('dt', {}, 'Replicas'), h('dd', {}, `${Number(u.total.usage.replicaHours)} replica-hours`)),

    h('h2', { id: 'series-title' }, 'Cost over time'),
    series.length ? chart('usage-chart', `Cost per step of the window, ${series.length} steps`, columnChart(series, money)) : h('p', {}, 'No series.'),
    figures('usage-series', 'Cost per step', ['Step', 'Cost', 'CPU core-hours', 'Memory GiB-hours', 'Replica-hours'],
      (u.series || []).map((p) => [new Date(p.start).toLocaleString(), money(Number(p.cost)), ...usageCells(p)])),

    h('h2', {}, `By ${what}`),
    groups.length ? chart('groups-chart', `Cost by ${what}`, barRows(groups, money)) : h('p', {}, 'Nothing ran in the window.'),
    figures('usage-groups', `Cost by ${what}`, [cap(what), 'Cost', 'CPU core-hours', 'Memory GiB-hours', 'Replica-hours'],
      (u.groups || []).map((g) => [g.key || '(none)', money(Number(g.cost)), ...usageCells(g)]), true),

    h('h2', {}, 'Forecast'),
    chart('forecast-chart', 'Forecast: the trend\'s expected cost with its 90% interval, and the run rate', intervalChart(rows, money)),
    h('p', { class: 'help legend' }, h('span', { class: 'key-expected' }, '●'), ' trend, with its 90% interval as a line; ',
      h('span', { class: 'key-run-rate' }, '|'), ' run rate: what runs now, at its requests'),
    h('dl', { class: 'meta', id: 'forecast' },
      h('dt', {}, 'Run rate, rest of the month'), h('dd', {}, money(Number(f.runRate.restOfMonth.expected))),
      h('dt', {}, 'Run rate, next 30 days'), h('dd', {}, money(Number(f.runRate.next30Days.expected))),
      h('dt', {}, 'Trend, rest of the month'), h('dd', { id: 'trend-month' }, f.trend ? range(f.trend.restOfMonth) : '—'),
      h('dt', {}, 'Trend, next 30 days'), h('dd', { id: 'trend-30' }, f.trend ? range(f.trend.next30Days) : '—'),
      f.trend ? [h('dt', {}, 'Model'), h('dd', {}, `${f.trend.model}, ${f.trend.historyDays} days of history`)] : null,
      f.trend?.backTest ? [h('dt', {}, 'Back test'), h('dd', {},
        `last ${f.trend.backTest.days} days: mean absolute error ${money(Number(f.trend.backTest.meanAbsoluteError))} ` +
        `(${f.trend.backTest.meanAbsolutePercentageError}%), ${Math.round(Number(f.trend.backTest.coverage) * 100)}% inside the interval`)] : null),
    f.message ? h('p', { class: 'help', id: 'forecast-message' }, f.message) : h('span'),

    h('h2', {}, 'Savings'),
    h('dl', { class: 'meta', id: 'savings' },
      h('dt', {}, 'Stops and auto-shutdown'), h('dd', { 'data-value': u.savings.stops }, money(Number(u.savings.stops))),
      h('dt', {}, 'Overlays instead of copies'), h('dd', { 'data-value': u.savings.overlays }, money(Number(u.savings.overlays)))),
    u.savings.recommendations?.length
      ? h('ul', { id: 'recommendations' }, u.savings.recommendations.map((r) => h('li', { 'data-environment': r.environment },
        h('strong', {}, r.environment), ` (${r.reason}, ${money(Number(r.next30Days))} in the next 30 days): ${r.message}`)))
      : h('p', { class: 'help' }, 'No recommendations.'),
  ];
}

function usageCells(g: UsageGroup): string[] {
  return [g.usage.cpuCoreHours, g.usage.memoryGiBHours, g.usage.replicaHours].map((v) => String(Number(v)));
}

// figures is a chart's table: in a disclosure, unless open.
function figures(id: string, caption: string, head: string[], rows: string[][], open = false): HTMLElement {
  return h('details', { class: 'figures', open },
    h('summary', {}, `${caption}: the figures`),
    h('table', { class: 'list', id },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h('td', { 'data-label': head[i] }, c)))))));
}

function stepLabel(start: string, u: OrganizationUsage): string {
  const d = new Date(start);
  const long = Date.parse(u.end) - Date.parse(u.start) > 2 * 86400_000;
  return long ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

function moneyFormat(currency: string): (v: number) => string {
  const make = (digits: number) => {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: digits });
    } catch {
      return new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: digits });
    }
  };
  const coarse = make(2);
  const fine = make(6);
  return (v) => (Math.abs(v) >= 1 || v === 0 ? coarse : fine).format(v);
}

function num(s: string | undefined): number | undefined {
  return s === undefined ? undefined : Number(s);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
