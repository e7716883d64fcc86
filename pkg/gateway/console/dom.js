export function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (typeof v === 'function')
            el.addEventListener(k.slice(2), v);
        else if (v === true)
            el.setAttribute(k, '');
        else if (v !== false && v !== null && v !== undefined)
            el.setAttribute(k, String(v));
    }
    append(el, children);
    return el;
}
export function append(el, children) {
    for (const c of children.flat()) {
        if (c === null || c === undefined || c === false)
            continue;
        el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    }
}
export function replace(el, ...children) {
    while (el.firstChild)
        el.removeChild(el.firstChild);
    append(el, children);
}
export function age(t, now = Date.now()) {
    if (!t)
        return '';
    const s = Math.max(0, Math.floor((now - Date.parse(t)) / 1000));
    if (s < 60)
        return `${s}s`;
    if (s < 3600)
        return `${Math.floor(s / 60)}m`;
    if (s < 86400)
        return `${Math.floor(s / 3600)}h`;
    return `${Math.floor(s / 86400)}d`;
}
export function badge(word) {
    const w = word || 'Unknown';
    return h('span', { class: `badge badge-${w.toLowerCase()}` }, w);
}
export function errorBox(message) {
    return h('p', { class: 'error', role: 'alert' }, message);
}
const svgNS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
    const el = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs))
        if (v !== undefined)
            el.setAttribute(k, String(v));
    append(el, children);
    return el;
}
