// The web console in headless Chromium (the Debian package, never a
// downloaded browser), against a running stax-apiserver and gateway:
// a refused token, sign-in (the list with each environment's health), a
// blueprint refused at its field paths, create and watch it reach Ready,
// logs (as text, filtered, paused), stop and resume by keyboard alone,
// promote, the baselines, an overlay (refused, then created) and the
// branches tree of own and shared services, shadow traffic refused at its
// field path then on and off by keyboard, the overlay's diffs (empty, then
// a report, each figure and example as answered, values as text), the cost
// charts against the API's answer, diagnose an environment made to fail (root cause and
// symptom, evidence) and fix it after the dry run, delete and the
// historical list. Every step asserts the DOM; screenshots are for people.
// Throughout: no console errors but the failed loads a step expects, no CSP
// violation, no request to anywhere but the gateway, axe-core finds no
// violation and nothing overflows a 375 px wide page.
//
// Usage: node console-check.mjs <gateway URL> <token> <org> <demo service binary> <screenshot dir>
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [gateway, token, org, demo, shots] = process.argv.slice(2);
if (!shots) throw new Error('usage: console-check.mjs <gateway> <token> <org> <demo binary> <screenshot dir>');
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const origin = new URL(gateway);
const env = 'console-demo';
const overlay = `${env}-feature`;
const broken = 'console-broken'; // made to fail by the Go side (TestConsole)
const wait = 90000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const problems = [];
let step = 'start';
let expectedFailures = []; // statuses whose "Failed to load resource" the current step causes
const log = (s) => console.log(`console-check: ${s}`);
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Runs before the page's own scripts and outside its CSP.
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const failed = /Failed to load resource: the server responded with a status of (\d+)/.exec(m.text());
    if (failed && expectedFailures.includes(Number(failed[1]))) return;
    problems.push(`console error in step "${step}": ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error in step "${step}": ${e.message}`));
  const seen = [];
  page.on('request', (r) => seen.push(r.url()));
  page.on('websocket', (ws) => seen.push(ws.url()));

  const until = async (what, fn, arg) => {
    try {
      await page.waitForFunction(fn, arg, { timeout: wait });
    } catch (e) {
      await page.screenshot({ path: `${shots}/failed.png`, fullPage: true });
      throw new Error(`${step}: ${what}: ${e.message.split('\n')[0]}`);
    }
  };
  const text = (sel) => page.locator(sel).innerText();
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  const axed = [];
  const axe = async (name) => {
    if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
    const [found, passed] = await page.evaluate(async () => {
      const r = await window.axe.run(document);
      return [r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), r.passes.length];
    });
    for (const v of found) problems.push(`axe, ${name}: ${v}`);
    if (passed < 10) problems.push(`axe, ${name}: only ${passed} rules passed: did it run?`);
    axed.push(`${name} (${passed} rules pass)`);
  };
  const views = []; // hashes of the views opened, for the phone-width pass
  const open = async (hash, heading) => {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await until(`heading ${heading}`, (h) => document.querySelector('main h1')?.textContent === h, heading);
    if (!views.includes(hash)) views.push(hash);
  };

  step = 'page';
  const resp = await page.goto(`${gateway}/console/`);
  const csp = resp.headers()['content-security-policy'] || '';
  if (!csp.split(';').map((d) => d.trim()).includes("default-src 'self'")) throw new Error(`CSP of /console/: "${csp}"`);
  await page.locator('#token').waitFor();

  step = 'refused token';
  expectedFailures = [401];
  const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  await page.fill('#token', forged);
  if ((await page.inputValue('#org')) !== org) throw new Error(`organization not filled in from the token: ${await page.inputValue('#org')}`);
  await page.click('button[type=submit]');
  await until('a refusal', () => document.querySelector('#signin-status [role=alert]'));
  const refusal = await text('#signin-status');
  if (!refusal.includes('The gateway refused this token')) throw new Error(`refusal: ${refusal}`);
  if (await page.evaluate(() => sessionStorage.length + localStorage.length) !== 0) throw new Error('a refused token was kept');
  await axe('sign-in, refused');
  await shot('01-refused-token');
  log(`refused token: "${refusal}"`);
  // A good token for another organization: refused by the gateway (403).
  expectedFailures = [403];
  await page.fill('#token', token);
  await page.fill('#org', 'globex');
  await page.click('button[type=submit]');
  await until('a refusal for the organization', () => /may not act/.test(document.querySelector('#signin-status [role=alert]')?.textContent || ''));
  log(`other organization: "${await text('#signin-status')}"`);
  await page.fill('#org', org);
  expectedFailures = [];

  step = 'sign in';
  await page.click('button[type=submit]');
  await until('the environments view', () => document.querySelector('#environments') && document.querySelector('.status')?.textContent);
  // The environment made to fail, and the history the Go side wrote.
  if ((await text('.status')) !== '2 environments' || !(await page.$('#environments tr[data-name=console-history][data-state=historical]'))) {
    throw new Error(`the list: ${await text('.status')}`);
  }
  // Health is its own services' count of Healthy against its services.
  const brokenHealth = await page.$eval(`#environments tr[data-name="${broken}"] .healthy-count`, (e) => [e.dataset.healthy, e.dataset.total]);
  if (brokenHealth[1] !== '2' || Number(brokenHealth[0]) > 2) throw new Error(`${broken}'s health: ${brokenHealth}`);
  const stored = await page.evaluate(() => [sessionStorage.getItem('stax.console.session') || '', localStorage.length]);
  if (!stored[0].includes(token) || stored[1] !== 0) throw new Error('the token is not in session storage alone');
  views.push('#/environments');
  await axe('environments, signed in');

  step = 'refused blueprint';
  expectedFailures = [422];
  await page.click('#nav a[data-route="/create"]');
  await page.locator('#blueprint').waitFor();
  views.push('#/create');
  const bad = `name: ${env}
blueprint:
  services:
    - name: web
      command: [${demo}]
      ports:
        - name: http
          port: 0
      dependsOn: [cache]
`;
  await page.fill('#blueprint', bad);
  await page.click('text=Validate');
  await until('the field causes', () => document.querySelectorAll('#causes li').length >= 2);
  const causes = await page.$$eval('#causes button', (bs) => bs.map((b) => [b.dataset.field, b.dataset.line]));
  const byField = Object.fromEntries(causes);
  if (byField['spec.blueprint.services[0].ports[0].port'] !== '8' || byField['spec.blueprint.services[0].dependsOn[0]'] !== '9') {
    throw new Error(`causes at their lines: ${JSON.stringify(causes)}`);
  }
  await page.click('#causes button[data-field="spec.blueprint.services[0].ports[0].port"]');
  const selected = await page.$eval('#blueprint', (t) => t.value.slice(t.selectionStart, t.selectionEnd));
  if (selected.trim() !== 'port: 0') throw new Error(`the error's line is not selected: "${selected}"`);
  await axe('create, refused');
  await shot('02-refused-blueprint');
  log(`refused blueprint: ${causes.map((c) => `${c[0]} at line ${c[1]}`).join(', ')}`);
  expectedFailures = [];

  step = 'create';
  // The web service's name is markup: it must reach the page as text.
  const good = `name: ${env}
displayName: Console demo
blueprint:
  services:
    - name: web
      command: [${demo}]
      args: [-name, "<img src=x onerror=window.__pwned=1>", -tick, 1s]
      ports: [{name: http, port: 8080}]
      health: {http: {path: /healthz, port: http}, periodSeconds: 1}
    - name: api
      command: [${demo}]
      args: [-name, api, -tick, 500ms]
      ports: [{name: http, port: 8080}]
      health: {http: {path: /healthz, port: http}, periodSeconds: 1}
`;
  await page.fill('#blueprint', good);
  await page.click('text=Validate');
  await until('valid', () => document.querySelector('#valid'));
  await page.click('button[type=submit]');
  await until('the environment view', (e) => location.hash === `#/environments/${e}` && document.querySelector('#services'), env);
  views.push(`#/environments/${env}`);
  await until('Ready, live', () => document.querySelector('#phase')?.textContent === 'Ready' && document.querySelector('#live')?.dataset.state === 'live');
  const rows = await page.$$eval('#services tbody tr', (trs) => trs.map((tr) => ({
    name: tr.dataset.service, health: tr.children[1].textContent, replicas: tr.children[2].textContent, endpoint: tr.children[3].textContent })));
  if (rows.length !== 2 || rows.some((r) => r.health !== 'Healthy' || r.replicas !== '1/1' || !r.endpoint)) throw new Error(`services: ${JSON.stringify(rows)}`);
  if (!(await page.$('#conditions tr[data-condition="Ready"]'))) throw new Error('no Ready condition');
  const phases = await page.$$eval('#timeline li', (lis) => lis.map((l) => l.dataset.phase));
  if (phases.at(-1) !== 'Ready' || new Set(phases).size !== phases.length) throw new Error(`phases seen: ${phases}`);
  log(`phases seen: ${phases.join(' → ')}`);
  log(`Ready: ${rows.map((r) => `${r.name} ${r.health} ${r.replicas} at ${r.endpoint}`).join('; ')}`);

  step = 'logs';
  await until('a log line', () => [...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes('tick')));
  await until('the markup as text', () => [...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes('<img src=x onerror=window.__pwned=1> listening')));
  if (await page.evaluate(() => document.querySelectorAll('#log *:not(.line)').length + (window.__pwned ? 1 : 0)) !== 0) throw new Error('a log line became HTML');
  await axe('environment, Ready');
  await shot('03-ready-with-logs');
  await page.selectOption('#log-service', 'api');
  // Each line is labelled with its replica (api-0); the stream's tail may
  // no longer reach back to a service's first line.
  await until('api lines only', () => {
    const ls = [...document.querySelectorAll('#log .line')].map((l) => l.textContent);
    return ls.some((l) => l.includes('tick')) && ls.every((l) => l.startsWith('api-0 '));
  });
  await page.click('#log-pause');
  if ((await page.getAttribute('#log-pause', 'aria-pressed')) !== 'true') throw new Error('pause not pressed');
  const before = await page.locator('#log .line').count();
  await until('lines held while paused', () => /held/.test(document.querySelector('#log-state')?.textContent || ''));
  if ((await page.locator('#log .line').count()) !== before) throw new Error('lines were added while paused');
  await page.click('#log-pause');
  await until('held lines shown', (n) => document.querySelectorAll('#log .line').length > n, before);
  log('logs: a line arrived, markup stayed text, the service filter and pause hold');

  step = 'stop by keyboard';
  const tabTo = async (id) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    }
    throw new Error(`Tab never reached #${id}`);
  };
  const listening = () => [...document.querySelectorAll('#log .line')].filter((l) => l.textContent.includes('api listening')).length;
  const started = await page.evaluate(listening);
  await page.focus('main h1');
  await tabTo('stop');
  await page.keyboard.press('Enter');
  await until('Stopped, live', () => document.querySelector('#phase')?.textContent === 'Stopped' && document.querySelector('#paused')?.textContent === 'yes'
    && document.querySelector('#timeline li:last-child')?.dataset.phase === 'Stopped');
  if ((await page.evaluate(() => document.activeElement?.id)) !== 'resume') throw new Error('focus did not move to Resume');
  if (!(await page.isDisabled('#stop'))) throw new Error('Stop is enabled on a stopped environment');
  await shot('04-stopped');
  step = 'resume by keyboard';
  await page.keyboard.press('Enter');
  await until('Ready again', () => document.querySelector('#phase')?.textContent === 'Ready' && document.querySelector('#paused')?.textContent === 'no');
  // The logs follow the new run of the service.
  await until('the resumed service logging', (n) => [...document.querySelectorAll('#log .line')]
    .filter((l) => l.textContent.includes('api listening')).length > n, started);
  log(`stop and resume by keyboard: Stopped, then Ready; logs state "${await text('#log-state')}"`);

  step = 'promote';
  await page.click('#promote');
  await page.fill('#baseline-name', `${env}-stable`);
  await page.keyboard.press('Enter');
  await until('promoted', () => document.querySelector('#promoted a'));
  await page.click('#promoted a');
  await until('the baseline view', () => document.querySelectorAll('#baseline-services li').length === 2);
  views.push(`#/baselines/${env}-stable`);
  await axe('baseline');
  await open('#/baselines', 'Baselines');
  await until('the baseline listed', (b) => document.querySelector(`#baselines tr[data-name="${b}"]`), `${env}-stable`);
  await axe('baselines');
  await shot('05-baselines');
  log('promoted and listed');

  step = 'overlay';
  await open('#/branches', 'Branches');
  await until('the baseline without overlays', (b) => document.querySelector(`#branches li[data-baseline="${b}"] .help`)?.textContent === 'No overlays.', `${env}-stable`);
  views.push(`#/branches/${env}-stable/new`);
  await page.click(`#branches li[data-baseline="${env}-stable"] a.button`);
  await until('the overlay form', () => document.querySelector('#change-0-service')?.options.length === 2);
  expectedFailures = [422];
  await page.fill('#overlay-name', 'Not A Name');
  await page.selectOption('#change-0-service', 'api');
  await page.fill('#change-0-env', 'GREETING=hello from the overlay');
  await page.click('button[type=submit]');
  await until('the refusal at its path', () => document.querySelector('#overlay-causes li[data-field="spec.name"]'));
  await axe('new overlay, refused');
  expectedFailures = [];
  await page.fill('#overlay-name', overlay);
  await page.click('button[type=submit]');
  await until('the overlay Ready', (o) => location.hash === `#/environments/${o}` && document.querySelector('#phase')?.textContent === 'Ready'
    && document.querySelectorAll('#services tbody tr').length === 2, overlay);
  const sources = await page.$$eval('#services tbody tr', (trs) => trs.map((tr) => `${tr.dataset.service}:${tr.dataset.source}`).sort());
  if (sources.join(' ') !== 'api:own web:shared') throw new Error(`the overlay's services: ${sources}`);
  if (!(await page.$('#shadow'))) throw new Error('no place for the shadow controls');
  views.push(`#/environments/${overlay}`);
  await axe('overlay');
  await open('#/branches', 'Branches');
  await until('the overlay in the tree', (o) => document.querySelector(`#branches li[data-overlay="${o}"] li[data-service]`), overlay);
  const tree = await page.$$eval('#branches li[data-baseline]', (bs) => bs.map((b) => ({
    baseline: b.dataset.baseline,
    overlays: [...b.querySelectorAll('li[data-overlay]')].map((o) => ({
      name: o.dataset.overlay, services: [...o.querySelectorAll('li[data-service]')].map((l) => `${l.dataset.service}:${l.dataset.source}`) })) })));
  if (JSON.stringify(tree) !== JSON.stringify([{ baseline: `${env}-stable`, overlays: [{ name: overlay, services: ['api:own', 'web:shared'] }] }])) {
    throw new Error(`the tree: ${JSON.stringify(tree)}`);
  }
  await axe('branches');
  await shot('06-branches');
  log(`branches: ${JSON.stringify(tree)}`);

  step = 'diffs, never shadowed';
  const diffsHash = `#/environments/${overlay}/diffs`;
  await open(diffsHash, `Diffs of ${overlay}`);
  await until('the empty report', () => document.querySelector('#diffs-empty') && !document.querySelector('#diffs-refresh').disabled);
  if (!(await text('#diffs-empty')).includes('Shadow traffic is off') || (await page.$('#diffs section.endpoint'))) {
    throw new Error(`the empty report: ${await text('#diffs')}`);
  }
  await axe('diffs, empty');
  log(`diffs of an overlay never shadowed: "${await text('#diffs-status')}"`);
  // An environment that is not an overlay has no diffs: the server says why.
  expectedFailures = [400];
  await open(`#/environments/${env}/diffs`, `Diffs of ${env}`);
  views.pop(); // not revisited at 375 px, where a 400 is no expected failure
  await until('the refusal', () => /is not an overlay/.test(document.querySelector('#diffs-status [role=alert]')?.textContent || ''));
  if (await page.$('#diffs *')) throw new Error('a report shown for an environment that is not an overlay');
  log(`diffs of ${env}: "${await text('#diffs-status')}"`);
  expectedFailures = [];

  step = 'shadow on by keyboard';
  const envAnswer = () => page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === `/v1/environments/${overlay}`)
    .then((r) => r.json()).then((j) => j.data);
  await open(`#/environments/${overlay}`, overlay);
  await until('the shadow off', () => document.querySelector('#shadow-state')?.dataset.enabled === 'false');
  await page.focus('main h1');
  await tabTo('shadow-enabled');
  await page.keyboard.press('Space');
  if (!(await page.isChecked('#shadow-enabled'))) throw new Error('Space did not turn the shadow on');
  await tabTo('shadow-percent');
  // Out of range: refused by the server, at its field path and at the control.
  expectedFailures = [422];
  await page.keyboard.press('Control+A');
  await page.keyboard.type('150');
  await page.keyboard.press('Enter');
  await until('the percent refused at its path', () => document.querySelector('#shadow-causes li[data-field="spec.shadow.percent"]')
    && document.querySelector('#shadow-percent').getAttribute('aria-invalid') === 'true' && !document.querySelector('#shadow-percent-error').hidden);
  const refusedAt = await text('#shadow-percent-error');
  if (!refusedAt.includes('between 0 and 100')) throw new Error(`the percent's refusal: "${refusedAt}"`);
  if ((await page.evaluate(() => document.activeElement?.id)) !== 'shadow-percent') throw new Error('focus is not on the refused percent');
  if ((await page.getAttribute('#shadow-state', 'data-enabled')) !== 'false') throw new Error('a refused setting shows as stored');
  await axe('shadow, refused');
  await shot('07-shadow-refused');
  expectedFailures = [];
  await page.keyboard.press('Control+A');
  await page.keyboard.type('25');
  let saved = envAnswer();
  await page.keyboard.press('Enter');
  const shadowOn = (await saved).spec.shadow;
  await until('the settings as stored', () => document.querySelector('#shadow-saved') && document.querySelector('#shadow-state').dataset.enabled === 'true'
    && document.querySelector('#shadow-state').dataset.percent === '25' && !document.querySelector('[aria-invalid]'));
  if (!shadowOn?.enabled || shadowOn.percent !== 25 || !shadowOn.since) throw new Error(`GET ${overlay}: spec.shadow ${JSON.stringify(shadowOn)}`);
  if (!(await text('#shadow-state')).includes('25%')) throw new Error(`the state: ${await text('#shadow-state')}`);
  await axe('shadow, on');
  log(`shadow on by keyboard (refused at spec.shadow.percent: "${refusedAt}"), then stored: ${JSON.stringify(shadowOn)}`);

  step = 'diffs';
  // The Go side's diff writer publishes once the shadow is on: refresh
  // until the report has it, then hold the page to the answer.
  let diffs;
  for (let i = 0; ; i++) {
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === `/v1/environments/${overlay}/diffs`).then((r) => r.json());
    if (i === 0) await page.click('#diffs-link');
    else await page.click('#diffs-refresh');
    diffs = (await answered).data;
    if (diffs.report.endpoints?.length) break;
    if (i === 100) throw new Error('no diffs were published');
    await page.waitForTimeout(300);
  }
  const want = diffs.report.endpoints;
  await until('the endpoints', (n) => document.querySelectorAll('#diffs section.endpoint').length === n, want.length);
  const shown = await page.$$eval('#diffs section.endpoint', (ss) => ss.map((s) => ({
    endpoint: s.dataset.endpoint, requests: Number(s.dataset.requests),
    fields: [...s.querySelectorAll('table.fields tbody tr')].map((tr) => ({ field: tr.dataset.field, kind: tr.dataset.kind, raw: Number(tr.dataset.raw),
      noise: Number(tr.dataset.noise), rawRate: tr.dataset.rawRate, noiseRate: tr.dataset.noiseRate, verdict: tr.dataset.verdict,
      verdictShown: tr.querySelector('.badge').textContent })),
    examples: [...s.querySelectorAll('.examples')].map((x) => ({ field: x.dataset.field, rows: [...x.querySelectorAll('tr.example')].map((tr) => ({
      request: tr.querySelector('.request').textContent, primary: tr.querySelector('.primary pre')?.textContent || '',
      candidate: tr.querySelector('.candidate pre')?.textContent || '' })) })) })));
  const answered = want.map((e) => ({ endpoint: e.endpoint, requests: e.requests,
    fields: (e.fields || []).map((f) => ({ field: f.field, kind: f.kind || '', raw: f.raw, noise: f.noise, rawRate: f.rawRate, noiseRate: f.noiseRate,
      verdict: f.verdict, verdictShown: f.verdict })),
    examples: (e.fields || []).filter((f) => f.examples?.length).map((f) => ({ field: f.field,
      rows: f.examples.map((x) => ({ request: x.request, primary: x.primary || '', candidate: x.candidate || '' })) })) }));
  if (JSON.stringify(shown) !== JSON.stringify(answered)) throw new Error(`diffs shown ${JSON.stringify(shown)}, answered ${JSON.stringify(answered)}`);
  // What the writer's engine found: the rename a Difference, its example
  // the overlay's markup as text beside the baseline's value; request ids
  // and Date noise; the one failed order under the thresholds.
  const users = shown.find((e) => e.endpoint === 'GET /users/{id}');
  const verdicts = Object.fromEntries((users?.fields || []).map((f) => [f.field, f.verdict]));
  if (users?.requests !== 20 || verdicts['body.name'] !== 'Difference' || verdicts['body.requestId'] !== 'Noise' || verdicts['header:Date'] !== 'Noise') {
    throw new Error(`GET /users/{id}: ${JSON.stringify(users)}`);
  }
  const example = users.examples.find((x) => x.field === 'body.name')?.rows[0];
  if (example?.primary !== '"ann"' || example.candidate !== '"<img src=x onerror=window.__pwned=2>"') throw new Error(`body.name's example: ${JSON.stringify(example)}`);
  const orders = shown.find((e) => e.endpoint === 'GET /orders/{id}');
  if (!orders?.fields.some((f) => f.field === 'status' && f.raw === 1 && f.verdict !== 'Difference')) throw new Error(`GET /orders/{id}: ${JSON.stringify(orders)}`);
  if (await page.evaluate(() => document.querySelectorAll('#diffs pre *, #diffs img').length + (window.__pwned ? 1 : 0)) !== 0) throw new Error('a value became HTML');
  if (!views.includes(diffsHash)) views.push(diffsHash);
  await axe('diffs');
  await shot('08-diffs');
  log(`diffs: ${shown.map((e) => `${e.endpoint} (${e.requests}): ${e.fields.map((f) => `${f.field} ${f.verdict} ${f.raw}/${f.noise}`).join(', ')}`).join('; ')}`);

  step = 'shadow in the tree';
  await open('#/branches', 'Branches');
  await until('the overlay shadowed at 25%', (o) => document.querySelector(`#branches li[data-overlay="${o}"] .shadow-state`)?.dataset.shadow === '25', overlay);

  step = 'shadow off by keyboard';
  await open(`#/environments/${overlay}`, overlay);
  await until('the shadow on', () => document.querySelector('#shadow-state')?.dataset.enabled === 'true');
  await page.focus('main h1');
  await tabTo('shadow-enabled');
  await page.keyboard.press('Space');
  await tabTo('shadow-save');
  saved = envAnswer();
  await page.keyboard.press('Enter');
  const shadowOff = (await saved).spec.shadow;
  await until('the shadow off as stored', () => document.querySelector('#shadow-saved') && document.querySelector('#shadow-state').dataset.enabled === 'false');
  if (shadowOff?.enabled || shadowOff?.since) throw new Error(`GET ${overlay} after off: spec.shadow ${JSON.stringify(shadowOff)}`);
  await shot('09-shadow-off');
  log(`shadow off by keyboard: ${JSON.stringify(shadowOff)}`);

  step = 'views at 1280 px';
  await open('#/environments', 'Environments');
  await until('the environment listed', (e) => document.querySelector(`#environments tr[data-name="${e}"][data-state=active]`), env);
  const health = await page.$$eval('#environments tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.name,
    tr.querySelector('.health')?.textContent])));
  if (health[env] !== 'Healthy 2/2' || health[overlay] !== 'Healthy 1/1') throw new Error(`health: ${JSON.stringify(health)}`);
  await axe('environments');
  await shot('10-environments');

  step = 'cost';
  // The chart against the answer the page was given.
  const usageAnswer = (w) => page.waitForResponse((r) => r.url().includes('/v1/organization/usage') && r.url().includes(w)).then((r) => r.json());
  let answer = usageAnswer('window=7d');
  await open('#/cost', 'Cost');
  await answer;
  answer = usageAnswer('window=1h');
  await page.selectOption('#cost-window', '1h');
  const usage = (await answer).data;
  const seriesShown = () => page.$$eval('#usage-chart rect.bar', (rs) => rs.map((r) => [r.dataset.key, r.dataset.value]));
  await until('the hour in steps', (n) => document.querySelectorAll('#usage-chart rect.bar').length === n && document.querySelector('#cost-status')?.textContent.includes('environment'), usage.series.length);
  const drawn = await seriesShown();
  if (JSON.stringify(drawn) !== JSON.stringify(usage.series.map((p) => [p.start, p.cost]))) throw new Error(`series drawn ${JSON.stringify(drawn)}, answered ${JSON.stringify(usage.series)}`);
  if (!usage.series.some((p) => Number(p.cost) > 0)) throw new Error(`nothing cost anything: ${JSON.stringify(usage.series)}`);
  const groupsDrawn = await page.$$eval('#groups-chart g.row', (gs) => gs.map((g) => [g.dataset.key, g.dataset.value]));
  if (JSON.stringify(groupsDrawn) !== JSON.stringify(usage.groups.map((g) => [g.key || '', g.cost]))) throw new Error(`groups drawn ${JSON.stringify(groupsDrawn)}, answered ${JSON.stringify(usage.groups)}`);
  if ((await page.getAttribute('#cost-total dd[data-value]', 'data-value')) !== usage.total.cost) throw new Error('the total is not the answer\'s');
  const runRate = await page.$$eval('#forecast-chart .run-rate', (ps) => ps.map((p) => Number(p.dataset.value)));
  if (runRate.join() !== [usage.forecast.runRate.restOfMonth.expected, usage.forecast.runRate.next30Days.expected].map(Number).join()) throw new Error(`run rate drawn ${runRate}`);
  if ((await page.getAttribute('#savings dd[data-value]', 'data-value')) !== usage.savings.stops) throw new Error('the savings are not the answer\'s');
  // By label, over the history's two weeks.
  // (Choosing Label waits for its key; the window's change then asks.)
  answer = usageAnswer('aggregate=label');
  await page.selectOption('#cost-by', 'label');
  await page.selectOption('#cost-window', '30d');
  const byLabel = (await answer).data;
  await until('groups by label', () => document.querySelector('#groups-chart g.row[data-key=shop]') && document.querySelector('#cost-status').textContent.includes('label:team'));
  const keys = await page.$$eval('#groups-chart g.row', (gs) => gs.map((g) => `${g.dataset.key}=${g.dataset.value}`));
  if (keys.join() !== byLabel.groups.map((g) => `${g.key || ''}=${g.cost}`).join() || byLabel.groups.length !== 2) throw new Error(`groups by label: ${keys}`);
  // The trend of the two weeks of history, with its interval. (A window
  // that does not reach the history leaves it out of the trend too.)
  const trend = byLabel.forecast.trend;
  if (!trend) throw new Error(`no trend forecast: ${byLabel.forecast.message}`);
  const drawnTrend = await page.$$eval('#forecast-chart g.interval', (gs) => gs.map((g) => [g.querySelector('.expected')?.dataset.value,
    g.querySelector('.range')?.dataset.low, g.querySelector('.range')?.dataset.high].map(Number)));
  const wantTrend = [trend.restOfMonth, trend.next30Days].map((r) => [r.expected, r.low, r.high].map(Number));
  if (JSON.stringify(drawnTrend) !== JSON.stringify(wantTrend)) throw new Error(`trend drawn ${JSON.stringify(drawnTrend)}, answered ${JSON.stringify(wantTrend)}`);
  if (!(await text('#trend-30')).includes('90% interval')) throw new Error(`trend: ${await text('#trend-30')}`);
  await axe('cost');
  await shot('11-cost');
  log(`cost: ${usage.series.length} steps drawn as answered (total ${usage.total.cost}), ${usage.groups.length} environments; ` +
    `trend next 30 days ${trend.next30Days.expected} in [${trend.next30Days.low}, ${trend.next30Days.high}]; by label team: ${keys.join(', ')}`);

  step = 'diagnose';
  await open(`#/environments/${broken}`, broken);
  // Its failure shows once db stopped accepting and api gave up: ask
  // again until both findings are there.
  for (let i = 0; ; i++) {
    await page.click('#diagnose');
    await until('a diagnosis', () => !document.querySelector('#diagnose').disabled && /finding|No problems/.test(document.querySelector('#diagnose-status').textContent));
    if (await page.$('#findings li[data-service=db][data-role=root] ~ li[data-service=api][data-role=symptom]')) break;
    if (i === 60) throw new Error(`no root cause and symptom: ${await text('#diagnosis')}`);
    await page.waitForTimeout(500);
  }
  const findings = await page.$$eval('#findings li', (ls) => ls.map((l) => ({ service: l.dataset.service, analyzer: l.dataset.analyzer, role: l.dataset.role,
    severity: l.dataset.severity, said: l.querySelector('.finding-role').textContent, evidence: l.querySelector('.evidence pre')?.textContent || '' })));
  const symptom = findings.find((f) => f.service === 'api');
  if (symptom.said !== 'symptom of db' || !/connection (reset|refused)/.test(symptom.evidence)) throw new Error(`api's finding: ${JSON.stringify(symptom)}`);
  if (await page.evaluate(() => document.querySelectorAll('.evidence pre *').length) !== 0) throw new Error('evidence became HTML');
  await axe('diagnose');
  await shot('12-diagnose');
  await page.click('#fix');
  await until('the dry run', () => document.querySelector('#fix-plan li'));
  const plan = await page.$$eval('#fix-plan li', (ls) => ls.map((l) => `${l.dataset.result} ${l.dataset.action} ${l.dataset.service}`));
  if (plan.join() !== 'WouldApply Restart db') throw new Error(`the dry run: ${plan}`);
  if ((await page.evaluate(() => document.activeElement?.id)) !== 'fix-apply') throw new Error('focus is not on Apply');
  await page.keyboard.press('Enter');
  await until('applied', () => document.querySelector('#fix-result li[data-result=Applied]'));
  await until('Ready after the fix', () => document.querySelector('#phase')?.textContent === 'Ready');
  log(`diagnose: ${findings.map((f) => `${f.severity} ${f.service} ${f.analyzer} (${f.said})`).join('; ')}; dry run "${plan}", then applied: Ready`);

  step = 'phone width';
  await page.setViewportSize({ width: 375, height: 800 });
  for (const hash of views) {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await until(`${hash} rendered`, () => {
      const main = document.querySelector('main');
      const status = main.querySelector('.status');
      return main.querySelector('h1') && !main.textContent.includes('Loading') && (!status || status.textContent) && !main.querySelector('#diffs-refresh:disabled');
    });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > 375) problems.push(`${hash} is ${wide} px wide at 375 px`);
    await page.screenshot({ path: `${shots}/375-${hash.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}.png`, fullPage: true });
  }
  await axe('environment, 375 px');
  await page.setViewportSize({ width: 1280, height: 900 });

  step = 'delete';
  // The overlay first: a baseline's environment is held while it has overlays.
  await open(`#/environments/${overlay}`, overlay);
  await until('live', () => document.querySelector('#live')?.dataset.state === 'live');
  await page.click('#delete');
  await page.click('#confirm-delete');
  await until('the overlay deleted', () => document.querySelector('#deleted'));
  await open(`#/environments/${env}`, env);
  await until('live again', () => document.querySelector('#live')?.dataset.state === 'live');
  await page.click('#delete');
  await page.click('#confirm-delete');
  await until('deleted', () => document.querySelector('#deleted'));
  await open('#/environments', 'Environments');
  await page.selectOption('#filter-state', 'historical');
  await until('historical', (e) => document.querySelector(`#environments tr[data-name="${e}"][data-state=historical]`), env);
  await until('the overlay historical', (e) => document.querySelector(`#environments tr[data-name="${e}"][data-state=historical]`), overlay);
  await shot('13-historical');
  log('deleted; listed as historical');

  step = 'sign out';
  await page.click('#signout');
  await page.locator('#token').waitFor();
  if (await page.evaluate(() => sessionStorage.length) !== 0) throw new Error('sign-out kept the session');
  await page.setViewportSize({ width: 375, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 375) problems.push(`the sign-in page is ${wide} px wide at 375 px`);
  await axe('sign-in, 375 px');
  await shot('375-sign-in');

  const csps = await page.evaluate(() => window.__csp);
  for (const v of csps) problems.push(`CSP violation: ${v}`);
  for (const u of seen) {
    const url = new URL(u);
    if (url.host !== origin.host || !['http:', 'ws:'].includes(url.protocol)) problems.push(`a request left the gateway: ${u}`);
    if (u.includes(token)) problems.push(`the token is in a URL: ${url.pathname}`);
  }
  log(`axe-core ${await page.evaluate(() => window.axe.version)}, no violations in: ${axed.join('; ')}`);
  log(`${seen.length} requests, all to ${origin.host}; views opened: ${views.join(' ')}`);
} catch (e) {
  problems.push(`${step}: ${e.message}`);
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.error(`FAIL ${p}`);
  process.exit(1);
}
log('all steps pass');
