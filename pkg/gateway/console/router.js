export function match(views, path) {
    const parts = path.split('/').filter(Boolean);
    for (const v of views) {
        const want = v.route.split('/').filter(Boolean);
        if (want.length !== parts.length)
            continue;
        const params = {};
        if (want.every((w, i) => (w.startsWith(':') ? ((params[w.slice(1)] = decodeURIComponent(parts[i])), true) : w === parts[i]))) {
            return [v, params];
        }
    }
    return null;
}
export function go(path) {
    location.hash = `#${path}`;
}
export function href(path) {
    return `#${path}`;
}
