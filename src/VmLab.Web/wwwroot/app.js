// The page's state and controls: one machine at a time, redrawn from GET /api/machines/{id} after every action.
import { api } from './api.js';
import { el, hex, toNum, drawPhysical, drawLegend, drawFrameDetails, drawVirtual, drawWalk, drawTlb, drawProcesses } from './views.js';
import { keyOf, beforeStep, landing, drawEvents, drawFindings } from './timeline.js';
import { drawStart, drawLesson } from './lesson.js';
import { setupExercises } from './exercises.js';

const $ = (id) => document.getElementById(id);
const state = {
  id: null, snap: null, pid: null, frame: null, va: null, running: false, scenarios: [], spec: null,
  events: [], findings: [], selected: null, seams: null,
};
const FRAME_MS = 250;            // Run redraws the machine at most four times a second, however fast it steps
const MAX_PROGRAM = 1 << 20;     // the server's limit for an uploaded program

function message(text, isError = false) {
  $('message').textContent = text;
  $('message').className = `message${isError ? ' error' : ''}`;
}

// Actions run one after another (a scenario chosen and then Boot pressed boot in that order), and any action
// pauses Run. body[data-busy] while one is waiting or running: the header says "working", tests wait for it.
let busy = 0, chain = Promise.resolve();
function guard(action) {
  if (state.running) stopRun();
  document.body.dataset.busy = String(++busy);
  chain = chain.then(async () => {
    if ($('message').classList.contains('error')) message('');      // an old error is not about this action
    try { await action(); } catch (e) { message(e.message, true); stopRun(); }
    finally { if (--busy === 0) delete document.body.dataset.busy; }
  });
  return chain;
}

// Panels scroll under the sticky header: keep their titles clear of it whatever its height.
function trackHeader() {
  const set = () => document.documentElement.style.setProperty('--header-h', `${$('top').offsetHeight + 8}px`);
  new ResizeObserver(set).observe($('top'));
  set();
}

function reveal(id) {
  const panel = $(id);
  const r = panel.getBoundingClientRect();
  if (r.top < $('top').offsetHeight || r.top > window.innerHeight - 80) panel.scrollIntoView({ block: 'start' });
}

function drawOptions() {
  const spec = state.scenarios.find(s => s.name === $('scenario').value);
  $('options').replaceChildren(...(spec?.options ?? []).filter(o => o.name !== 'steps').map(o => {
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

function adopt(id, spec, text) {
  Object.assign(state, { id, spec, pid: null, frame: null, va: null, events: [], findings: [], selected: null });
  $('walk').replaceChildren(el('p', { class: 'hint', text: 'Click a page in Virtual memory, or type an address (hex) and press Walk.' }));
  $('start-panel').hidden = true;
  message(text);
  drawLesson($('lesson-panel'), spec, state.seams).catch(e => message(e.message, true));
}

async function create(name = $('scenario').value) {
  stopRun();
  if ($('scenario').value !== name) { $('scenario').value = name; drawOptions(); }
  const { id } = await api.create(name, readOptions());
  adopt(id, state.scenarios.find(s => s.name === name), `${name} booted at step 0: ${state.scenarios.find(s => s.name === name)?.next_step ?? ''}`);
  await refresh();
}

async function upload(file) {
  if (file.size > MAX_PROGRAM) throw new Error(`${file.name} is ${file.size} bytes: a program may be at most 1 MiB (build it with vmlab sim cc)`);
  stopRun();
  const r = await api.upload(file.name, await file.arrayBuffer());
  const spec = { name: 'program', summary: r.summary, lesson: `Your program ${r.programs.join(', ')}, booted on the teaching kernel: its own page table, its code run on the simulated CPU, its symbols in the walk and the disassembly.`, first_look: r.first_look, next_step: r.next_step, options: [], uploaded: true };
  adopt(r.id, spec, `${file.name} booted at step 0: ${r.next_step}`);
  await refresh();
}

async function refresh() {
  if (!state.id) return;
  const snap = await api.state(state.id);
  state.snap = snap;
  // What the furthest step showed is kept, so going back shows what is still to come.
  if (snap.step >= snap.furthest || state.events.length === 0) { state.events = snap.events; state.findings = snap.checker_findings; }
  const happened = new Set(snap.events.map(keyOf));
  const pids = snap.processes.map(p => p.pid);
  if (state.pid === null || (state.pid !== 0 && !pids.includes(state.pid))) state.pid = snap.running ?? pids[0] ?? 0;
  $('timeline').max = snap.furthest;
  $('timeline').value = snap.step;
  $('step-box').value = snap.step;
  $('step-box').max = snap.furthest;
  $('step-label').textContent = `step ${snap.step} of ${snap.furthest}${snap.finished ? ' (finished)' : ''}`;
  $('summary').replaceChildren(
    el('span', { text: `${snap.scenario}: ` }),
    el('span', { id: 'free', text: `free frames ${snap.free_frames} (${snap.free_frames_at_boot} at boot)` }), ', ',
    el('span', { text: 'leaked frames ' }), el('b', { id: 'leaked', class: snap.leaked_frames ? 'bad' : 'good', text: snap.leaked_frames }), ', ',
    el('span', { text: 'checker errors ' }), el('b', { id: 'checker-count', class: snap.checker_errors.length ? 'bad' : 'good', text: snap.checker_errors.length }),
    snap.student_seams.length ? el('span', { id: 'student-seams', class: 'seams', text: `, your seams: ${snap.student_seams.join(', ')}` }) : '',
    snap.panic ? el('b', { id: 'panic', class: 'bad', text: ` KERNEL PANIC: ${snap.panic}` }) : '',
    snap.finished ? el('span', { id: 'finished', text: ' - no process can run: finished' }) : '',
    snap.verdict ? el('div', { id: 'verdict', class: snap.passed ? 'good' : 'bad', text: `verdict: ${snap.passed ? 'CONFIRMED' : 'NOT CONFIRMED'} - ${snap.verdict}` }) : '');
  $('pid').replaceChildren(el('option', { value: 0, text: 'kernel', selected: state.pid === 0 }),
    ...snap.processes.map(p => el('option', { value: p.pid, selected: p.pid === state.pid, text: `pid ${p.pid} (${p.name})` })));
  drawPhysical($('physical'), snap, state.frame);
  drawLegend($('legend'), snap);
  drawFrameDetails($('frame-details'), state.frame === null ? null : snap.frames[state.frame]);
  drawVirtual($('virtual'), snap, state.pid, state.va);
  drawProcesses($('processes'), snap, (pid) => { state.pid = pid; guard(refresh); });
  drawEvents($('events'), state.events, snap.step, happened, state.selected, (e) => guard(() => goToEvent(e)));
  drawFindings($('checker-errors'), state.findings, snap.checker_errors, state.events, snap.step, (e) => guard(() => goToEvent(e)));
  $('console').textContent = snap.console;
  drawTlb($('tlb'), await api.tlb(state.id, state.pid));
  if (state.va !== null) await walk(hex(state.va));
}

// Addresses are hex on this page, with or without 0x.
function vaText() {
  const t = $('walk-va').value.trim();
  if (/^(0x)?[0-9a-f]{1,16}$/i.test(t)) return t.toLowerCase().startsWith('0x') ? t : `0x${t}`;
  throw new Error(`'${t.slice(0, 40)}' is not an address: type it in hex, like 0x100000 (or 100000)`);
}

// The walk of the address typed (or, when what is typed is not an address, of the page last walked).
async function walk(fallback) {
  let va;
  try { va = vaText(); } catch (e) { if (!fallback) throw e; va = fallback; }
  drawWalk($('walk'), await api.walk(state.id, state.pid, va, $('walk-access').value));
}

const PANEL_OF = { fault: 'walk-panel', syscall: 'processes-panel', exit: 'processes-panel', switch: 'tlb-panel', checker_error: 'physical-panel' };

async function goToEvent(e) {
  stopRun();
  const at = beforeStep(e, state.events);
  await api.seek(state.id, at);
  state.selected = e;
  if (e.pid) state.pid = e.pid;
  if (e.kind === 'fault' && e.address) {
    state.va = toNum(e.address) & ~0xfff;
    $('walk-va').value = e.address;
    $('walk-access').value = e.access === 'fetch' ? 'exec' : e.access;
  }
  message(landing(e, at));
  await refresh();
  reveal(PANEL_OF[e.kind] ?? 'events-panel');
}

async function seek(step) {
  stopRun();
  const to = Math.max(0, Math.min(step, state.snap?.furthest ?? 0));
  await api.seek(state.id, to);
  state.selected = null;
  message(to === step ? `step ${to}` : `step ${to} (the furthest step reached is ${state.snap?.furthest ?? 0})`);
  await refresh();
}

async function step(body) {
  const r = await api.step(state.id, body);
  state.selected = null;
  message(r.retired === 0 && r.finished ? 'nothing left to run: every process has ended or is blocked'
    : `ran ${r.retired} instruction(s), ${r.new_events} new event(s)${r.time_limited ? ' (stopped after about 3 s of simulation: step again to go on)' : ''}`);
  await refresh();
  return r;
}

function stopRun() {
  state.running = false;
  $('run').textContent = 'Run';
}

// The server runs big slices (each request as many instructions as take about a tenth of a second); the page
// redraws at most every FRAME_MS, and pauses where the memory checker first finds a problem.
async function run() {
  if (state.running) { stopRun(); return; }
  state.running = true;
  $('run').textContent = 'Pause';
  let count = 10000, drawn = performance.now();
  const errors = state.snap?.checker_errors.length ?? 0;
  while (state.running) {
    const t0 = performance.now();
    const r = await api.step(state.id, { count });
    const took = performance.now() - t0;
    count = took < 60 ? Math.min(count * 2, 20000000) : took > 250 ? Math.max(1000, Math.floor(count / 2)) : count;
    if (r.finished || performance.now() - drawn >= FRAME_MS) {
      await refresh();
      drawn = performance.now();
      $('step-label').textContent += ' (running)';
    }
    if (r.finished) { stopRun(); message('finished: no process can run'); break; }
    if (state.snap.checker_errors.length > errors) { stopRun(); message('paused: the memory checker found a problem (see Events: click the finding to land before its cause)', true); }
  }
  await refresh();
}

function needMachine(action) {
  return () => guard(async () => {
    if (!state.id) await create();
    await action();
  });
}

function showStart() {
  $('start-panel').hidden = false;
  reveal('start-panel');
}

async function start() {
  trackHeader();
  const list = await api.scenarios();
  state.scenarios = list.scenarios;
  state.seams = list.student_seams.length
    ? `Your kernel: your seams (${list.student_seams.join(', ')}, from ${list.workspace}) run in every machine; the reference kernel for the rest.`
    : list.workspace ? `Every seam in ${list.workspace} is still the stub: machines run the reference kernel.` : null;
  $('seams-badge').hidden = !state.seams;
  $('seams-badge').textContent = list.student_seams.length ? `your seams: ${list.student_seams.join(', ')}` : 'your workspace: stubs only';
  $('scenario').replaceChildren(...state.scenarios.map(s => el('option', { value: s.name, title: s.summary, text: s.name })));
  $('scenario').addEventListener('change', () => { drawOptions(); guard(() => create()); });
  drawOptions();
  drawStart($('start-panel'), state.scenarios, state.seams, (name) => guard(() => create(name)));
  $('home').addEventListener('click', showStart);
  $('create').addEventListener('click', () => guard(() => create()));
  $('program-file').addEventListener('change', () => { const f = $('program-file').files[0]; if (f) guard(() => upload(f)); $('program-file').value = ''; });
  $('step').addEventListener('click', needMachine(() => step({ count: 1 })));
  $('step-back').addEventListener('click', needMachine(() => seek(Math.max(0, state.snap.step - 1))));
  $('step-n').addEventListener('click', needMachine(() => step({ count: Math.max(1, Number($('count').value) || 1) })));
  $('run-event').addEventListener('click', needMachine(() => step({ until: 'event' })));
  $('run').addEventListener('click', () => state.running ? stopRun() : needMachine(run)());
  $('reset').addEventListener('click', needMachine(async () => { stopRun(); await api.reset(state.id); state.selected = null; message('back to step 0'); await refresh(); }));
  $('timeline').addEventListener('change', needMachine(() => seek(Number($('timeline').value))));
  $('step-box').addEventListener('change', needMachine(() => seek(Number($('step-box').value))));
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
    needMachine(async () => { const va = toNum(vaText()); await walk(); state.va = va & ~0xfff; })();
  });
  setupExercises($('exercises'), $('quiz'));
  if (state.scenarios[0]?.name === 'program') await create('program');     // vmlab web --program: open on them
}

guard(start);
export { hex };
