// The one way the console makes elements: every string becomes a text node
// or an attribute value, never markup, so nothing a service writes (a log
// line, a health message) can turn into HTML.

export type Child = Node | string | number | null | undefined | false;
type Attr = string | number | boolean | null | undefined | ((ev: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

// replace swaps el's children for children.
export function replace(el: Node, ...children: (Child | Child[])[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}

// age is how long ago t was, as "5s", "3m", "2h" or "4d".
export function age(t: string | undefined, now = Date.now()): string {
  if (!t) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(t)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

// badge shows a phase or health as a word with a class of its own: colour
// is never the only sign.
export function badge(word: string | undefined): HTMLElement {
  const w = word || 'Unknown';
  return h('span', { class: `badge badge-${w.toLowerCase()}` }, w);
}

// errorBox shows why something failed, read out by screen readers.
export function errorBox(message: string): HTMLElement {
  return h('p', { class: 'error', role: 'alert' }, message);
}

const svgNS = 'http://www.w3.org/2000/svg';

// svg makes an SVG element as h makes an HTML one: attributes set one by
// one, strings as text nodes. Charts are drawn with it (no markup, no
// inline style: the CSP allows neither).
export function svg(tag: string, attrs: Record<string, string | number | undefined> = {}, ...children: (Child | Child[])[]): SVGElement {
  const el = document.createElementNS(svgNS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}
