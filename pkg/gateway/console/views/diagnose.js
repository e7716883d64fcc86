import { call, envPath } from '../api.js';
import { badge, errorBox, h, replace } from '../dom.js';
export function diagnosePanel(id) {
    const run = h('button', { type: 'button', id: 'diagnose' }, 'Diagnose');
    const status = h('div', { id: 'diagnose-status', class: 'help', 'aria-live': 'polite' });
    const out = h('div', { id: 'diagnosis' });
    const fixBox = h('div', { id: 'fix-box', 'aria-live': 'polite' });
    const path = `${envPath(id)}/diagnose`;
    let busy = false;
    const diagnose = async () => {
        if (busy)
            return;
        busy = true;
        run.disabled = true;
        replace(status, 'Diagnosing…');
        replace(fixBox);
        try {
            const d = (await call('POST', path, { body: {} })).data;
            const found = d.status.findings || [];
            replace(status, found.length
                ? `${found.length} finding${found.length === 1 ? '' : 's'}; root cause${(d.status.rootCauses || []).length === 1 ? '' : 's'}: ${(d.status.rootCauses || []).join(', ') || 'none'}`
                : 'No problems found.');
            replace(out, found.length ? h('ol', { id: 'findings', class: 'findings' }, found.map(finding)) : null);
            const fixable = found.some((f) => !f.symptom && f.remediation.action !== 'None');
            if (fixable)
                replace(fixBox, h('button', { type: 'button', id: 'fix', class: 'primary', onclick: plan }, 'Fix (dry run first)…'));
        }
        catch (e) {
            replace(status, errorBox(`Diagnose failed: ${e.message}`));
        }
        finally {
            busy = false;
            run.disabled = false;
        }
    };
    const plan = async () => {
        replace(fixBox, h('p', {}, 'Asking what a fix would change (dry run)…'));
        try {
            const d = (await call('POST', path, { body: { remediate: true, dryRun: true } })).data;
            const steps = d.status.remediations || [];
            if (!steps.length) {
                replace(fixBox, h('p', { id: 'fix-plan-empty' }, 'A fix would change nothing.'));
                return;
            }
            const apply = h('button', { type: 'button', id: 'fix-apply', class: 'primary' }, 'Apply the fix');
            const cancel = h('button', { type: 'button', id: 'fix-cancel' }, 'Cancel');
            apply.addEventListener('click', () => void applyFix());
            cancel.addEventListener('click', () => {
                replace(fixBox, h('button', { type: 'button', id: 'fix', class: 'primary', onclick: plan }, 'Fix (dry run first)…'));
                fixBox.querySelector('button').focus();
            });
            replace(fixBox, h('div', { class: 'card', role: 'group', 'aria-labelledby': 'fix-plan-title' }, h('h3', { id: 'fix-plan-title' }, 'Dry run: a fix would do this'), remediationList('fix-plan', steps), h('div', { class: 'actions' }, apply, cancel)));
            apply.focus();
        }
        catch (e) {
            replace(fixBox, errorBox(`The dry run failed: ${e.message}`));
        }
    };
    const applyFix = async () => {
        replace(fixBox, h('p', {}, 'Applying the fix…'));
        try {
            const d = (await call('POST', path, { body: { remediate: true } })).data;
            replace(fixBox, h('h3', {}, 'Fix applied'), remediationList('fix-result', d.status.remediations || []), h('p', { class: 'help' }, 'The environment recovers on its own from here; Diagnose again once it settles.'));
        }
        catch (e) {
            replace(fixBox, errorBox(`The fix failed: ${e.message}`));
        }
    };
    run.addEventListener('click', () => void diagnose());
    const element = h('section', { class: 'diagnose', 'aria-labelledby': 'diagnose-title' }, h('div', { class: 'view-head' }, h('h2', { id: 'diagnose-title' }, 'Diagnose'), run), h('p', { class: 'help' }, 'Why services are not healthy: findings from their logs, exits and events, root causes first.'), status, out, fixBox);
    return { element };
}
function finding(f) {
    const role = f.symptom ? 'symptom' : 'root';
    return h('li', { class: `finding finding-${role}`, 'data-analyzer': f.analyzer, 'data-service': f.service || '', 'data-role': role,
        'data-severity': f.severity }, h('div', { class: 'finding-head' }, badge(f.severity), ' ', h('strong', {}, f.service ? `${f.service}: ` : '', f.analyzer), ' ', h('span', { class: 'finding-role' }, f.symptom ? `symptom of ${f.rootCause || 'another service'}` : 'root cause')), h('p', { class: 'finding-cause' }, f.cause), f.remediation.description
        ? h('p', { class: 'finding-remedy' }, f.remediation.action === 'None' ? 'Advice: ' : `Remedy (${f.remediation.action}): `, f.remediation.description)
        : null, f.evidence?.length
        ? h('details', { class: 'evidence', open: !f.symptom }, h('summary', {}, `Evidence (${f.evidence.length} line${f.evidence.length === 1 ? '' : 's'})`), h('pre', { tabindex: '0' }, f.evidence.join('\n')))
        : null);
}
function remediationList(id, steps) {
    return h('ul', { id, class: 'remediations' }, steps.map((r) => h('li', { 'data-action': r.action, 'data-service': r.service || '', 'data-result': r.result }, badge(r.result), ' ', h('strong', {}, `${r.action}${r.service ? ` ${r.service}` : ''}`), r.message ? `: ${r.message}` : '')));
}
