import { ApiError, EndpointDiff, Environment, EnvironmentDiff, FieldDiff, call, envPath } from '../api.js';
import { age, badge, errorBox, h, replace } from '../dom.js';
import { View, href } from '../router.js';

// The behavioural diffs of an overlay (GET /v1/environments/{id}/diffs):
// per endpoint the requests compared, per field how often the overlay
// (candidate) answered otherwise than the baseline (primary), raw, against
// how often a second instance of the baseline did, noise; the server's
// verdict; and the examples, the baseline's and the overlay's value side by
// side. Every value is what a service answered: text, never markup.
export const diffsView: View = {
  route: '/environments/:id/diffs',
  title: (p) => `Diffs of ${p.id}`,
  render(root, { id }) {
    const status = h('div', { id: 'diffs-status', class: 'status', 'aria-live': 'polite' });
    const report = h('div', { id: 'diffs' });
    const refresh = h('button', { type: 'button', id: 'diffs-refresh' }, 'Refresh');
    const load = async () => {
      refresh.disabled = true;
      replace(status, 'Reading the diffs…');
      try {
        const [diff, env] = await Promise.all([
          call<EnvironmentDiff>('GET', `${envPath(id)}/diffs`).then((a) => a.data),
          call<Environment>('GET', envPath(id)).then((a) => a.data, () => undefined),
        ]);
        const endpoints = diff.report.endpoints || [];
        if (!endpoints.length) {
          replace(status, 'Empty report: no request compared yet.');
          replace(report, h('p', { id: 'diffs-empty', class: 'card' },
            'No request has been compared for this overlay yet. ',
            env?.spec.shadow?.enabled
              ? 'Shadow traffic is on: once the baseline is sent requests, whatever the overlay answers otherwise shows here.'
              : ['Shadow traffic is off: turn it on on ', h('a', { href: href(`/environments/${encodeURIComponent(id)}`) }, 'the overlay\'s page'),
                ', and whatever the overlay answers otherwise than the baseline shows here.']));
          return;
        }
        const differing = endpoints.reduce((n, e) => n + (e.fields || []).filter((f) => f.verdict === 'Difference').length, 0);
        const requests = endpoints.reduce((n, e) => n + e.requests, 0);
        replace(status, `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}, ${requests} request${requests === 1 ? '' : 's'} compared; `,
          `${differing} field${differing === 1 ? '' : 's'} differ${differing === 1 ? 's' : ''} beyond the noise`,
          diff.report.updated ? ['; last compared ', h('time', { datetime: diff.report.updated }, `${age(diff.report.updated)} ago`)] : null, '.');
        replace(report, endpoints.map(endpointSection));
      } catch (e) {
        const err = e as ApiError;
        replace(status, errorBox(err.status === 404 ? `There is no environment ${id}.` : `The diffs could not be read: ${err.message}`));
        replace(report);
      } finally {
        refresh.disabled = false;
      }
    };
    refresh.addEventListener('click', () => void load());
    replace(root,
      h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, `Diffs of ${id}`)),
      h('p', {}, h('a', { href: href(`/environments/${encodeURIComponent(id)}`) }, `← ${id}`)),
      h('p', { class: 'help' }, 'Raw: requests on which the overlay answered otherwise than the baseline. Noise: requests on which a second instance of the baseline did. A field is a Difference when raw clearly beats noise.'),
      h('div', { class: 'actions' }, refresh),
      status, report);
    void load();
  },
};

let sections = 0; // ids for the headings that name each endpoint's tables

function endpointSection(e: EndpointDiff): HTMLElement {
  const title = `endpoint-${++sections}`;
  const fields = e.fields || [];
  const withExamples = fields.filter((f) => f.examples?.length);
  return h('section', { class: 'endpoint', 'data-endpoint': e.endpoint, 'data-requests': e.requests, 'aria-labelledby': title },
    h('h2', { id: title }, h('code', {}, e.endpoint)),
    h('p', { class: 'sub' }, `${e.requests} request${e.requests === 1 ? '' : 's'} compared`,
      e.lastSeen ? ['; last ', h('time', { datetime: e.lastSeen }, `${age(e.lastSeen)} ago`)] : null),
    fields.length
      ? h('table', { class: 'list fields', 'aria-labelledby': title },
        h('thead', {}, h('tr', {}, ...['Field', 'Verdict', 'Kind', 'Raw (baseline vs overlay)', 'Noise (baseline vs baseline)'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, fields.map((f) => fieldRow(f))))
      : h('p', { class: 'help' }, 'No field differed.'),
    withExamples.map((f, i) => examples(f, `${title}-examples-${i}`)));
}

function fieldRow(f: FieldDiff): HTMLElement {
  return h('tr', {
    'data-field': f.field, 'data-verdict': f.verdict, 'data-kind': f.kind || '',
    'data-raw': f.raw, 'data-noise': f.noise, 'data-raw-rate': f.rawRate, 'data-noise-rate': f.noiseRate,
  },
  h('td', { 'data-label': 'Field', class: 'field' }, h('code', {}, f.field)),
  h('td', { 'data-label': 'Verdict' }, badge(f.verdict)),
  h('td', { 'data-label': 'Kind' }, f.kind || ''),
  h('td', { 'data-label': 'Raw', class: 'raw' }, `${f.raw} (${percent(f.rawRate)})`),
  h('td', { 'data-label': 'Noise', class: 'noise' }, `${f.noise} (${percent(f.noiseRate)})`));
}

// examples puts the baseline's and the overlay's value of each example
// side by side (stacked on a phone), as the JSON text the report holds.
function examples(f: FieldDiff, title: string): HTMLElement {
  const value = (v: string | undefined) => (v === undefined || v === '' ? h('span', { class: 'absent' }, '(absent)') : h('pre', {}, v));
  return h('div', { class: 'examples', 'data-field': f.field },
    h('h3', { id: title }, 'Examples of ', h('code', {}, f.field)),
    h('table', { class: 'list side-by-side', 'aria-labelledby': title },
      h('thead', {}, h('tr', {}, ...['Request', 'Baseline (primary)', 'Overlay (candidate)'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, (f.examples || []).map((x) => h('tr', { class: 'example' },
        h('td', { 'data-label': 'Request', class: 'request' }, h('code', {}, x.request)),
        h('td', { 'data-label': 'Baseline', class: 'primary' }, value(x.primary)),
        h('td', { 'data-label': 'Overlay', class: 'candidate' }, value(x.candidate)))))));
}

// percent shows a rate of the report (a decimal from 0 to 1) in percent.
function percent(rate: string): string {
  const n = Number(rate);
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : rate;
}
