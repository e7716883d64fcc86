import { call } from '../api.js';
import { age, badge, errorBox, h, replace } from '../dom.js';
import { href } from '../router.js';
export const environmentsView = {
    route: '/environments',
    nav: 'Environments',
    title: () => 'Environments',
    render(root) {
        const state = h('select', { id: 'filter-state' }, h('option', { value: '' }, 'All'), h('option', { value: 'active' }, 'Active'), h('option', { value: 'historical' }, 'Historical'));
        const name = h('input', { id: 'filter-name', type: 'search', autocomplete: 'off', placeholder: 'name or display name' });
        const refresh = h('button', { type: 'button' }, 'Refresh');
        const body = h('tbody');
        const status = h('div', { 'aria-live': 'polite', class: 'status' });
        const more = h('button', { type: 'button', hidden: true }, 'Load more');
        let items = [];
        let next = '';
        const show = () => {
            const f = name.value.trim().toLowerCase();
            const rows = items.filter((e) => !f || e.name.toLowerCase().includes(f) || (e.displayName || '').toLowerCase().includes(f));
            replace(body, rows.map(row));
            replace(status, rows.length ? `${rows.length} environment${rows.length === 1 ? '' : 's'}` : 'No environments match.');
        };
        const load = async (append) => {
            const q = new URLSearchParams({ limit: '100' });
            if (state.value)
                q.set('state', state.value);
            if (append && next)
                q.set('continue', next);
            try {
                const { data } = await call('GET', `/v1/environments?${q}`);
                items = append ? items.concat(data.items) : data.items;
                next = data.continue || '';
                more.hidden = !next;
                show();
            }
            catch (e) {
                replace(status, errorBox(`The list could not be read: ${e.message}`));
            }
        };
        state.addEventListener('change', () => load(false));
        name.addEventListener('input', show);
        refresh.addEventListener('click', () => load(false));
        more.addEventListener('click', () => load(true));
        replace(root, h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Environments'), h('a', { class: 'button', href: href('/create') }, 'Create an environment')), h('div', { class: 'filters', role: 'search' }, h('label', { for: 'filter-state' }, 'State'), state, h('label', { for: 'filter-name' }, 'Name'), name, refresh), h('table', { class: 'list', id: 'environments' }, h('caption', { class: 'visually-hidden' }, 'Environments of the organization'), h('thead', {}, h('tr', {}, ...['Name', 'State', 'Phase', 'Health', 'Created by', 'Age', 'Deleted'].map((c) => h('th', { scope: 'col' }, c)))), body), status, more);
        void load(false);
    },
};
function row(e) {
    const name = e.state === 'active'
        ? h('a', { href: href(`/environments/${encodeURIComponent(e.name)}`) }, e.name)
        : h('span', {}, e.name);
    return h('tr', { 'data-name': e.name, 'data-state': e.state }, h('td', { 'data-label': 'Name' }, name, e.displayName ? h('span', { class: 'sub' }, e.displayName) : null, e.baseline ? h('span', { class: 'sub' }, 'overlay of ', h('a', { href: href('/branches') }, e.baseline)) : null), h('td', { 'data-label': 'State' }, e.state), h('td', { 'data-label': 'Phase' }, e.state === 'active' ? badge(e.phase) : '—'), h('td', { 'data-label': 'Health', class: 'health' }, health(e)), h('td', { 'data-label': 'Created by' }, e.createdBy || ''), h('td', { 'data-label': 'Age' }, h('time', { datetime: e.createdAt || '' }, age(e.createdAt))), h('td', { 'data-label': 'Deleted' }, e.deletedAt ? h('time', { datetime: e.deletedAt }, `${age(e.deletedAt)} ago`) : ''));
}
function health(e) {
    const total = e.services ?? 0;
    if (e.state !== 'active' || e.healthyServices === undefined)
        return [`${total} service${total === 1 ? '' : 's'}`];
    const n = e.healthyServices;
    const word = total > 0 && n === total ? 'Healthy'
        : e.phase === 'Stopped' ? 'Stopped'
            : e.phase === 'Ready' || e.phase === 'Degraded' ? 'Unhealthy' : 'Pending';
    return [badge(word), ' ', h('span', { class: 'healthy-count', 'data-healthy': n, 'data-total': total }, `${n}/${total}`)];
}
