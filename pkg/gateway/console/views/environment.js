import { call, envPath, stream } from '../api.js';
import { age, badge, errorBox, h, replace } from '../dom.js';
import { href } from '../router.js';
import { diagnosePanel } from './diagnose.js';
import { logPanel } from './logs.js';
import { shadowPanel } from './shadow.js';
export const environmentView = {
    route: '/environments/:id',
    title: (p) => `Environment ${p.id}`,
    render(root, { id }) {
        const phase = h('span', { id: 'phase' });
        const live = h('span', { id: 'live', class: 'live' }, 'connecting…');
        const meta = h('dl', { class: 'meta' });
        const conditions = h('tbody');
        const services = h('tbody');
        const servicesHead = h('thead');
        const overlayPart = h('div');
        const diagnosis = diagnosePanel(id);
        const shadow = shadowPanel(id);
        const notice = h('div', { id: 'action-status', 'aria-live': 'polite' });
        const stop = h('button', { type: 'button', id: 'stop' }, 'Stop');
        const resume = h('button', { type: 'button', id: 'resume' }, 'Resume');
        const promote = h('button', { type: 'button', id: 'promote' }, 'Promote to baseline');
        const del = h('button', { type: 'button', id: 'delete', class: 'danger' }, 'Delete');
        const dialog = h('div', { id: 'action-form' });
        const timeline = h('ol', { id: 'timeline', class: 'timeline', 'aria-label': 'Phases seen' });
        const logs = logPanel(id);
        let lastPhase = '';
        let ws = null;
        let gone = false;
        let overlay = false;
        const head = () => replace(servicesHead, h('tr', {}, ...['Service', 'Health', 'Replicas', 'Endpoint', 'Restarts', 'Message', ...(overlay ? ['Source'] : [])].map((c) => h('th', { scope: 'col' }, c))));
        head();
        const setPaused = (paused) => {
            stop.disabled = paused || gone;
            resume.disabled = !paused || gone;
            promote.disabled = gone;
            del.disabled = gone;
        };
        const showEnv = (e) => {
            replace(meta, h('dt', {}, 'Display name'), h('dd', {}, e.spec.displayName || '—'), h('dt', {}, 'Created'), h('dd', {}, h('time', { datetime: e.metadata.creationTimestamp || '' }, `${age(e.metadata.creationTimestamp)} ago`)), h('dt', {}, 'Created by'), h('dd', {}, e.metadata.annotations?.['stax.microstax.ai/created-by'] || '—'), h('dt', {}, 'Paused'), h('dd', { id: 'paused' }, e.spec.paused ? 'yes' : 'no'), e.spec.baselineRef ? [h('dt', {}, 'Baseline'), h('dd', {}, h('a', { href: href(`/baselines/${encodeURIComponent(e.spec.baselineRef.name)}`) }, e.spec.baselineRef.name))] : null);
            setPaused(!!e.spec.paused);
            if (overlay !== !!e.spec.baselineRef) {
                overlay = !!e.spec.baselineRef;
                head();
                replace(overlayPart, overlay ? shadow.element : null);
            }
            if (overlay)
                shadow.show(e.spec.shadow);
            logs.setServices(e.spec.blueprint.services.map((s) => s.name));
        };
        const showProgress = (p) => {
            replace(phase, badge(p.phase));
            if (p.phase && p.phase !== lastPhase) {
                lastPhase = p.phase;
                timeline.appendChild(h('li', { 'data-phase': p.phase }, badge(p.phase), ' ', h('time', { datetime: new Date().toISOString() }, new Date().toLocaleTimeString())));
            }
            replace(conditions, (p.conditions || []).map(conditionRow));
            replace(services, (p.services || []).map((s) => serviceRow(s, overlay)));
            if (p.type === 'DELETED')
                deleted();
            else if (p.phase === 'Ready' || p.phase === 'Degraded')
                logs.revive();
        };
        const deleted = () => {
            gone = true;
            setPaused(true);
            replace(notice, h('p', { class: 'ok', id: 'deleted' }, 'This environment was deleted. ', h('a', { href: href('/environments') }, 'Back to the environments')));
        };
        const connect = () => {
            ws?.close();
            replace(live, 'connecting…');
            ws = stream(`${envPath(id)}/progress`, {}, (text) => {
                replace(live, 'live');
                live.dataset.state = 'live';
                try {
                    showProgress(JSON.parse(text));
                }
                catch {
                }
            }, (reason) => {
                live.dataset.state = 'closed';
                if (reason === 'environment deleted')
                    deleted();
                replace(live, `stream closed${reason ? `: ${reason}` : ''} `, gone ? null : h('button', { type: 'button', class: 'link', onclick: connect }, 'Reconnect'));
            });
        };
        const act = async (verb, run, focusAfter) => {
            replace(notice, h('p', {}, `${verb}…`));
            try {
                const done = await run();
                replace(notice, typeof done === 'string' ? h('p', { class: 'ok' }, done) : done);
                focusAfter?.focus();
            }
            catch (e) {
                replace(notice, errorBox(`${verb} failed: ${e.message}`));
            }
        };
        stop.addEventListener('click', () => act('Stop', async () => {
            showEnv((await call('POST', `${envPath(id)}/stop`)).data);
            return 'Stop requested: the services are stopping.';
        }, resume));
        resume.addEventListener('click', () => act('Resume', async () => {
            showEnv((await call('POST', `${envPath(id)}/resume`)).data);
            return 'Resume requested: the services are starting.';
        }, stop));
        promote.addEventListener('click', () => {
            const name = h('input', { id: 'baseline-name', type: 'text', autocomplete: 'off', required: true, value: `${id}-baseline` });
            const form = h('form', { class: 'inline-form', novalidate: true }, h('label', { for: 'baseline-name' }, 'Baseline name'), name, h('button', { type: 'submit', class: 'primary' }, 'Promote'), h('button', { type: 'button', onclick: () => { replace(dialog); promote.focus(); } }, 'Cancel'));
            form.addEventListener('submit', (ev) => {
                ev.preventDefault();
                void act('Promote', async () => {
                    const b = (await call('POST', '/v1/baselines', { body: { name: name.value.trim(), environment: id } })).data;
                    replace(dialog);
                    return h('p', { class: 'ok', id: 'promoted' }, 'Promoted to baseline ', h('a', { href: href(`/baselines/${encodeURIComponent(b.metadata.name)}`) }, b.metadata.name), '.');
                });
            });
            replace(dialog, form);
            name.focus();
        });
        del.addEventListener('click', () => {
            const confirm = h('button', { type: 'button', class: 'danger', id: 'confirm-delete' }, `Delete ${id}`);
            const cancel = h('button', { type: 'button', onclick: () => { replace(dialog); del.focus(); } }, 'Cancel');
            confirm.addEventListener('click', () => act('Delete', async () => {
                await call('DELETE', envPath(id));
                replace(dialog);
                return 'Delete requested: the services are terminating.';
            }));
            replace(dialog, h('div', { class: 'inline-form', role: 'group', 'aria-label': 'Confirm deletion' }, h('p', {}, `Delete ${id} and all its services? It then shows among the historical environments.`), confirm, cancel));
            cancel.focus();
        });
        replace(root, h('div', { class: 'view-head' }, h('h1', { tabindex: '-1' }, id), phase, live), h('p', {}, h('a', { href: href('/environments') }, '← All environments')), meta, h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Environment actions' }, stop, resume, promote, del), dialog, notice, h('h2', {}, 'Progress'), timeline, h('h2', {}, 'Services'), h('table', { class: 'list', id: 'services' }, servicesHead, services), overlayPart, diagnosis.element, h('h2', {}, 'Conditions'), h('table', { class: 'list', id: 'conditions' }, h('thead', {}, h('tr', {}, ...['Type', 'Status', 'Reason', 'Message', 'Since'].map((c) => h('th', { scope: 'col' }, c)))), conditions), logs.element);
        call('GET', envPath(id)).then(({ data }) => {
            showEnv(data);
            if (data.status)
                showProgress({ type: 'ADDED', ...data.status });
            connect();
            logs.start();
        }, (e) => {
            replace(root, h('h1', { tabindex: '-1' }, id), errorBox(e.status === 404 ? `There is no environment ${id}.` : e.message), h('p', {}, h('a', { href: href('/environments') }, 'All environments')));
        });
        return () => {
            ws?.close();
            logs.stop();
        };
    },
};
function serviceRow(s, overlay) {
    return h('tr', { 'data-service': s.name, 'data-source': s.source || '' }, h('td', { 'data-label': 'Service' }, s.name), h('td', { 'data-label': 'Health' }, badge(s.health)), h('td', { 'data-label': 'Replicas', class: 'replicas' }, `${s.readyReplicas}/${s.desiredReplicas}`), h('td', { 'data-label': 'Endpoint', class: 'endpoint' }, s.endpoint || ''), h('td', { 'data-label': 'Restarts' }, s.restarts || 0), h('td', { 'data-label': 'Message', class: 'message' }, s.message || ''), overlay ? h('td', { 'data-label': 'Source' }, s.source === 'shared' ? 'shared (the baseline\'s)' : 'own') : null);
}
function conditionRow(c) {
    return h('tr', { 'data-condition': c.type }, h('td', { 'data-label': 'Type' }, c.type), h('td', { 'data-label': 'Status' }, c.status), h('td', { 'data-label': 'Reason' }, c.reason || ''), h('td', { 'data-label': 'Message', class: 'message' }, c.message || ''), h('td', { 'data-label': 'Since' }, c.lastTransitionTime ? h('time', { datetime: c.lastTransitionTime }, `${age(c.lastTransitionTime)} ago`) : ''));
}
