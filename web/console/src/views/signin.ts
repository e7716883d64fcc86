import { ApiError, call, saveSession, tokenOrganization } from '../api.js';
import { errorBox, h, replace } from '../dom.js';

// signIn asks the gateway to verify the token for its organization before
// keeping it; a refused token says why, in the server's words.
export function renderSignIn(root: HTMLElement, notice: string, done: () => void): void {
  const token = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const org = h('input', { id: 'org', name: 'org', type: 'text', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = h('div', { id: 'signin-status', 'aria-live': 'polite' });
  if (notice) replace(status, errorBox(notice));
  token.addEventListener('input', () => {
    const o = tokenOrganization(token.value.trim());
    if (o && !org.dataset.edited) org.value = o;
  });
  org.addEventListener('input', () => (org.dataset.edited = '1'));
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card signin', novalidate: true },
    h('h1', { tabindex: '-1' }, 'Sign in to MicroStax'),
    h('p', {}, 'Paste a MicroStax token. It is kept in this tab only (session storage) and sent to this gateway alone.'),
    h('label', { for: 'token' }, 'Token'), token,
    h('label', { for: 'org' }, 'Organization'), org,
    h('div', { class: 'actions' }, button),
    status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const session = { token: token.value.trim(), org: org.value.trim() };
    if (!session.token || !session.org) {
      replace(status, errorBox('Both a token and an organization are needed.'));
      return;
    }
    button.disabled = true;
    replace(status, h('p', {}, 'Verifying the token…'));
    try {
      await call('GET', '/v1/identity/verify', { session });
      saveSession(session);
      done();
    } catch (e) {
      replace(status, errorBox(refusal(e as ApiError)));
      button.disabled = false;
    }
  });
  replace(root, form);
  token.focus();
}

function refusal(e: ApiError): string {
  switch (e.status) {
    case 401:
      return `The gateway refused this token: ${e.message}. Ask for a new token (stax-apiserver mint-token) and try again.`;
    case 403:
      return `This token may not act for that organization: ${e.message}.`;
    case 429:
      return `Too many attempts: ${e.message}. Wait a minute and try again.`;
    default:
      return `Sign-in failed: ${e.message}`;
  }
}
