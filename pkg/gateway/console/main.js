import { clearSession, currentSession, signedOut } from './api.js';
import { h, replace } from './dom.js';
import { go, href, match } from './router.js';
import { views } from './views.js';
import { renderSignIn } from './views/signin.js';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let cleanup;
let notice = '';
function shell() {
    const s = currentSession();
    replace(nav, s ? views.filter((v) => v.nav).map((v) => h('a', { href: href(v.route), 'data-route': v.route }, v.nav)) : []);
    replace(who, s ? [h('span', { class: 'org' }, s.org), h('button', { type: 'button', id: 'signout', onclick: signOut }, 'Sign out')] : []);
}
function signOut() {
    clearSession();
    notice = 'Signed out.';
    show();
}
function show() {
    if (cleanup)
        cleanup();
    cleanup = undefined;
    shell();
    if (!currentSession()) {
        document.title = 'Sign in · MicroStax console';
        renderSignIn(main, notice, () => {
            notice = '';
            if (!location.hash || location.hash === '#/')
                go('/environments');
            else
                show();
        });
        return;
    }
    const path = location.hash.replace(/^#/, '') || '/environments';
    const found = match(views, path);
    for (const a of nav.querySelectorAll('a')) {
        if (path.startsWith(a.dataset.route || '\0'))
            a.setAttribute('aria-current', 'page');
        else
            a.removeAttribute('aria-current');
    }
    if (!found) {
        document.title = 'Not found · MicroStax console';
        replace(main, h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, 'No view at ', path, '. ', h('a', { href: href('/environments') }, 'Environments')));
    }
    else {
        const [view, params] = found;
        document.title = `${view.title(params)} · MicroStax console`;
        cleanup = view.render(main, params);
    }
    main.querySelector('h1')?.focus();
}
signedOut.addEventListener('signedout', (ev) => {
    clearSession();
    notice = `The gateway refused the session's token: ${ev.detail}. Sign in again.`;
    show();
});
window.addEventListener('hashchange', show);
show();
