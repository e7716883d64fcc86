import { h } from '../dom.js';

// shadowPanel is the place of an overlay's shadow traffic controls (on/off
// and the percent of the baseline's requests mirrored to the overlay). Not
// built yet: PATCH /v1/environments/{id}/shadow answers 501 until its
// feature lands, and its body is not settled; when it is, the control goes
// here (docs/console.md, "Not built yet").
export function shadowPanel(): HTMLElement {
  return h('section', { class: 'shadow', id: 'shadow', 'aria-labelledby': 'shadow-title' },
    h('h2', { id: 'shadow-title' }, 'Shadow traffic'),
    h('p', { class: 'help' }, 'Mirroring a share of the baseline\'s requests to this overlay: not in the console yet (its API, PATCH /v1/environments/{id}/shadow, is still being built).'));
}
