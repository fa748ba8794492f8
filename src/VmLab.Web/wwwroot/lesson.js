// The start screen (every scenario: what it is for and the first thing to look at) and the lesson of the
// scenario that is booted, in the scenario's own words (the same text `vmlab tour` and `sim run` say).
import { api } from './api.js';
import { el } from './views.js';

export function drawStart(root, scenarios, seams, onOpen) {
  const cards = scenarios.map(s => el('li', { class: 'card', 'data-scenario': s.name },
    el('div', { class: 'card-head' }, el('b', { text: s.name }), ' ', el('span', { class: 'purpose', text: s.summary })),
    el('div', { class: 'first-look' }, el('span', { class: 'label', text: 'First look: ' }), s.first_look),
    el('button', { class: 'open-scenario', 'data-scenario': s.name, text: `Open ${s.name}`, onclick: () => onOpen(s.name) })));
  root.replaceChildren(
    el('h2', { text: 'Start here: pick a scenario' }),
    el('p', { class: 'note', text: 'Each scenario boots the WeensyOS-style teaching kernel with some programs. Open one, read its lesson, then step it: every panel below shows the machine at the current step, and the timeline goes back to any step.' }),
    seams ? el('p', { class: 'seams-note', text: seams }) : '',
    el('ol', { class: 'cards' }, cards));
}

export async function drawLesson(root, spec, seams) {
  root.hidden = false;
  root.replaceChildren(el('h2', {}, `Lesson: ${spec.name} `, el('small', { text: spec.summary })),
    seams ? el('p', { class: 'seams-note', text: seams }) : '',
    el('p', { class: 'lesson-text', text: spec.lesson }),
    el('p', { class: 'first-look' }, el('span', { class: 'label', text: 'First look: ' }), spec.first_look),
    el('p', { class: 'next-step' }, el('span', { class: 'label', text: 'Next step: ' }), spec.next_step),
    el('div', { id: 'lesson-run', class: 'note', text: 'what `vmlab sim run` observes of this scenario: loading...' }));
  let lesson;
  try { lesson = await api.lesson(spec.name); } catch (e) { root.querySelector('#lesson-run').textContent = e.message; return; }
  const run = root.querySelector('#lesson-run');
  if (!lesson.complete) { run.textContent = 'Run it to the end to see what it shows (vmlab sim run takes longer than the page waits).'; return; }
  run.className = 'lesson-run';
  run.replaceChildren(el('h3', { text: `What a run to the end shows (vmlab sim run ${spec.name})` }),
    el('p', { text: lesson.description }),
    lesson.facts.length ? el('table', { class: 'facts' }, lesson.facts.map(f => el('tr', {}, el('th', { text: f.name }), el('td', { text: f.value })))) : '',
    ...lesson.tables.map(t => el('div', { class: 'lesson-table' }, el('h3', { text: t.title }),
      el('table', {}, el('tr', {}, t.headers.map(h => el('th', { text: h }))), t.rows.map(r => el('tr', {}, r.map(c => el('td', { text: c }))))))),
    el('p', { class: 'verdict', text: `verdict: ${lesson.verdict}` }));
}
