import { h } from '../dom.js';
export function shadowPanel() {
    return h('section', { class: 'shadow', id: 'shadow', 'aria-labelledby': 'shadow-title' }, h('h2', { id: 'shadow-title' }, 'Shadow traffic'), h('p', { class: 'help' }, 'Mirroring a share of the baseline\'s requests to this overlay: not in the console yet (its API, PATCH /v1/environments/{id}/shadow, is still being built).'));
}
