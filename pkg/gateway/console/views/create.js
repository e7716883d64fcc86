import { call } from '../api.js';
import { errorBox, h, replace } from '../dom.js';
import { go } from '../router.js';
import { lineOf } from '../yamlpath.js';
const starter = `# The short form: a name, and the blueprint of its services.
name: demo
displayName: Demo
blueprint:
  services:
    - name: web
      command: [stax-demo-service]
      args: [-name, web, -tick, 1s]
      ports: [{name: http, port: 8080}]
      health: {http: {path: /healthz, port: http}, periodSeconds: 1}
`;
export const createView = {
    route: '/create',
    nav: 'Create',
    title: () => 'Create an environment',
    render(root) {
        const editor = h('textarea', { id: 'blueprint', rows: 18, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'blueprint-help' });
        editor.value = starter;
        const validate = h('button', { type: 'button' }, 'Validate');
        const create = h('button', { type: 'submit', class: 'primary' }, 'Create');
        const result = h('div', { id: 'create-result', 'aria-live': 'polite' });
        const showError = (e) => {
            if (!e.causes.length) {
                replace(result, errorBox(`${e.reason}: ${e.message}`));
                return;
            }
            replace(result, errorBox(`The server refused the blueprint (${e.causes.length} problem${e.causes.length === 1 ? '' : 's'}):`), h('ul', { class: 'causes', id: 'causes' }, e.causes.map((c) => {
                const line = c.field ? lineOf(editor.value, c.field) : 0;
                const where = h('button', { type: 'button', class: 'link', 'data-field': c.field || '', 'data-line': line }, c.field || '(blueprint)', line ? ` (line ${line})` : '');
                where.addEventListener('click', () => selectLine(editor, line));
                return h('li', {}, where, h('span', { class: 'cause-message' }, `: ${c.message || c.reason || ''}`));
            })));
        };
        const send = async (path) => {
            validate.disabled = create.disabled = true;
            replace(result, h('p', {}, path.endsWith('validate') ? 'Validating…' : 'Creating…'));
            try {
                return await call('POST', path, { body: editor.value, contentType: 'application/yaml' });
            }
            catch (e) {
                showError(e);
                return null;
            }
            finally {
                validate.disabled = create.disabled = false;
            }
        };
        validate.addEventListener('click', async () => {
            const a = await send('/v1/environments/validate');
            if (a)
                replace(result, h('p', { class: 'ok', id: 'valid' }, 'The blueprint is valid.', a.data.nameInUse ? ' An environment of this name exists already.' : ''));
        });
        const form = h('form', { class: 'card', novalidate: true }, h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, 'Create an environment')), h('label', { for: 'blueprint' }, 'Blueprint (YAML)'), h('p', { id: 'blueprint-help', class: 'help' }, 'The short form (name, displayName, blueprint, autoShutdown) or a whole Environment manifest.'), editor, h('div', { class: 'actions' }, validate, create), result);
        form.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            const a = await send('/v1/environments');
            if (a)
                go(`/environments/${encodeURIComponent(a.data.metadata.name)}`);
        });
        replace(root, form);
    },
};
function selectLine(editor, line) {
    editor.focus();
    if (!line)
        return;
    const lines = editor.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    editor.setSelectionRange(start, start + lines[line - 1].length);
}
