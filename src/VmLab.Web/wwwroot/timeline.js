// Events and checker findings along the timeline. The page keeps what it saw at the furthest step reached, so going
// back never makes an event vanish: events after the current step are drawn as still to come.
import { el, hex } from './views.js';

export const keyOf = (e) => `${e.step}|${e.kind}|${e.pid}|${e.text}`;

// Where clicking an event lands: always just before it, so that one Step shows it happen.
// - syscall, exit: the syscall instruction is the event's step-th instruction: land one before it;
// - fault: the faulting instruction has not retired at its step (the kernel takes the fault when it runs);
// - switch: at its step the next process has not been dispatched yet;
// - checker_error: before the kernel entry that caused it (the event just before it).
export function beforeStep(e, events) {
  if (e.kind === 'syscall' || e.kind === 'exit') return Math.max(0, e.step - 1);
  if (e.kind === 'checker_error') {
    const cause = causeOf(e, events);
    return cause ? beforeStep(cause, events) : Math.max(0, e.step - 1);
  }
  return e.step;
}

/** The event after which the checker saw this finding: the last other event at or before its step. */
export function causeOf(e, events) {
  const i = events.findIndex(x => keyOf(x) === keyOf(e));
  for (let j = (i < 0 ? events.length : i) - 1; j >= 0; j--)
    if (events[j].kind !== 'checker_error' && events[j].step <= e.step) return events[j];
  return null;
}

/** What the page says when it lands before an event. */
export function landing(e, at) {
  const what = {
    syscall: `pid ${e.pid}'s ${e.syscall ?? 'system call'}: the syscall instruction runs at the next Step`,
    exit: `pid ${e.pid} exits: its exit call runs at the next Step`,
    fault: `the fault: the instruction at rip takes it at the next Step (and the kernel ${e.handled ? 'fixes it' : 'kills the process'})`,
    switch: `the context switch: the kernel loads pid ${e.pid}'s page table at the next Step`,
    checker_error: 'the kernel entry after which the checker found the problem: Step runs it',
  }[e.kind] ?? 'the event';
  return `step ${at}, just before ${what}${e.deputy ? ` (${e.deputy})` : ''}`;
}

// An event has happened when the machine as it is now has recorded it (at the current step, a fault or a switch
// may still be to come).
export function drawEvents(root, events, step, happened, selected, onPick) {
  if (!events.length) {
    root.replaceChildren(el('li', { class: 'hint', text: 'No events yet: press Run to next event (or Step) and the kernel\'s syscalls, faults, context switches and exits appear here.' }));
    return;
  }
  const items = events.map(e => el('li', {
    class: `event ${e.kind}${e.step > step || (e.step === step && !happened.has(keyOf(e))) ? ' future' : ''}${selected && keyOf(selected) === keyOf(e) ? ' selected' : ''}${e.deputy ? ' deputy' : ''}`,
    'data-step': e.step, 'data-kind': e.kind, title: 'land just before this event', onclick: () => onPick(e),
  },
  el('span', { class: 'at', text: `@${e.step}` }), ` ${e.kind.replace('_', ' ')}: ${e.text}`,
  e.meaning ? el('span', { class: 'meaning', text: ` [error ${hex(e.error_code)}: ${e.meaning}]` }) : '',
  e.deputy ? el('div', { class: 'deputy-note', text: `cause: ${e.deputy}` }) : ''));
  root.replaceChildren(...items);
  const mark = root.querySelector('.event.selected') ?? [...root.querySelectorAll('.event:not(.future)')].pop();
  if (mark) root.scrollTop = Math.max(0, mark.offsetTop - root.offsetTop - root.clientHeight / 2);
}

/** The checker's findings, each at its step and pointing at the event that caused it (click: land before that). */
export function drawFindings(root, findings, errorsNow, events, step, onPick) {
  const described = new Set(findings.map(f => f.text));
  const rows = findings.map(f => {
    const cause = f.cause ?? null;
    const causeEvent = cause && events.find(e => e.step === cause.step && e.text === cause.text);
    return el('div', {
      class: `checker-error${f.step > step ? ' future' : ''}`, 'data-step': f.step, title: 'land just before the event that caused it',
      onclick: () => onPick(causeEvent ?? { step: f.step, kind: 'checker_error', pid: 0, text: f.text }),
    },
    el('b', { text: `checker, step ${f.step}: ` }), f.text,
    cause ? el('div', { class: 'cause', text: `caused by ${cause.kind} at step ${cause.step}: ${cause.text}${causeEvent?.deputy ? ` (${causeEvent.deputy})` : ''}` }) : '');
  });
  const others = errorsNow.filter(e => !described.has(e)).map(e => el('div', { class: 'checker-error', text: `checker: ${e}` }));
  root.replaceChildren(...rows, ...others);
}
