import { ApiError, Baseline, call } from '../api.js';
import { age, badge, errorBox, h, replace } from '../dom.js';
import { View, href } from '../router.js';

// Baselines: environments promoted to a stable base, their blueprint
// frozen. Their overlays as a tree are the branches view.
export const baselinesView: View = {
  route: '/baselines',
  nav: 'Baselines',
  title: () => 'Baselines',
  render(root) {
    const body = h('tbody');
    const status = h('div', { 'aria-live': 'polite', class: 'status' });
    replace(root,
      h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Baselines')),
      h('p', { class: 'help' }, 'Promote a Ready environment from its page to make a baseline.'),
      h('table', { class: 'list', id: 'baselines' },
        h('thead', {}, h('tr', {}, ...['Name', 'Environment', 'Phase', 'Services', 'Overlays', 'Age'].map((c) => h('th', { scope: 'col' }, c)))),
        body),
      status);
    call<{ items: Baseline[] }>('GET', '/v1/baselines').then(({ data }) => {
      replace(body, data.items.map((b) => h('tr', { 'data-name': b.metadata.name },
        h('td', { 'data-label': 'Name' }, h('a', { href: href(`/baselines/${encodeURIComponent(b.metadata.name)}`) }, b.metadata.name)),
        h('td', { 'data-label': 'Environment' }, h('a', { href: href(`/environments/${encodeURIComponent(b.spec.environmentRef.name)}`) }, b.spec.environmentRef.name)),
        h('td', { 'data-label': 'Phase' }, badge(b.status?.phase)),
        h('td', { 'data-label': 'Services' }, b.status?.blueprint?.services?.length ?? 0),
        h('td', { 'data-label': 'Overlays' }, b.status?.overlays ?? 0),
        h('td', { 'data-label': 'Age' }, age(b.metadata.creationTimestamp)))));
      replace(status, data.items.length ? `${data.items.length} baseline${data.items.length === 1 ? '' : 's'}` : 'No baselines yet.');
    }, (e: ApiError) => replace(status, errorBox(`The baselines could not be read: ${e.message}`)));
  },
};

export const baselineView: View = {
  route: '/baselines/:id',
  title: (p) => `Baseline ${p.id}`,
  render(root, { id }) {
    const head = h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, id));
    const body = h('div', {}, h('p', {}, 'Loading…'));
    replace(root, head, h('p', {}, h('a', { href: href('/baselines') }, '← All baselines')), body);
    call<Baseline>('GET', `/v1/baselines/${encodeURIComponent(id)}`).then(({ data: b }) => {
      head.appendChild(badge(b.status?.phase));
      replace(body,
        h('dl', { class: 'meta' },
          h('dt', {}, 'Environment'), h('dd', {}, h('a', { href: href(`/environments/${encodeURIComponent(b.spec.environmentRef.name)}`) }, b.spec.environmentRef.name)),
          h('dt', {}, 'Created'), h('dd', {}, `${age(b.metadata.creationTimestamp)} ago`),
          h('dt', {}, 'Overlays'), h('dd', {}, b.status?.overlays ?? 0, ' (', h('a', { href: href('/branches') }, 'the branches'), ')')),
        h('p', {}, h('a', { class: 'button', href: href(`/branches/${encodeURIComponent(id)}/new`) }, 'Create an overlay')),
        h('h2', {}, 'Frozen blueprint'),
        h('ul', { id: 'baseline-services' }, (b.status?.blueprint?.services || []).map((s) => h('li', {}, s.name))));
    }, (e: ApiError) => replace(body, errorBox(e.status === 404 ? `There is no baseline ${id}.` : e.message)));
  },
};
