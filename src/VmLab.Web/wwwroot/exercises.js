// Part A's tools as forms that draw their answer, and Part D's maze as a graph with a walk highlighted.
import { api } from './api.js';
import { el } from './views.js';
import { drawMaze, setupQuiz } from './maze.js';

const parsePairs = (text) => text.split(/[\n,;]+/).map(s => s.trim()).filter(Boolean).map(s => {
  const [va, pa] = s.split(/\s*(?:->|=>|\s)\s*/);
  return { va, pa };
});

function form(title, fields, onSubmit) {
  const out = el('div', { class: 'answer' });
  const f = el('form', { class: 'exercise' }, el('h3', { text: title }), fields, el('button', { text: 'Answer' }), out);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { out.replaceChildren(await onSubmit()); } catch (e) { out.replaceChildren(el('div', { class: 'error', text: e.message })); }
  });
  return f;
}

function tableOf(lines) {
  return el('table', {}, el('tr', {}, ['level', 'table', 'index', 'entry', 'flags'].map(h => el('th', { text: h }))),
    lines.map(l => el('tr', {}, el('td', { text: l.level }), el('td', { text: '0x' + l.table_pa.toString(16) }), el('td', { text: l.index }),
      el('td', { text: '0x' + BigInt(l.entry).toString(16) }), el('td', { text: l.flags }))));
}

export function setupExercises(root, quizRoot) {
  const pairs = el('textarea', { rows: 3, cols: 30, id: 'ex-pairs' });
  pairs.value = '0x0 -> 0x1f000\n0x4019 -> 0x19\n0x1000ff -> 0x500ff';
  const check = form('check-mapping (A1-A4): can these pairs come from one x86-64 mapping?', [pairs], async () => {
    const r = await api.checkMapping(parsePairs(pairs.value));
    return el('div', {}, el('b', { class: r.valid ? 'good' : 'bad', text: r.valid ? 'valid' : 'not valid' }), el('div', { text: r.reason }),
      r.violations.map(v => el('div', { text: `${v.rule}: ${v.explanation}` })),
      r.realisation ? tableOf(r.realisation.table) : '');
  });
  const perm = el('input', { value: 'PTE_P|PTE_W', size: 16 });
  const calls = form('map-calls (A3): the vmiter calls that build it, run on a fresh page table', [el('label', {}, 'perm ', perm)], async () => {
    const r = await api.mapCalls(parsePairs(pairs.value), perm.value);
    return el('div', {}, el('pre', { text: r.calls.map(c => c.c).join('\n') }), el('div', { text: `${r.table_pages} page-table pages` }), tableOf(r.table),
      r.checks.map(c => el('div', { text: `${'0x' + c.pair.va.toString(16)} -> ${c.translated_pa === null ? 'fault' : '0x' + c.translated_pa.toString(16)} ${c.ok ? 'ok' : 'WRONG'}` })));
  });
  const va = el('input', { value: '0x1ff0', size: 10 }), size = el('input', { value: '0x20', size: 8 }), aligned = el('input', { type: 'checkbox' });
  const pages = form('pages (A5-A7): how many pages does an object overlap?', [el('label', {}, 'va ', va), el('label', {}, ' size ', size), el('label', {}, ' aligned ', aligned)], async () => {
    const r = await api.pages(va.value, size.value, aligned.checked);
    return el('div', {}, el('div', { text: `virtual pages: ${r.virtual_pages} (${r.virtual_formula})` }),
      el('div', { text: `physical pages: ${r.min_physical_pages} to ${r.max_physical_pages} (${r.physical_formula})` }), el('div', { text: r.explanation }));
  });
  const maze = el('div', { id: 'maze' });
  root.replaceChildren(el('div', { class: 'exercise-grid' }, check, calls, pages, maze));
  drawMaze(maze).catch(e => maze.replaceChildren(el('div', { class: 'error', text: e.message })));
  setupQuiz(quizRoot).catch(e => quizRoot.replaceChildren(el('div', { class: 'error', text: e.message })));
}

