// The page's state and controls: one machine at a time, redrawn from GET /api/machines/{id} after every action.
import { api } from './api.js';
import { el, hex, toNum, drawPhysical, drawLegend, drawFrameDetails, drawVirtual, drawWalk, drawTlb, drawProcesses, drawEvents } from './views.js';
import { setupExercises } from './exercises.js';

const $ = (id) => document.getElementById(id);
const state = { id: null, snap: null, pid: null, frame: null, va: null, running: false, scenarios: [] };

function message(text, isError = false) {
  $('message').textContent = text;
  $('message').className = `message${isError ? ' error' : ''}`;
}

// body[data-busy] while a request is in flight: lets people (and tests) see when the page has caught up.
let busy = 0;
async function guard(action) {
  document.body.dataset.busy = String(++busy);
  try { await action(); } catch (e) { message(e.message, true); stopRun(); }
  finally { if (--busy === 0) delete document.body.dataset.busy; }
}

function drawOptions() {
  const spec = state.scenarios.find(s => s.name === $('scenario').value);
  $('options').replaceChildren(...spec.options.map(o => {
    const id = `opt-${o.name}`;
    if (o.type === 'bool') return el('label', { title: o.help }, el('input', { type: 'checkbox', id, 'data-option': o.name }), ` ${o.name}`);
    if (o.type === 'int') return el('label', { title: o.help }, `${o.name} `, el('input', { type: 'number', id, 'data-option': o.name, min: o.min, max: o.max, value: o.default }));
    return el('label', { title: o.help }, `${o.name} `, el('select', { id, 'data-option': o.name }, o.values.map(v => el('option', { selected: v === o.default, text: v }))));
  }));
}

function readOptions() {
  const options = {};
  for (const input of $('options').querySelectorAll('[data-option]')) {
    const name = input.dataset.option;
    if (input.type === 'checkbox') { if (input.checked) options[name] = true; }
    else if (input.type === 'number') options[name] = Number(input.value);
    else options[name] = input.value;
  }
  return options;
}

async function create() {
  stopRun();
  const scenario = $('scenario').value;
  const { id } = await api.create(scenario, readOptions());
  Object.assign(state, { id, pid: null, frame: null, va: null });
  $('walk').replaceChildren();
  message(`machine ${id}: ${scenario} booted`);
  await refresh();
}

async function refresh() {
  if (!state.id) return;
  const snap = await api.state(state.id);
  state.snap = snap;
  const pids = snap.processes.map(p => p.pid);
  if (state.pid === null || (state.pid !== 0 && !pids.includes(state.pid))) state.pid = snap.running ?? pids[0] ?? 0;
  $('timeline').max = snap.furthest;
  $('timeline').value = snap.step;
  $('step-label').textContent = `step ${snap.step} of ${snap.furthest}${snap.finished ? ' (finished)' : ''}`;
  $('summary').replaceChildren(
    el('span', { text: `${snap.scenario}: ` }),
    el('span', { id: 'free', text: `free frames ${snap.free_frames} (${snap.free_frames_at_boot} at boot)` }), ', ',
    el('span', { text: 'leaked frames ' }), el('b', { id: 'leaked', class: snap.leaked_frames ? 'bad' : 'good', text: snap.leaked_frames }), ', ',
    el('span', { text: `checker errors ` }), el('b', { id: 'checker-count', class: snap.checker_errors.length ? 'bad' : 'good', text: snap.checker_errors.length }),
    snap.panic ? el('b', { class: 'bad', text: ` KERNEL PANIC: ${snap.panic}` }) : '',
    snap.finished ? el('span', { id: 'finished', text: ' - no process can run: finished' }) : '');
  $('pid').replaceChildren(el('option', { value: 0, text: 'kernel', selected: state.pid === 0 }),
    ...snap.processes.map(p => el('option', { value: p.pid, selected: p.pid === state.pid, text: `pid ${p.pid} (${p.name})` })));
  drawPhysical($('physical'), snap, state.frame);
  drawLegend($('legend'), snap);
  drawFrameDetails($('frame-details'), state.frame === null ? null : snap.frames[state.frame]);
  drawVirtual($('virtual'), snap, state.pid, state.va);
  drawProcesses($('processes'), snap, (pid) => { state.pid = pid; refresh(); });
  drawEvents($('events'), $('checker-errors'), snap, (e) => guard(() => goToEvent(e)));
  $('console').textContent = snap.console;
  await guard(async () => drawTlb($('tlb'), await api.tlb(state.id, state.pid)));
  if (state.va !== null) await walk();
}

async function walk() {
  const va = $('walk-va').value.trim();
  const result = await api.walk(state.id, state.pid, va, $('walk-access').value);
  drawWalk($('walk'), result);
}

async function goToEvent(e) {
  await api.seek(state.id, e.step);
  if (e.pid) state.pid = e.pid;
  if (e.kind === 'fault' && e.address) {
    state.va = toNum(e.address) & ~0xfff;
    $('walk-va').value = e.address;
    $('walk-access').value = e.access === 'fetch' ? 'exec' : e.access;
    message(`step ${e.step}: just before the fault (the kernel has not handled it yet)`);
  } else message(`step ${e.step}`);
  await refresh();
}

async function step(body) {
  const r = await api.step(state.id, body);
  message(r.retired === 0 && r.finished ? 'nothing left to run: every process has ended or is blocked' : `ran ${r.retired} instruction(s), ${r.new_events} event(s)`);
  await refresh();
  return r;
}

function stopRun() {
  state.running = false;
  $('run').textContent = 'Run';
}

async function run() {
  if (state.running) { stopRun(); return; }
  state.running = true;
  $('run').textContent = 'Pause';
  while (state.running) {
    const r = await api.step(state.id, { count: Math.max(1, Number($('count').value) || 100) });
    await refresh();
    if (r.finished) { stopRun(); message('finished: no process can run'); break; }
    await new Promise(res => setTimeout(res, 30));
  }
}

function needMachine(action) {
  return () => guard(async () => {
    if (!state.id) await create();
    await action();
  });
}

async function start() {
  state.scenarios = (await api.scenarios()).scenarios;
  $('scenario').replaceChildren(...state.scenarios.map(s => el('option', { value: s.name, title: s.summary, text: s.name })));
  $('scenario').addEventListener('change', drawOptions);
  drawOptions();
  $('create').addEventListener('click', () => guard(create));
  $('step').addEventListener('click', needMachine(() => step({ count: 1 })));
  $('step-n').addEventListener('click', needMachine(() => step({ count: Math.max(1, Number($('count').value) || 1) })));
  $('run-event').addEventListener('click', needMachine(() => step({ until: 'event' })));
  $('run').addEventListener('click', needMachine(run));
  $('reset').addEventListener('click', needMachine(async () => { stopRun(); await api.reset(state.id); message('back to step 0'); await refresh(); }));
  $('timeline').addEventListener('change', needMachine(async () => { stopRun(); await api.seek(state.id, Number($('timeline').value)); await refresh(); }));
  $('pid').addEventListener('change', () => { state.pid = Number($('pid').value); guard(refresh); });
  $('physical').addEventListener('click', (ev) => {
    const cell = ev.target.closest('.frame');
    if (!cell || !state.snap) return;
    state.frame = Number(cell.dataset.index);
    drawPhysical($('physical'), state.snap, state.frame);
    drawFrameDetails($('frame-details'), state.snap.frames[state.frame]);
  });
  $('virtual').addEventListener('click', (ev) => {
    const cell = ev.target.closest('.page');
    if (!cell || !state.snap) return;
    state.va = toNum(cell.dataset.va);
    $('walk-va').value = cell.dataset.va;
    drawVirtual($('virtual'), state.snap, state.pid, state.va);
    guard(walk);
  });
  $('walk-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!state.id) return;
    state.va = toNum($('walk-va').value) & ~0xfff;
    guard(walk);
  });
  setupExercises($('exercises'));
  await create();
}

guard(start);
export { hex };
