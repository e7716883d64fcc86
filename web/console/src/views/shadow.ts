import { ApiError, Cause, Environment, ShadowSettings, call, envPath } from '../api.js';
import { age, errorBox, h, replace } from '../dom.js';
import { href } from '../router.js';

// shadowPanel is an overlay's shadow traffic: whether a share of the
// baseline's requests is mirrored to it, and how large a share. Save is
// PATCH /v1/environments/{id}/shadow with {enabled, percent}; the server
// judges the settings (refusals are shown at their field paths, and at the
// control the path names); then the environment is read again, so what is
// shown is what is stored. The diffs the mirroring finds have a view of
// their own (views/diffs.ts).
export function shadowPanel(id: string) {
  const state = h('p', { id: 'shadow-state' });
  const enabled = h('input', { id: 'shadow-enabled', type: 'checkbox', 'aria-describedby': 'shadow-enabled-error' });
  const percent = h('input', {
    id: 'shadow-percent', type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric',
    'aria-describedby': 'shadow-percent-help shadow-percent-error',
  });
  // A refusal's message beside the control its field path names.
  const fieldErrors: Record<string, [HTMLInputElement, HTMLElement]> = {
    'spec.shadow.enabled': [enabled, h('p', { id: 'shadow-enabled-error', class: 'error field-error', hidden: true })],
    'spec.shadow.percent': [percent, h('p', { id: 'shadow-percent-error', class: 'error field-error', hidden: true })],
  };
  const save = h('button', { type: 'submit', id: 'shadow-save', class: 'primary' }, 'Save shadow settings');
  const result = h('div', { id: 'shadow-result', 'aria-live': 'polite' });
  let edited = false; // the form keeps what the user typed over a refresh of the environment

  const clearErrors = () => {
    for (const [input, message] of Object.values(fieldErrors)) {
      input.removeAttribute('aria-invalid');
      message.hidden = true;
      replace(message);
    }
  };
  const showCauses = (causes: Cause[]) => {
    for (const c of causes) {
      const at = fieldErrors[c.field || ''];
      if (!at) continue;
      at[0].setAttribute('aria-invalid', 'true');
      at[1].hidden = false;
      replace(at[1], c.message || c.reason || 'refused');
    }
  };

  const show = (s: ShadowSettings | undefined) => {
    const on = !!s?.enabled;
    const share = s?.percent ?? 100;
    state.dataset.enabled = String(on);
    state.dataset.percent = String(share);
    if (on) {
      replace(state, h('strong', {}, 'On'), `: ${share}% of the baseline's ${(s?.methods || ['GET', 'HEAD', 'OPTIONS']).join(', ')} requests copied to `,
        s?.services?.length ? s.services.join(', ') : 'every service this overlay changes',
        s?.since ? [', since ', h('time', { datetime: s.since }, `${age(s.since)} ago`)] : null, '.');
    } else {
      replace(state, h('strong', {}, 'Off'), ': no traffic is mirrored to this overlay.');
    }
    if (!edited) {
      enabled.checked = on;
      percent.value = String(share);
    }
  };

  const form = h('form', { id: 'shadow-form', class: 'shadow-form', novalidate: true, 'aria-label': 'Shadow settings' },
    h('div', { class: 'check' }, enabled, h('label', { for: 'shadow-enabled' }, 'Mirror the baseline\'s traffic to this overlay')),
    fieldErrors['spec.shadow.enabled'][1],
    h('label', { for: 'shadow-percent' }, 'Share of the baseline\'s requests copied (percent)'),
    h('p', { class: 'help', id: 'shadow-percent-help' }, 'From 0 to 100; the n-th request is copied when n × percent / 100 reaches a new whole number.'),
    percent,
    fieldErrors['spec.shadow.percent'][1],
    h('div', { class: 'actions' }, save),
    result);
  for (const input of [enabled, percent]) input.addEventListener('input', () => { edited = true; });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body: ShadowSettings = { enabled: enabled.checked };
    if (percent.value.trim() !== '') body.percent = Number(percent.value);
    save.disabled = true;
    clearErrors();
    replace(result, h('p', {}, 'Saving…'));
    try {
      await call<ShadowSettings>('PATCH', `${envPath(id)}/shadow`, { body });
      edited = false;
      show((await call<Environment>('GET', envPath(id))).data.spec.shadow);
      replace(result, h('p', { class: 'ok', id: 'shadow-saved' }, `Saved: shadow traffic ${body.enabled ? 'on' : 'off'}.`));
    } catch (e) {
      const err = e as ApiError;
      showCauses(err.causes);
      replace(result, errorBox(`The server refused the shadow settings: ${err.message}`),
        err.causes.length ? h('ul', { class: 'causes', id: 'shadow-causes' }, err.causes.map((c) =>
          h('li', { 'data-field': c.field || '' }, h('code', {}, c.field || '(request)'), `: ${c.message || c.reason || ''}`))) : null);
      (err.causes.map((c) => fieldErrors[c.field || '']?.[0]).find(Boolean) || save).focus();
    } finally {
      save.disabled = false;
    }
  });

  const element = h('section', { class: 'shadow', id: 'shadow', 'aria-labelledby': 'shadow-title' },
    h('h2', { id: 'shadow-title' }, 'Shadow traffic'),
    h('p', { class: 'help' }, 'Copies of the baseline\'s own requests go to this overlay\'s version of the services it changes, and to a second instance of the baseline\'s as the noise reference; the answers are compared field by field. Callers are only ever answered by the baseline.'),
    state, form,
    h('p', {}, h('a', { id: 'diffs-link', href: href(`/environments/${encodeURIComponent(id)}/diffs`) }, 'Behavioural diffs of this overlay')));
  return { element, show };
}
