import { stream, envPath } from '../api.js';
import { h, replace } from '../dom.js';

// Lines kept on the page; older ones go.
const maxLines = 2000;

// logPanel follows an environment's logs over the logstream WebSocket.
// Each line is a text node. Choosing a service opens a new stream for it;
// pausing holds new lines back (counted) until resumed.
export function logPanel(id: string) {
  const select = h('select', { id: 'log-service' }, h('option', { value: '' }, 'All services'));
  const pause = h('button', { type: 'button', id: 'log-pause', 'aria-pressed': 'false' }, 'Pause logs');
  const clear = h('button', { type: 'button', id: 'log-clear' }, 'Clear');
  const state = h('span', { id: 'log-state', class: 'live', 'aria-live': 'polite' });
  const out = h('div', { id: 'log', class: 'log', role: 'log', tabindex: '0', 'aria-label': 'Log lines' });
  let ws: WebSocket | null = null;
  let paused = false;
  let held: string[] = [];
  let running = false;
  let closed = false;

  const add = (lines: string[]) => {
    const stick = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
    for (const l of lines) out.appendChild(h('div', { class: 'line' }, l));
    while (out.childElementCount > maxLines) out.firstElementChild?.remove();
    if (stick) out.scrollTop = out.scrollHeight;
  };
  const open = () => {
    ws?.close();
    closed = false;
    replace(state, 'connecting…');
    const params: Record<string, string> = { tail: '100' };
    if (select.value) params.service = select.value;
    const mine = stream(`${envPath(id)}/logstream`, params, (line) => {
      if (ws !== mine) return;
      replace(state, paused ? `paused, ${held.length + 1} new line${held.length ? 's' : ''} held` : 'following');
      if (paused) held.push(line);
      else add([line]);
    }, (reason) => {
      if (ws !== mine) return;
      closed = true;
      replace(state, `stream closed${reason ? `: ${reason}` : ''}`);
    });
    ws = mine;
  };
  select.addEventListener('change', () => {
    replace(out);
    held = [];
    if (running) open();
  });
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) {
      add(held);
      held = [];
    }
    replace(state, paused ? 'paused' : 'following');
  });
  clear.addEventListener('click', () => replace(out));

  const element = h('section', { class: 'logs', 'aria-labelledby': 'logs-title' },
    h('div', { class: 'view-head' }, h('h2', { id: 'logs-title' }, 'Logs'), state),
    h('div', { class: 'filters' }, h('label', { for: 'log-service' }, 'Service'), select, pause, clear),
    out);
  return {
    element,
    setServices(names: string[]) {
      const keep = select.value;
      replace(select, h('option', { value: '' }, 'All services'), names.map((n) => h('option', { value: n }, n)));
      select.value = names.includes(keep) ? keep : '';
    },
    start() {
      running = true;
      open();
    },
    // revive follows again a stream the server ended (a stop ends the
    // services' output), once the environment runs again.
    revive() {
      if (running && closed) open();
    },
    stop() {
      running = false;
      ws?.close();
      ws = null;
    },
  };
}
