import { ApiError, Baseline, Environment, EnvironmentSummary, OverlayRequest, ServiceChange, call, envPath, listEnvironments } from '../api.js';
import { badge, errorBox, h, replace } from '../dom.js';
import { View, go, href } from '../router.js';

// Branches: each baseline with its overlays as a tree, and under each
// overlay which services it runs itself (own) and which it reaches in the
// baseline (shared), as the overlay's status.services says. Overlays are
// the active environments whose baseline is the node's
// (GET /v1/environments); each overlay's services come from its own GET.
export const branchesView: View = {
  route: '/branches',
  nav: 'Branches',
  title: () => 'Branches',
  render(root) {
    const tree = h('ul', { class: 'tree', id: 'branches' });
    const status = h('div', { 'aria-live': 'polite', class: 'status' });
    replace(root,
      h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Branches')),
      h('p', { class: 'help' }, 'Baselines and the overlays branched from them. An overlay runs the services it changes (own) and shares the rest with its baseline.'),
      tree, status);
    (async () => {
      const [baselines, envs] = await Promise.all([
        call<{ items: Baseline[] }>('GET', '/v1/baselines').then((a) => a.data.items),
        listEnvironments('active'),
      ]);
      const overlays = envs.filter((e) => e.baseline);
      const details = new Map<string, Environment>();
      await Promise.all(overlays.map(async (o) => {
        try {
          details.set(o.name, (await call<Environment>('GET', envPath(o.name))).data);
        } catch {
          /* gone meanwhile: shown without its services */
        }
      }));
      replace(tree, baselines.map((b) => baselineNode(b, overlays.filter((o) => o.baseline === b.metadata.name), details)));
      replace(status, baselines.length
        ? `${baselines.length} baseline${baselines.length === 1 ? '' : 's'}, ${overlays.length} overlay${overlays.length === 1 ? '' : 's'}`
        : 'No baselines yet: promote a Ready environment from its page.');
    })().catch((e: ApiError) => replace(status, errorBox(`The branches could not be read: ${e.message}`)));
  },
};

function baselineNode(b: Baseline, overlays: EnvironmentSummary[], details: Map<string, Environment>): HTMLElement {
  const name = b.metadata.name;
  const frozen = b.status?.blueprint?.services || [];
  return h('li', { class: 'node node-baseline', 'data-baseline': name },
    h('div', { class: 'node-head' },
      h('span', { class: 'kind' }, 'baseline'), ' ',
      h('a', { href: href(`/baselines/${encodeURIComponent(name)}`) }, name), ' ', badge(b.status?.phase), ' ',
      h('span', { class: 'sub-inline' }, 'of ', h('a', { href: href(`/environments/${encodeURIComponent(b.spec.environmentRef.name)}`) }, b.spec.environmentRef.name)),
      ' ', h('a', { class: 'button', href: href(`/branches/${encodeURIComponent(name)}/new`), 'aria-label': `Create an overlay of ${name}` }, 'Create an overlay')),
    h('p', { class: 'services-line' }, `Services: ${frozen.map((s) => s.name).join(', ') || '—'}`),
    overlays.length
      ? h('ul', { class: 'tree' }, overlays.map((o) => overlayNode(o, details.get(o.name))))
      : h('p', { class: 'help' }, 'No overlays.'));
}

function overlayNode(o: EnvironmentSummary, env: Environment | undefined): HTMLElement {
  const services = env?.status?.services || [];
  const own = services.filter((s) => s.source !== 'shared');
  const shared = services.filter((s) => s.source === 'shared');
  return h('li', { class: 'node node-overlay', 'data-overlay': o.name },
    h('div', { class: 'node-head' },
      h('span', { class: 'kind' }, 'overlay'), ' ',
      h('a', { href: href(`/environments/${encodeURIComponent(o.name)}`) }, o.name), ' ', badge(o.phase),
      o.displayName ? h('span', { class: 'sub-inline' }, ` ${o.displayName}`) : null,
      env ? shadowState(o.name, env) : null),
    env
      ? h('ul', { class: 'tree services' },
        own.map((s) => h('li', { 'data-service': s.name, 'data-source': 'own' }, h('strong', {}, s.name), ' owns ', badge(s.health))),
        shared.map((s) => h('li', { 'data-service': s.name, 'data-source': 'shared' }, s.name, ' shared with the baseline')))
      : h('p', { class: 'help' }, 'Its services could not be read.'));
}

// Create an overlay of a baseline: a name and, per service it changes, a
// new image and environment variables (NAME=value, one a line; merged by
// name over the baseline's). The server merges and validates; its refusals
// are listed at their field paths.
export const newOverlayView: View = {
  route: '/branches/:baseline/new',
  title: (p) => `New overlay of ${p.baseline}`,
  render(root, { baseline }) {
    const name = h('input', { id: 'overlay-name', type: 'text', autocomplete: 'off', spellcheck: 'false', required: true });
    const display = h('input', { id: 'overlay-display', type: 'text', autocomplete: 'off' });
    const changes = h('div', { id: 'overlay-changes' });
    const add = h('button', { type: 'button', id: 'overlay-add' }, 'Change another service');
    const result = h('div', { id: 'overlay-result', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Create the overlay');
    let services: string[] = [];
    let rows = 0;

    const addRow = () => {
      const i = rows++;
      const service = h('select', { id: `change-${i}-service`, 'data-index': i }, services.map((s) => h('option', { value: s }, s)));
      const image = h('input', { id: `change-${i}-image`, type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'unchanged' });
      const env = h('textarea', { id: `change-${i}-env`, rows: 3, spellcheck: 'false', placeholder: 'NAME=value', 'aria-describedby': `change-${i}-env-help` });
      const remove = h('button', { type: 'button', class: 'link' }, 'Remove');
      const row = h('fieldset', { class: 'change', 'data-index': i },
        h('legend', {}, `Service change ${i + 1}`),
        h('label', { for: service.id }, 'Service'), service,
        h('label', { for: image.id }, 'Image'), image,
        h('label', { for: env.id }, 'Environment variables'),
        h('p', { class: 'help', id: `change-${i}-env-help` }, 'NAME=value, one a line; merged by name over the baseline\'s.'), env,
        remove);
      remove.addEventListener('click', () => {
        row.remove();
        add.focus();
      });
      changes.appendChild(row);
      return service;
    };
    add.addEventListener('click', () => addRow().focus());

    const request = (): OverlayRequest | string => {
      const out: ServiceChange[] = [];
      for (const row of changes.querySelectorAll('fieldset.change')) {
        const i = (row as HTMLElement).dataset.index;
        const c: ServiceChange = { name: (row.querySelector(`#change-${i}-service`) as HTMLSelectElement).value };
        const image = (row.querySelector(`#change-${i}-image`) as HTMLInputElement).value.trim();
        if (image) c.image = image;
        const lines = (row.querySelector(`#change-${i}-env`) as HTMLTextAreaElement).value.split('\n').map((l) => l.trim()).filter(Boolean);
        for (const l of lines) {
          const eq = l.indexOf('=');
          if (eq < 1) return `"${l}" is no NAME=value (service ${c.name}).`;
          (c.env ||= []).push({ name: l.slice(0, eq), value: l.slice(eq + 1) });
        }
        out.push(c);
      }
      const r: OverlayRequest = { name: name.value.trim(), services: out };
      if (display.value.trim()) r.displayName = display.value.trim();
      return r;
    };

    const form = h('form', { class: 'card', novalidate: true },
      h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, `New overlay of ${baseline}`)),
      h('p', {}, h('a', { href: href('/branches') }, '← Branches')),
      h('label', { for: 'overlay-name' }, 'Name'), name,
      h('label', { for: 'overlay-display' }, 'Display name (optional)'), display,
      h('h2', {}, 'Services it changes'),
      h('p', { class: 'help' }, 'The overlay runs these; it shares every other service with the baseline.'),
      changes,
      h('div', { class: 'actions' }, add, submit),
      result);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const r = request();
      if (typeof r === 'string') {
        replace(result, errorBox(r));
        return;
      }
      submit.disabled = true;
      replace(result, h('p', {}, 'Creating…'));
      try {
        const env = (await call<Environment>('POST', `/v1/baselines/${encodeURIComponent(baseline)}/overlays`, { body: r })).data;
        go(`/environments/${encodeURIComponent(env.metadata.name)}`);
      } catch (e) {
        const err = e as ApiError;
        replace(result, errorBox(`The server refused the overlay: ${err.message}`),
          err.causes.length ? h('ul', { class: 'causes', id: 'overlay-causes' }, err.causes.map((c) =>
            h('li', { 'data-field': c.field || '' }, h('code', {}, c.field || '(request)'), `: ${c.message || c.reason || ''}`))) : null);
      } finally {
        submit.disabled = false;
      }
    });
    replace(root, form);
    call<Baseline>('GET', `/v1/baselines/${encodeURIComponent(baseline)}`).then(({ data }) => {
      services = (data.status?.blueprint?.services || []).map((s) => s.name);
      name.value = `${baseline}-overlay`;
      addRow();
    }, (e: ApiError) => replace(root, h('h1', { tabindex: '-1' }, `New overlay of ${baseline}`),
      errorBox(e.status === 404 ? `There is no baseline ${baseline}.` : e.message), h('p', {}, h('a', { href: href('/branches') }, 'Branches'))));
  },
};

// shadowState says whether the overlay is shadowed and at what share, with
// its diffs; the controls are on the overlay's page (views/shadow.ts).
function shadowState(name: string, env: Environment): HTMLElement {
  const s = env.spec.shadow;
  return h('span', { class: 'sub-inline shadow-state', 'data-shadow': s?.enabled ? String(s.percent ?? 100) : 'off' },
    s?.enabled ? `shadow ${s.percent ?? 100}%` : 'shadow off', ' · ',
    h('a', { href: href(`/environments/${encodeURIComponent(name)}/diffs`), 'aria-label': `Diffs of ${name}` }, 'diffs'));
}
