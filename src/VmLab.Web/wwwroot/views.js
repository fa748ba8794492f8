// Drawing: every function takes JSON from the API and fills one panel. No state lives here.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const PID_COLOURS = ['#4e9a06', '#c4a000', '#75507b', '#cc0000', '#f57900', '#8f5902', '#ad7fa8', '#73d216',
  '#e9b96e', '#5c3566', '#a40000', '#ce5c00', '#4e9a96', '#c17d11', '#204a87', '#888a85'];
const OWNER_COLOURS = { free: '#f2f2f2', reserved: '#9e9e9e', kernel: '#3465a4', console: '#06989a' };

export const hex = (n) => '0x' + Number(n).toString(16);
export const toNum = (h) => parseInt(h, 16);

// Dark letters on light cells (free frames, whose cells the kernel's identity map still draws), white on dark.
export function inkOn(colour) {
  const h = colour.slice(1), n = parseInt(h.length === 3 ? [...h].map(c => c + c).join('') : h, 16);
  const lum = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return lum > 150 ? '#222' : '#fff';
}

export function colourOf(frame) {
  if (!frame) return '#fff';
  if (frame.owner === 'page_table' || frame.owner === 'process') return frame.pid === 0 ? OWNER_COLOURS.kernel : PID_COLOURS[frame.pid % PID_COLOURS.length];
  return OWNER_COLOURS[frame.owner] || '#fff';
}

function describeFrame(f) {
  const kind = f.kind === 'page_table' ? `page-table page (${f.table}, level ${f.level}) of ${f.pid ? 'pid ' + f.pid : 'the kernel'}`
    : f.kind === 'user' ? `user data of pid ${f.pid}` : f.kind;
  const maps = f.mappings.length ? f.mappings.map(m => `pid ${m.pid} va ${m.va} (${m.access})`).join(', ') : 'no user mapping';
  return `frame ${f.index} at ${f.pa}: ${kind}, refcount ${f.refcount}; mapped by ${maps}`;
}

export function drawPhysical(root, snap, selected) {
  root.replaceChildren(...snap.frames.map(f => el('div', {
    class: `cell frame owner-${f.owner}${f.refcount > 1 ? ' shared' : ''}${f.kind === 'page_table' ? ' pt' : ''}${selected === f.index ? ' selected' : ''}`,
    'data-index': f.index, 'data-pa': f.pa, 'data-owner': f.owner, title: describeFrame(f),
    style: `background:${colourOf(f)};color:${inkOn(colourOf(f))}`, text: f.glyph === '.' ? '' : f.glyph,
  })));
}

export function drawLegend(root, snap) {
  const pids = [...new Set(snap.frames.filter(f => f.owner === 'process' || (f.owner === 'page_table' && f.pid)).map(f => f.pid))].sort((a, b) => a - b);
  const item = (colour, label, cls = '') => el('span', { class: 'key' }, el('span', { class: `swatch ${cls}`, style: `background:${colour}` }), label);
  root.replaceChildren(item(OWNER_COLOURS.free, 'free'), item(OWNER_COLOURS.reserved, 'reserved (R)'), item(OWNER_COLOURS.kernel, 'kernel (K)'),
    item(OWNER_COLOURS.console, 'console (C)'), item('#ccc', 'page-table page (P)', 'pt'), item('#ccc', 'shared, refcount > 1 (S)', 'shared'),
    ...pids.map(p => item(PID_COLOURS[p % PID_COLOURS.length], `pid ${p}`)));
}

export function drawFrameDetails(root, f) {
  if (!f) { root.replaceChildren(); return; }
  root.replaceChildren(el('div', { class: 'frame-info', 'data-index': f.index }, el('b', { text: `Frame ${f.index} (${f.pa})` }),
    el('div', { text: `owner: ${f.owner}${f.pid ? ' pid ' + f.pid : ''}, refcount ${f.refcount}` }),
    el('div', { text: `kind: ${f.kind === 'page_table' ? `page-table page, ${f.table} (level ${f.level})` : f.kind}` }),
    el('div', { text: f.mappings.length ? 'mapped by:' : 'no user mapping' }),
    el('ul', {}, f.mappings.map(m => el('li', { text: `pid ${m.pid} at va ${m.va} (${m.access === 'U' ? 'user read/write' : 'user read-only'})` })))));
}

export function drawVirtual(root, snap, pid, selectedVa) {
  const proc = pid === 0 ? snap.kernel : snap.processes.find(p => p.pid === pid);
  if (!proc) { root.replaceChildren(el('p', { class: 'hint', text: `pid ${pid} is not alive at this step: pick another in the list` })); return; }
  const byVa = new Map(proc.pages.map(p => [toNum(p.va), p]));
  const cells = [];
  for (let va = 0; va < 0x300000; va += 0x1000) {
    const p = byVa.get(va);
    const frame = p ? snap.frames[toNum(p.pa) >> 12] : null;
    cells.push(el('div', {
      class: `cell page${p ? '' : ' unmapped'}${p && p.cow ? ' cow' : ''}${selectedVa === va ? ' selected' : ''}`,
      'data-va': hex(va), title: p ? `va ${hex(va)} -> pa ${p.pa} [${p.flags}]${p.cow ? ' copy-on-write' : ''}` : `va ${hex(va)}: unmapped`,
      style: p ? `background:${colourOf(frame)};color:${inkOn(colourOf(frame))}` : '', text: p ? p.access : '',
    }));
  }
  root.replaceChildren(...cells);
}

const BITS = [['p', 'P', 'present'], ['w', 'W', 'writable'], ['u', 'U', 'user'], ['a', 'A', 'accessed'], ['d', 'D', 'dirty'],
  ['ps', 'PS', 'large page'], ['g', 'G', 'global'], ['nx', 'NX', 'no execute'], ['cow', 'COW', 'copy-on-write (software bit 9)']];

export function drawWalk(root, walk) {
  const chain = walk.levels.map(l => el('div', { class: `level${l.bits.p ? '' : ' absent'}`, 'data-table': l.table },
    el('div', { class: 'table-name', text: `${l.table} at ${l.table_pa}` }),
    el('div', { text: `index ${l.index} (entry at ${l.entry_address})` }),
    el('div', { class: 'entry', text: `entry ${l.entry}` }),
    el('div', { class: 'bits' }, BITS.map(([k, name, title]) => el('span', { class: `bit ${l.bits[k] ? 'on' : 'off'}`, title, text: name }))),
    el('div', { text: l.bits.p ? `PFN ${l.pfn} -> ${l.leaf ? 'the page' : 'next table'} at ${hex(toNum(l.pfn) * 4096)}` : 'not present' })));
  const result = walk.fault
    ? el('div', { id: 'walk-fault', class: 'fault' },
        el('b', { text: walk.fault.kind === 'page_fault' ? `Page fault (#PF, vector 14), error code ${hex(walk.fault.error_code)}` : 'General protection fault (#GP)' }),
        el('div', { text: `error code: ${walk.fault.meaning}` }),
        el('div', { class: 'explanation', text: walk.fault.explanation }))
    : el('div', { id: 'walk-result', class: 'ok', text: `physical address ${walk.pa}` });
  root.replaceChildren(el('div', { class: 'walk-head', text: `${walk.access} of ${walk.va}${walk.symbol ? ` (${walk.symbol})` : ''} by ${walk.pid ? 'pid ' + walk.pid : 'the kernel'}, CR3 = ${walk.cr3}` }),
    el('div', { class: 'chain' }, chain), result, el('div', { class: 'tlb-note', text: `TLB: ${walk.tlb}` }));
}

export function drawTlb(root, tlb) {
  const rows = tlb.entries.map(e => el('tr', {}, el('td', { text: e.slot }), el('td', { text: e.va }), el('td', { text: e.pa }),
    el('td', { text: ['4K', '2M', '1G'][e.level] }), el('td', { text: `${e.user_read ? 'r' : '-'}${e.user_write ? 'w' : '-'}${e.user_exec ? 'x' : '-'}` }),
    el('td', { text: e.global ? 'G' : '' })));
  root.replaceChildren(el('div', { text: `hits ${tlb.hits}, misses ${tlb.misses}, ${tlb.entries.length}/${tlb.capacity} entries` }),
    el('div', { id: 'tlb-flushes', text: `CR3 loads ${tlb.cr3_loads} (each flushes the TLB), INVLPGs ${tlb.invlpgs}${tlb.last_invlpg ? ` (last: the page of ${tlb.last_invlpg})` : ''}` }),
    el('div', { class: 'note', text: tlb.note }),
    el('div', { id: 'tlb-model', class: 'note', text: `What it models: a direct-mapped TLB of ${tlb.capacity} entries (a virtual page can sit only in slot page number mod ${tlb.capacity}), holding the user's translations with their rights; hits and misses count the data reads and writes of user code, not instruction fetches (those go through the CPU's code cache).` }),
    rows.length ? el('table', {}, el('tr', {}, ['slot', 'va', 'pa', 'size', 'user rwx', ''].map(h => el('th', { text: h }))), rows) : '');
}

export function drawProcesses(root, snap, onPick) {
  const regs = (r) => Object.entries(r).filter(([k]) => k !== 'rip').map(([k, v]) => `${k}=${v}`).join(' ');
  root.replaceChildren(el('table', { class: 'procs' },
    el('tr', {}, ['pid', 'name', 'state', 'parent', 'page table', 'rip', 'instruction', 'instructions', 'syscalls', 'registers'].map(h => el('th', { text: h }))),
    snap.processes.map(p => el('tr', { class: p.pid === snap.running ? 'running' : '', 'data-pid': p.pid, onclick: () => onPick(p.pid) },
      el('td', { text: p.pid }), el('td', { text: p.name }), el('td', { text: p.pid === snap.running ? `${p.state} (on CPU)` : p.state }),
      el('td', { text: p.parent }), el('td', { text: p.page_table_root }), el('td', { text: p.registers.rip }),
      el('td', { class: 'insn', text: p.instruction }), el('td', { text: p.instructions }),
      el('td', { text: Object.entries(p.syscall_counts).map(([k, v]) => `${k} ${v}`).join(', ') || '-' }),
      el('td', { class: 'regs', text: regs(p.registers) })))));
  if (!snap.processes.length) root.append(el('p', { text: 'no live process' }));
  if (snap.ended.length) root.append(el('table', { class: 'procs ended' },
    el('tr', {}, ['ended pid', 'name', 'state', 'parent', 'instructions', 'syscalls', 'end'].map(h => el('th', { text: h }))),
    snap.ended.map(p => el('tr', { class: 'ended-process' }, el('td', { text: p.pid }), el('td', { text: p.name }), el('td', { text: p.state }),
      el('td', { text: p.parent }), el('td', { text: p.instructions }), el('td', { text: p.syscalls }),
      el('td', { text: p.kill_reason ?? `exit(${p.exit_status})` })))));
}
