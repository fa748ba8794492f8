// Part A's tools as forms that draw their answer, and Part D's maze as a graph with a walk highlighted.
import { api } from './api.js';
import { el } from './views.js';

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

export function setupExercises(root) {
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
}

async function drawMaze(root) {
  const m = await api.maze();
  const rooms = m.rooms, n = rooms.length, R = 150, cx = 180, cy = 180;
  const pos = new Map(rooms.map((r, i) => [r.name, [cx + R * Math.cos(2 * Math.PI * i / n), cy + R * Math.sin(2 * Math.PI * i / n)]]));
  pos.set('pit', [cx, cy]);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 360 360');
  svg.setAttribute('class', 'maze');
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const edges = new Map();
  for (const r of rooms) for (const [bit, to] of [[0, r.exit0], [1, r.exit1]]) {
    const [x1, y1] = pos.get(r.name), [x2, y2] = pos.get(to);
    edges.set(`${r.name}-${bit}`, add('line', { x1, y1, x2, y2, class: `edge bit${bit}` }));
  }
  for (const [name, [x, y]] of pos) {
    add('circle', { cx: x, cy: y, r: 13, class: `room ${name === 'pit' ? 'pit' : ''}`, 'data-room': name });
    add('text', { x, y: y + 4, 'text-anchor': 'middle' }, name);
  }
  const start = el('input', { value: rooms[0].name, size: 4 }), bits = el('input', { value: '0110', size: 10 });
  const out = el('div');
  const f = el('form', { class: 'exercise' }, el('h3', { text: 'maze (Part D): exit 0 solid, exit 1 dashed; a walk follows the bits' }),
    el('label', {}, 'start ', start), el('label', {}, ' bits ', bits), el('button', { text: 'Walk' }), out);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const e of edges.values()) e.classList.remove('walked');
    try {
      const w = await api.mazeWalk(start.value, bits.value);
      w.visited.slice(0, -1).forEach((room, i) => edges.get(`${room}-${w.bits[i]}`)?.classList.add('walked'));
      out.textContent = `${w.visited.join(' -> ')}${w.fell_into_pit ? ` (into the pit at step ${w.pit_step})` : ''}`;
    } catch (e) { out.textContent = e.message; }
  });
  root.replaceChildren(f, svg);
}
