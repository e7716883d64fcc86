// Views are rows of one table (views.ts): a hash route such as
// #/environments/shop, a title, and a render function that fills the main
// element and answers a cleanup (closing its WebSockets). A new view of a
// feature that lands (branches, diffs, cost, diagnose) is one more row.

export interface View {
  route: string; // '/environments/:id'
  nav?: string; // label in the navigation bar, for top-level views
  title: (params: Record<string, string>) => string;
  render: (root: HTMLElement, params: Record<string, string>) => (() => void) | void;
}

export function match(views: View[], path: string): [View, Record<string, string>] | null {
  const parts = path.split('/').filter(Boolean);
  for (const v of views) {
    const want = v.route.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (want.every((w, i) => (w.startsWith(':') ? ((params[w.slice(1)] = decodeURIComponent(parts[i])), true) : w === parts[i]))) {
      return [v, params];
    }
  }
  return null;
}

export function go(path: string): void {
  location.hash = `#${path}`;
}

export function href(path: string): string {
  return `#${path}`;
}
