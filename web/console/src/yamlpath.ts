// lineOf finds, best effort, the line (1-based) of a field path such as
// spec.blueprint.services[0].ports[0].port in block-style YAML, so that a
// validation error can point into the editor. It follows the path as deep
// as the text allows (flow style such as ports: [{...}] stops it at the
// key) and answers 0 when not even the first field is found. The server's
// paths are of the manifest (spec., metadata.name); the short form drops
// spec and names the environment with name.

interface Line {
  n: number; // index in the text
  indent: number; // of the line's key (after a "- ")
  dash: number; // indent of its "- ", or -1
  key: string;
}

const keyRe = /^( *)(- +)?(["']?)([^\s"':#][^"':#]*?)\3 *:(?: |$)/;
const dashRe = /^( *)- /;

function scan(text: string): Line[] {
  const out: Line[] = [];
  text.split('\n').forEach((raw, n) => {
    if (/^\s*(#|$)/.test(raw)) return;
    const k = keyRe.exec(raw);
    const d = dashRe.exec(raw);
    const dash = d ? d[1].length : -1;
    if (k) out.push({ n, indent: k[1].length + (k[2] ? k[2].length : 0), dash, key: k[4] });
    else out.push({ n, indent: d ? d[0].length : raw.length - raw.trimStart().length, dash, key: '' });
  });
  return out;
}

function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return out;
    if (m[1]) out.push(m[1]);
    for (const i of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

// follow walks segs through lines[a, b) and answers the deepest line found.
function follow(lines: Line[], segs: (string | number)[]): number {
  let a = 0;
  let b = lines.length;
  let found = -1;
  for (const seg of segs) {
    if (a >= b) break;
    if (typeof seg === 'number') {
      const dashes = lines.slice(a, b).filter((l) => l.dash >= 0);
      if (!dashes.length) break;
      const at = Math.min(...dashes.map((l) => l.dash));
      const items = lines.map((l, i) => [l, i] as const).filter(([l, i]) => i >= a && i < b && l.dash === at);
      if (seg >= items.length) break;
      const start = items[seg][1];
      a = start;
      b = seg + 1 < items.length ? items[seg + 1][1] : b;
      found = lines[start].n;
      continue;
    }
    const ci = lines[a].indent;
    let i = a;
    while (i < b && !(lines[i].key === seg && lines[i].indent === ci)) i++;
    if (i >= b) break;
    found = lines[i].n;
    let j = i + 1;
    while (j < b && lines[j].indent > ci) j++;
    a = i + 1;
    b = j;
  }
  return found;
}

export function lineOf(text: string, path: string): number {
  const lines = scan(text);
  const segs = segments(path);
  const tries = [segs];
  if (segs[0] === 'spec') tries.push(segs.slice(1));
  if (segs[0] === 'metadata' && segs[1] === 'name') tries.push(['name']);
  for (const s of tries) {
    const n = follow(lines, s);
    if (n >= 0) return n + 1;
  }
  return 0;
}
