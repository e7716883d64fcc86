const sessionKey = 'stax.console.session';
export function currentSession() {
    try {
        const s = JSON.parse(sessionStorage.getItem(sessionKey) || 'null');
        return s && typeof s.token === 'string' && typeof s.org === 'string' ? s : null;
    }
    catch {
        return null;
    }
}
export function saveSession(s) {
    sessionStorage.setItem(sessionKey, JSON.stringify(s));
}
export function clearSession() {
    sessionStorage.removeItem(sessionKey);
}
export function tokenOrganization(token) {
    try {
        const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
        const claims = JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
        return typeof claims.org === 'string' ? claims.org : '';
    }
    catch {
        return '';
    }
}
export class ApiError extends Error {
    status;
    reason;
    causes;
    constructor(status, reason, message, causes = []) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.causes = causes;
    }
}
export const signedOut = new EventTarget();
export async function call(method, path, opts = {}) {
    const s = opts.session || currentSession();
    if (!s)
        throw new ApiError(401, 'Unauthorized', 'not signed in');
    const headers = { Authorization: `Bearer ${s.token}`, 'X-Organization-ID': s.org };
    let body;
    if (opts.body !== undefined) {
        headers['Content-Type'] = opts.contentType || 'application/json';
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    let resp;
    try {
        resp = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store' });
    }
    catch (e) {
        throw new ApiError(0, 'NetworkError', `the gateway could not be reached (${e.message})`);
    }
    let env = {};
    try {
        env = await resp.json();
    }
    catch {
    }
    if (!resp.ok) {
        const e = env.error || {};
        const err = new ApiError(resp.status, e.reason || resp.statusText, e.message || `${method} ${path}: ${resp.status}`, e.details?.causes || []);
        if (resp.status === 401 && !opts.session)
            signedOut.dispatchEvent(new CustomEvent('signedout', { detail: err.message }));
        throw err;
    }
    return { data: env.data, headers: resp.headers };
}
function base64url(s) {
    const bytes = new TextEncoder().encode(s);
    let bin = '';
    for (const b of bytes)
        bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export function stream(path, params, onMessage, onClose) {
    const s = currentSession();
    if (!s)
        return null;
    const q = new URLSearchParams({ ...params, organization: s.org });
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}?${q}`;
    const ws = new WebSocket(url, [`base64url.bearer.authorization.k8s.io.${base64url(s.token)}`, 'stax.v1']);
    ws.onmessage = (ev) => onMessage(typeof ev.data === 'string' ? ev.data : '');
    ws.onclose = (ev) => onClose(ev.reason, ev.code);
    return ws;
}
export async function listEnvironments(state = '') {
    let items = [];
    let next = '';
    do {
        const q = new URLSearchParams({ limit: '500' });
        if (state)
            q.set('state', state);
        if (next)
            q.set('continue', next);
        const { data } = await call('GET', `/v1/environments?${q}`);
        items = items.concat(data.items);
        next = data.continue || '';
    } while (next);
    return items;
}
export const envPath = (name) => `/v1/environments/${encodeURIComponent(name)}`;
