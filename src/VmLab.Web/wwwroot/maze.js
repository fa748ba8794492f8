// Part D's maze as the directed graph it is: every exit an arrow (exit 0 solid, exit 1 dashed), an exit back into
// its own room a loop beside it, rooms in the colours the exercises ask about, and the pit a room of its own.
// Below it, the quiz: `vmlab quiz`'s own problems, answered and marked in the page.
import { api } from './api.js';
import { el } from './views.js';

const NS = 'http://www.w3.org/2000/svg';
const R = 16;                                          // a room's radius

function svgEl(parent, tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  parent.append(e);
  return e;
}

// An arrow from a to b that leaves and enters at the rooms' edges, bent to one side so that the two exits of a room
// and a pair of opposite exits never lie on one another.
function arrowPath([x1, y1], [x2, y2], bend) {
  const dx = x2 - x1, dy = y2 - y1, d = Math.hypot(dx, dy), nx = -dy / d, ny = dx / d;
  const mx = (x1 + x2) / 2 + nx * bend, my = (y1 + y2) / 2 + ny * bend;
  const from = (px, py, tx, ty) => { const l = Math.hypot(tx - px, ty - py); return [px + (tx - px) * R / l, py + (ty - py) * R / l]; };
  const [sx, sy] = from(x1, y1, mx, my), [ex, ey] = from(x2, y2, mx, my);
  return `M${sx},${sy} Q${mx},${my} ${ex},${ey}`;
}

// A loop from a room back into itself, outside the circle of rooms (exit 1's loop a little wider).
function loopPath([x, y], [cx, cy], bit) {
  const a = Math.atan2(y - cy, x - cx), s = 0.45 + 0.2 * bit, out = 26 + 16 * bit;
  const p = (ang, r) => [x + r * Math.cos(ang), y + r * Math.sin(ang)];
  const [sx, sy] = p(a - s, R), [ex, ey] = p(a + s, R), [c1x, c1y] = p(a - 0.8 - 0.2 * bit, out + R), [c2x, c2y] = p(a + 0.8 + 0.2 * bit, out + R);
  return `M${sx},${sy} C${c1x},${c1y} ${c2x},${c2y} ${ex},${ey}`;
}

export async function drawMaze(root) {
  const m = await api.maze();
  const rooms = m.rooms, n = rooms.length, W = 460, cx = W / 2, cy = W / 2, ring = 150;
  const pos = new Map(rooms.map((r, i) => [r.name, [cx + ring * Math.cos(2 * Math.PI * i / n - Math.PI / 2), cy + ring * Math.sin(2 * Math.PI * i / n - Math.PI / 2)]]));
  pos.set('pit', [cx, cy]);
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${W}`);
  svg.setAttribute('class', 'maze');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'the maze as a directed graph: an arrow for every exit');
  const defs = svgEl(svg, 'defs', {});
  for (const [id, colour] of [['arrow', '#555'], ['arrow-walked', '#c00']]) {
    const mk = svgEl(defs, 'marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    svgEl(mk, 'path', { d: 'M0,0 L10,5 L0,10 z', fill: colour });
  }
  const edges = new Map();
  for (const r of rooms) for (const [bit, to] of [[0, r.exit0], [1, r.exit1]]) {
    const self = to === r.name;
    const d = self ? loopPath(pos.get(r.name), [cx, cy], bit) : arrowPath(pos.get(r.name), pos.get(to), bit ? 22 : 8);
    edges.set(`${r.name}-${bit}`, svgEl(svg, 'path', { d, class: `edge bit${bit}${self ? ' self-loop' : ''}`, 'data-from': r.name, 'data-to': to, 'data-bit': bit, 'marker-end': 'url(#arrow)' }));
  }
  for (const [name, [x, y]] of pos) {
    const colour = name === 'pit' ? 'pit' : rooms.find(r => r.name === name).colour;
    svgEl(svg, 'circle', { cx: x, cy: y, r: R, class: `room ${colour}`, 'data-room': name, 'data-colour': colour });
    svgEl(svg, 'text', { x, y: y + 4, 'text-anchor': 'middle', class: `label ${colour}` }, name);
  }
  const start = el('input', { value: rooms[0].name, size: 4 }), bits = el('input', { value: '0110', size: 10 });
  const out = el('div', { class: 'answer' });
  const f = el('form', { class: 'exercise' },
    el('h3', { text: 'maze (Part D): follow the bits, one exit per bit' }),
    el('div', { class: 'legend' }, el('span', { text: '→ exit 0 (solid)' }), el('span', { text: '⇢ exit 1 (dashed)' }),
      el('span', { class: 'key' }, el('span', { class: 'swatch room-red' }), 'red room'), el('span', { class: 'key' }, el('span', { class: 'swatch room-blue' }), 'blue room'),
      el('span', { class: 'key' }, el('span', { class: 'swatch room-pit' }), 'death pit'), el('span', { text: 'a loop: an exit back into the same room' })),
    el('label', {}, 'start ', start), el('label', {}, ' bits ', bits), el('button', { text: 'Walk' }), out);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const e of edges.values()) { e.classList.remove('walked'); e.setAttribute('marker-end', 'url(#arrow)'); }
    try {
      const w = await api.mazeWalk(start.value, bits.value);
      w.visited.slice(0, -1).forEach((room, i) => {
        const e = edges.get(`${room}-${w.bits[i]}`);
        e?.classList.add('walked');
        e?.setAttribute('marker-end', 'url(#arrow-walked)');
      });
      out.textContent = `${w.visited.join(' -> ')}${w.fell_into_pit ? ` (into the pit at step ${w.pit_step})` : ''}`;
    } catch (e) { out.textContent = e.message; }
  });
  root.replaceChildren(f, svg);
}

export async function setupQuiz(root) {
  const first = await api.quiz('', 1);
  const kind = el('select', { id: 'quiz-kind' }, first.kinds.map(k => el('option', { value: k.kind, title: k.summary, text: `${k.kind}: ${k.summary}` })));
  const seed = el('input', { id: 'quiz-seed', type: 'number', min: 0, max: 1000000, value: 1 });
  const sheet = el('div', { id: 'quiz-sheet' });
  let current = first;
  const show = (q) => {
    current = q;
    const inputs = q.questions.map((_, i) => el('input', { class: 'quiz-answer', 'data-index': i, size: 40, placeholder: 'your answer' }));
    const marks = el('div', { class: 'quiz-marks' });
    const check = el('button', { id: 'quiz-check', text: 'Check my answers' });
    check.addEventListener('click', async () => {
      try {
        const r = await api.quizCheck(current.kind, current.seed, inputs.map(x => x.value));
        r.marks.forEach((m, i) => {
          const row = inputs[i].closest('li').querySelector('.mark');
          row.className = `mark ${m.correct ? 'good' : 'bad'}`;
          row.textContent = m.correct ? `right: ${m.answer}` : `${m.given ? 'not quite' : 'no answer'} (expected ${m.expected}): ${m.answer}`;
        });
        const right = r.marks.filter(m => m.correct).length;
        marks.textContent = `${right} of ${r.marks.length} right`;
      } catch (e) { marks.textContent = e.message; }
    });
    sheet.replaceChildren(el('div', { class: 'quiz-title', text: `${q.kind}, seed ${q.seed}` }),
      el('ol', { class: 'quiz-questions' }, q.questions.map((text, i) =>
        el('li', {}, el('div', { text }), inputs[i], el('div', { class: 'mark' })))), check, marks);
  };
  // New problems replace the sheet only when they are the last asked for, and the sheet says it is loading meanwhile:
  // answers typed into the old sheet are not silently swapped for a blank new one under the student's cursor.
  let asked = 0;
  const load = async () => {
    const mine = ++asked;
    sheet.setAttribute('aria-busy', 'true');
    try {
      const q = await api.quiz(kind.value, Number(seed.value) || 0);
      if (mine === asked) show(q);
    } catch (e) {
      if (mine === asked) sheet.replaceChildren(el('div', { class: 'error', text: e.message }));
    } finally {
      if (mine === asked) sheet.removeAttribute('aria-busy');
    }
  };
  kind.value = first.kind;
  const again = el('button', { id: 'quiz-new', text: 'New problems' });
  again.addEventListener('click', load);
  root.replaceChildren(el('div', { class: 'controls' }, el('label', {}, 'kind ', kind), el('label', {}, ' seed ', seed), again,
    el('span', { class: 'note', text: 'the same problems and marking as vmlab quiz KIND --seed N' })), sheet);
  show(first);
}
