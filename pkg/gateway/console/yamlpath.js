const keyRe = /^( *)(- +)?(["']?)([^\s"':#][^"':#]*?)\3 *:(?: |$)/;
const dashRe = /^( *)- /;
function scan(text) {
    const out = [];
    text.split('\n').forEach((raw, n) => {
        if (/^\s*(#|$)/.test(raw))
            return;
        const k = keyRe.exec(raw);
        const d = dashRe.exec(raw);
        const dash = d ? d[1].length : -1;
        if (k)
            out.push({ n, indent: k[1].length + (k[2] ? k[2].length : 0), dash, key: k[4] });
        else
            out.push({ n, indent: d ? d[0].length : raw.length - raw.trimStart().length, dash, key: '' });
    });
    return out;
}
function segments(path) {
    const out = [];
    for (const part of path.split('.')) {
        const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
        if (!m)
            return out;
        if (m[1])
            out.push(m[1]);
        for (const i of m[2].matchAll(/\[(\d+)\]/g))
            out.push(Number(i[1]));
    }
    return out;
}
function follow(lines, segs) {
    let a = 0;
    let b = lines.length;
    let found = -1;
    for (const seg of segs) {
        if (a >= b)
            break;
        if (typeof seg === 'number') {
            const dashes = lines.slice(a, b).filter((l) => l.dash >= 0);
            if (!dashes.length)
                break;
            const at = Math.min(...dashes.map((l) => l.dash));
            const items = lines.map((l, i) => [l, i]).filter(([l, i]) => i >= a && i < b && l.dash === at);
            if (seg >= items.length)
                break;
            const start = items[seg][1];
            a = start;
            b = seg + 1 < items.length ? items[seg + 1][1] : b;
            found = lines[start].n;
            continue;
        }
        const ci = lines[a].indent;
        let i = a;
        while (i < b && !(lines[i].key === seg && lines[i].indent === ci))
            i++;
        if (i >= b)
            break;
        found = lines[i].n;
        let j = i + 1;
        while (j < b && lines[j].indent > ci)
            j++;
        a = i + 1;
        b = j;
    }
    return found;
}
export function lineOf(text, path) {
    const lines = scan(text);
    const segs = segments(path);
    const tries = [segs];
    if (segs[0] === 'spec')
        tries.push(segs.slice(1));
    if (segs[0] === 'metadata' && segs[1] === 'name')
        tries.push(['name']);
    for (const s of tries) {
        const n = follow(lines, s);
        if (n >= 0)
            return n + 1;
    }
    return 0;
}
